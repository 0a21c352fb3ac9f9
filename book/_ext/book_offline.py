"""Keep every page of the book free of code that reaches the internet.

Jupyter Book always adds sphinx-thebe (live code cells backed by a remote kernel), which puts
a loader for a script on unpkg.com into every page, twice. The book does not use it: the
notebooks are read in JupyterLab. This extension takes thebe's scripts and styles out.
"""

from __future__ import annotations


def _uses_thebe(asset: object) -> bool:
    filename = str(getattr(asset, "filename", asset) or "")
    body = str(getattr(asset, "attributes", {}).get("body", ""))
    return "thebe" in filename or "THEBE_JS_URL" in body


def _strip_thebe(app, pagename, templatename, context, doctree) -> None:
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key] if not _uses_thebe(a)]


def setup(app):
    app.connect("html-page-context", _strip_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
