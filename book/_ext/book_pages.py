"""What every chapter page gets at build time, without editing the notebooks.

* **Run this chapter**: a box under the title says how to run the notebook locally (``make lab``,
  then its path) and offers the ``.ipynb`` itself for download.
* **Alt text**: a figure stored in a notebook has no description, and Sphinx would use the file's
  hash name. Unless the cell's metadata gives one (myst-nb's ``mystnb.image.alt`` or a figure
  caption), the alt text is built from the code that drew it: its titles, axis labels and legend
  entries. An interactive figure's picture is described the same way, and its controls get
  ``aria-label``s; ``d2l-book.js`` keeps a slider's spoken value (its label, not its index) and the
  picture's description up to date as the reader moves it.
* **Links to the reference**: the first mention of each ``d2lutils`` helper on a page, in the
  prose or in a code cell, links to its entry in the appendix. A mention is ``d2lutils.name``,
  ``alias.name`` for a module the chapter imports under an alias, or a name the chapter imports
  from ``d2lutils`` by name.
* **Room for code**: ``d2l-book.css`` widens the text column and sets code a little smaller, so
  that code cells fit a 1280-pixel-wide window without a horizontal scroll bar.
"""

from __future__ import annotations

import ast
import html
import importlib
import inspect
import json
import re
from pathlib import Path

from docutils import nodes
from sphinx import addnodes

STATIC = Path(__file__).parent / "static"
API_DOC = "api"


def is_chapter(app, docname: str) -> bool:
    return docname.startswith("notebooks/") and Path(app.env.doc2path(docname)).suffix == ".ipynb"


# -- Run this chapter ------------------------------------------------------------------------
def run_box(docname: str) -> nodes.admonition:
    name = Path(docname).name + ".ipynb"
    box = nodes.admonition(classes=["d2l-run", "tip"])
    box += nodes.title("", "Run this chapter")
    download = addnodes.download_reference(
        "", "", nodes.literal("", name), refdoc=docname, reftarget=name, refexplicit=True,
        reftype="download", refdomain="", refwarn=True)
    box += nodes.paragraph("", "", nodes.Text("In a clone of the book's repository, type "),
                           nodes.literal("", "make lab"), nodes.Text(", open "),
                           nodes.literal("", f"notebooks/{name}"),
                           nodes.Text(" and choose Run → Restart Kernel and Run All Cells. "
                                      "Or download the notebook: "), download, nodes.Text("."))
    return box


def _add_run_box(app, doctree) -> None:
    docname = app.env.docname
    if not is_chapter(app, docname):
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or not isinstance(section[0], nodes.title):
        return
    section.insert(1, run_box(docname))


# -- alt text --------------------------------------------------------------------------------
ROLES = {"set_title": "title", "suptitle": "title", "title": "title", "set_xlabel": "x axis",
         "xlabel": "x axis", "set_ylabel": "y axis", "ylabel": "y axis", "label": "legend"}


