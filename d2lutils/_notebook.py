"""Stored notebooks keep the static version of interactive figures only."""

from __future__ import annotations

from pathlib import Path

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def strip_live_views(path: str | Path) -> int:
    """Drop the live-widget part of every stored output of the notebook at ``path``.

    A stored notebook has no kernel behind its widgets, so JupyterLab would show "model not
    found" where the static version (kept) shows the figure. Returns how many were dropped.
    """
    import nbformat

    path = Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(f"path must be an existing .ipynb file, got {str(path)!r}")
    nb = nbformat.read(path, as_version=4)
    dropped = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and len(data) > 1:  # keep outputs with nothing else to show
                del data[WIDGET_VIEW]
                dropped += 1
    if dropped:
        nbformat.write(nb, path)
    return dropped
