"""The appendix "The d2lutils reference": one autodoc section per public module of d2lutils.

``book/api.md`` holds the prose and a ```{d2lutils-modules}``` block; when Sphinx reads the
page this extension replaces the block with an ``automodule`` section for every public module
of the package (every ``d2lutils/*.py`` whose name does not start with ``_``), in reading order,
so that a module added to the package appears in the appendix without editing the page.

Type hints become part of each parameter's description (``autodoc_typehints``); the types that
belong to other packages (PyTorch, NumPy, Matplotlib, the standard library ...) have no entry in
this offline book, so the strict build ignores references to them, and only to them.
"""

from __future__ import annotations

import importlib
import pkgutil

PLACEHOLDER = "```{d2lutils-modules}\n```"
# The order a reader meets them in; a module not listed here follows, alphabetically.
READING_ORDER = ["device", "seed", "train", "gradcheck", "data", "plot", "graph", "interact",
                 "exercises", "word2vec", "decoding"]
# Packages whose types the reference mentions but cannot link to without the internet.
EXTERNAL = ["torch", "numpy", "np", "matplotlib", "ipywidgets", "IPython", "PIL", "sklearn",
            "gensim", "sacrebleu", "pooch", "tqdm", "pandas", "scipy",
            # the standard library
            "collections", "typing", "pathlib", "os", "types", "io", "numbers", "dataclasses",
            "enum", "functools", "itertools", "random", "re", "subprocess", "contextlib",
            "threading", "argparse", "hashlib", "json", "math", "zipfile", "tarfile", "urllib"]


def public_modules() -> list[str]:
    """Every public module of d2lutils (``d2lutils.train`` ...), in reading order."""
    import d2lutils

    names = [m.name for m in pkgutil.iter_modules(d2lutils.__path__)
             if not m.name.startswith("_") and not m.ispkg]
    order = {name: k for k, name in enumerate(READING_ORDER)}
    names.sort(key=lambda n: (order.get(n, len(order)), n))
    return [f"d2lutils.{n}" for n in names]


def module_section(module: str) -> str:
    """A level-2 heading and the automodule directive of ``module``."""
    importlib.import_module(module)  # an import error stops the build here, naming the module
    return (f"## `{module}`\n\n"
            "```{eval-rst}\n"
            f".. automodule:: {module}\n"
            "   :members:\n"
            "   :member-order: bysource\n"
            "   :show-inheritance:\n"
            "```\n")


def _expand(app, docname: str, source: list[str]) -> None:
    if PLACEHOLDER in source[0]:
        sections = "\n".join(module_section(m) for m in public_modules())
        source[0] = source[0].replace(PLACEHOLDER, sections)


def _config(app, config) -> None:
    config.autodoc_typehints = "description"
    config.autodoc_typehints_description_target = "all"
    config.autodoc_class_signature = "separated"
    config.autoclass_content = "class"
    config.autodoc_inherit_docstrings = False  # torch.nn.Module.forward's is not ours
    config.autodoc_default_options = {"exclude-members": "__init__, __new__"}
    config.napoleon_google_docstring = True
    config.napoleon_numpy_docstring = False
    config.napoleon_use_rtype = False
    external = "|".join(EXTERNAL)
    config.nitpick_ignore_regex = [
        *getattr(config, "nitpick_ignore_regex", []),
        (r"py:(class|obj|data|exc|func|meth|attr|mod)", rf"({external})(\..+)?"),
    ]


def _reexported(app, env, node, contnode):
    """Resolve ``d2lutils.fit`` (the name chapters use) to its entry, ``d2lutils.train.fit``."""
    target = node.get("reftarget", "")
    if node.get("refdomain") != "py" or not target.startswith("d2lutils."):
        return None
    from book_pages import documented_name  # a sibling in book/_ext
    from sphinx.util.nodes import make_refnode

    objects = env.get_domain("py").objects
    full = documented_name(target, objects)
    if full is None or full == target:
        return None
    entry = objects[full]
    return make_refnode(app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, full)


def setup(app):
    app.connect("config-inited", _config)
    app.connect("missing-reference", _reexported)
    app.connect("source-read", _expand)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