def _text(node: ast.AST) -> str:
    """A string literal's text; an f-string's with each placeholder as '…' (empty if only those)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(v.value if isinstance(v, ast.Constant) else "…" for v in node.values)
    else:
        return ""
    text = " ".join(text.replace("$", "").split())
    return text if text.strip("…,;:()-— ") else ""


def _parse(source: str) -> ast.Module | None:
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())
    try:
        return ast.parse(code)
    except SyntaxError:
        return None


def notebook_functions(sources: list[str]) -> dict[str, ast.FunctionDef]:
    """The functions a notebook defines at the top level of its cells, by name."""
    found = {}
    for source in sources:
        tree = _parse(source)
        for node in tree.body if tree else []:
            if isinstance(node, ast.FunctionDef):
                found[node.name] = node
    return found


def figure_words(source: str, functions: dict[str, ast.FunctionDef] | None = None,
                 ) -> tuple[dict[str, list[str]], list[str]]:
    """The titles, axis labels and legend entries a cell's code gives its figure, in order, and
    the notebook's functions it draws with. Those functions (called, or handed over as the draw
    function of an interactive figure) are read too, and a string passed to one is a title."""
    functions = functions or {}
    tree = _parse(source)
    found: dict[str, list[str]] = {}
    used: list[str] = []
    todo = [tree] if tree else []
    while todo:
        for node in ast.walk(todo.pop(0)):
            if isinstance(node, ast.Name) and node.id in functions and node.id not in used:
                used.append(node.id)
                todo.append(functions[node.id])
            if not isinstance(node, ast.Call):
                continue
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
                node.func, "id", "")
            pairs = [(ROLES.get(func), node.args[0])] if func in ROLES and node.args else []
            if func in functions:
                pairs += [("title", arg) for arg in node.args]
            pairs += [(ROLES.get(k.arg or ""), k.value) for k in node.keywords]
            for role, value in pairs:
                text = _text(value) if role else ""
                if text and text not in found.setdefault(role, []):
                    found[role].append(text)
    return {k: v for k, v in found.items() if v}, used


def describe(source: str, kind: str = "Figure", functions: dict | None = None,
             limit: int = 300) -> str:
    """One sentence for a figure's alt text, from the code that drew it (at most ``limit``
    characters)."""
    words, used = figure_words(source, functions)
    parts = []
    for role, prefix in [("title", "titled"), ("x axis", "x axis"), ("y axis", "y axis"),
                         ("legend", "legend")]:
        if role in words:
            parts.append(f"{prefix} " + "; ".join(f"“{w}”" for w in words[role][:3]))
    by = f" ({', '.join(name.replace('_', ' ') for name in used[:2])})" if used else ""
    sentence = f"{kind} drawn by the code cell above{by}"
    sentence += ": " + ", ".join(parts) if parts else ""
    if len(sentence) > limit:
        sentence = sentence[: limit - 1].rsplit(" ", 1)[0] + " …"
    return sentence


def _cell_source(cell: nodes.Element) -> str:
    for block in cell.findall(nodes.literal_block):
        if block.parent.get("nb_element") == "cell_code_source":
            return block.astext()
    return ""


def _add_alt_text(app, doctree) -> None:
    if not is_chapter(app, app.env.docname):
        return
    cells = [c for c in doctree.findall(nodes.container) if c.get("nb_element") == "cell_code"]
    functions = notebook_functions([_cell_source(c) for c in cells])
    for cell in cells:
        metadata = cell.get("cell_metadata", {}).get("mystnb", {})
        caption = metadata.get("figure", {}).get("caption", "")
        source = _cell_source(cell)
        images = [i for i in cell.findall(nodes.image) if i.get("alt") in (None, i["uri"])]
        for image in images:
            image["alt"] = " ".join(caption.split()) or describe(source, functions=functions)
        for raw in cell.findall(nodes.raw):
            if 'class="d2l-interactive"' in raw.astext():
                raw.children = [nodes.Text(label_controls(raw.astext(), source, functions))]


def label_controls(fragment: str, source: str, functions: dict | None = None) -> str:
    """An interactive figure's HTML with its picture described and each control labelled."""
    names = re.findall(r'<(?:input|select)\b[^>]*\bdata-name="([^"]*)"', fragment)
    kind = "Interactive figure" + (f" (controls: {', '.join(names)})" if names else "")
    alt = html.escape(describe(source, kind, functions), quote=True)
    fragment = fragment.replace('<img alt="interactive figure"', f'<img alt="{alt}"', 1)
    return re.sub(r'<(input|select)((?:(?!aria-label)[^>])*?) data-name="([^"]*)"',
                  r'<\1\2 aria-label="\3" data-name="\3"', fragment)


# -- links to the reference ------------------------------------------------------------------
def chapter_names(notebook: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The chapter's module aliases (``w2v`` -> ``d2lutils.word2vec``) and the names it imports
    from d2lutils (``check_grad`` -> ``d2lutils.gradcheck.check_grad``)."""
    aliases, names = {"d2lutils": "d2lutils"}, {}
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                         for line in "".join(cell["source"]).splitlines())
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("d2lutils.") and a.asname:
                        aliases[a.asname] = a.name
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("d2lutils"):
                for a in node.names:
                    target = f"{node.module}.{a.name}"
                    module = target if _is_module(target) else None
                    if module:
                        aliases[a.asname or a.name] = module
                    else:
                        names[a.asname or a.name] = target
    return aliases, names


def _is_module(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def documented_name(dotted: str, objects: dict) -> str | None:
    """The reference's full name for ``d2lutils.fit`` (``d2lutils.train.fit``), else None."""
    parts = dotted.split(".")
    if parts[0] != "d2lutils" or len(parts) < 2:
        return None
    obj: object = importlib.import_module("d2lutils")
    for k, part in enumerate(parts[1:], start=1):
        if hasattr(obj, part):
            obj = getattr(obj, part)
        elif _is_module(".".join(parts[: k + 1])):
            obj = importlib.import_module(".".join(parts[: k + 1]))
        else:
            return None
    if inspect.ismodule(obj):
        full = obj.__name__
    else:
        module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
        if not (module and qualname and module.startswith("d2lutils")):
            return None
        full = f"{module}.{qualname}"
    while full.count(".") >= 1 and full not in objects:  # a method without an entry: its class
        full = full.rsplit(".", 1)[0]
    return full if full in objects else None


# In document order: a literal in the prose, or a dotted name in a highlighted code cell (not
# one that follows a ".", which is an attribute of something else).
_NAME = r'<span class="nn?">[A-Za-z_][\w.]*</span>'
MENTION = re.compile(
    r'<code class="docutils literal notranslate">(?P<prose>.*?)</code>'
    rf'|(?<!<span class="o">\.</span>){_NAME}(?:<span class="o">\.</span>{_NAME})*', re.S)
TOKEN = re.compile(r'<span class="nn?">([A-Za-z_][\w.]*)</span>|<span class="o">\.</span>')


def link_first_mentions(body: str, resolve) -> str:
    """``body`` with the first mention of each helper wrapped in a link; ``resolve(dotted)`` gives
    ``(full name, link)`` for a dotted name as written, or None."""
    seen: set[str] = set()

    def link(match: re.Match) -> str:
        if match.group("prose") is not None:
            text = html.unescape(re.sub(r"<[^>]+>", "", match.group("prose"))).strip()
            dotted = re.match(r"[A-Za-z_][\w.]*", text)
            dotted = dotted.group(0).rstrip(".") if dotted else ""
        else:
            dotted = "".join(t.group(1) or "." for t in TOKEN.finditer(match.group(0)))
        found = resolve(dotted) if dotted else None
        if not found or found[0] in seen:
            return match.group(0)
        seen.add(found[0])
        return f'<a class="reference internal d2l-api" href="{found[1]}">{match.group(0)}</a>'

    return MENTION.sub(link, body)


def _link_helpers(app, pagename, templatename, context, doctree) -> None:
    if doctree is None or "body" not in context or not is_chapter(app, pagename):
        return
    objects = app.env.get_domain("py").objects
    aliases, names = chapter_names(Path(app.env.doc2path(pagename)))

    def resolve(dotted: str):
        head, _, rest = dotted.partition(".")
        if head in aliases:
            full_dotted = aliases[head] + ("." + rest if rest else "")
        elif head in names:
            full_dotted = names[head] + ("." + rest if rest else "")
        else:
            return None
        if full_dotted == "d2lutils":
            return None
        full = documented_name(full_dotted, objects)
        if full is None:
            return None
        entry = objects[full]
        uri = app.builder.get_relative_uri(pagename, entry.docname) + "#" + entry.node_id
        return full, uri

    context["body"] = link_first_mentions(context["body"], resolve)


# -- static files ----------------------------------------------------------------------------
def _static_path(app, config) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC)]


def setup(app):
    app.connect("config-inited", _static_path)
    # Before Sphinx's own doctree-read handlers (priority 500), which collect download links.
    app.connect("doctree-read", _add_run_box, priority=400)
    app.connect("doctree-read", _add_alt_text, priority=400)
    app.connect("html-page-context", _link_helpers)
    # MathJax on every page, not only those with math: the navigation's chapter titles have some.
    app.set_html_assets_policy("always")
    app.add_css_file("d2l-book.css")
    app.add_js_file("d2l-book.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
