"""The book's figure style and a helper for the curves every chapter draws."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

HOUSE_STYLE: dict[str, object] = {
    "figure.figsize": (6.0, 3.6),
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "savefig.bbox": "tight",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": "medium",
    "axes.prop_cycle": plt.cycler(
        color=["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"]
    ),
    "legend.frameon": False,
    "font.size": 10,
    "image.cmap": "viridis",
}


def use_style() -> None:
    """Apply the house style to every later figure and show figures as PNG in Jupyter."""
    plt.rcParams.update(HOUSE_STYLE)
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            from matplotlib_inline.backend_inline import set_matplotlib_formats

            set_matplotlib_formats("png")
    except ImportError:
        pass


def figure_to_png(
    fig: Figure, close: bool = True, crop: bool | None = None, *, fast: bool = False
) -> bytes:
    """Render ``fig`` to PNG bytes (and close it, so Jupyter does not show it a second time).

    ``crop=True`` trims the picture tight around what is drawn (matplotlib draws twice for it),
    ``crop=False`` keeps the whole canvas (one draw); ``None`` follows ``savefig.bbox``.
    ``fast=True`` compresses at zlib's fastest level: the same pixels in a file a few per cent
    larger, written in a third less time (for a picture shown once, such as a widget's redraw).

    Raises:
        TypeError: If ``fig`` is not a matplotlib ``Figure``, ``crop`` is not ``True``, ``False``
            or ``None``, or ``fast`` is not ``True`` or ``False``.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if crop not in (True, False, None):
        raise TypeError(f"crop must be True, False or None, got {crop!r}")
    if not isinstance(fast, bool):
        raise TypeError(f"fast must be True or False, got {fast!r}")
    bbox = {None: {}, True: {"bbox_inches": "tight"}, False: {"bbox_inches": fig.bbox_inches}}
    buf = io.BytesIO()
    level = {"pil_kwargs": {"compress_level": 1}} if fast else {}  # Pillow's default is 6
    fig.savefig(buf, format="png", **bbox[crop], **level)
    if close:
        plt.close(fig)
    return buf.getvalue()


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    x: Sequence[float] | None = None,
    *,
    xlabel: str = "epoch",
    ylabel: str = "",
    title: str | None = None,
    logy: bool = False,
    ax: plt.Axes | None = None,
) -> Figure:
    """Draw one line per entry of ``curves`` (label → values) against ``x`` (default 1, 2, ...).

    Raises:
        ValueError: If ``curves`` is empty or not a mapping, or a curve's length differs from
            ``len(x)``.
    """
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError(f"curves must be a non-empty mapping of label -> values, got {curves!r}")
    lengths = {label: len(ys) for label, ys in curves.items()}
    if x is not None and any(n != len(x) for n in lengths.values()):
        raise ValueError(f"every curve needs len(x)={len(x)} values, got lengths {lengths}")
    if ax is None:
        fig, ax = plt.subplots()
    else:
        fig = ax.figure
    for label, ys in curves.items():
        xs = list(x) if x is not None else list(range(1, len(ys) + 1))
        ax.plot(xs, list(ys), label=label, marker="o" if len(ys) <= 30 else None, markersize=3)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    if len(curves) > 1:
        ax.legend()
    return fig


def plot_history(history: Mapping[str, Sequence[float]]) -> Figure:
    """The losses of a ``fit`` history on the left; other validation metrics on the right.

    Raises:
        ValueError: If ``history`` has no ``"train_loss"``.
    """
    if "train_loss" not in history:
        raise ValueError(f"history has no 'train_loss'; keys are {sorted(history)}")
    losses = {k: v for k, v in history.items() if k.endswith("loss")}
    others = {k: v for k, v in history.items() if k.startswith("val_") and k not in losses}
    if others:
        fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.2))
        # One metric names its own axis (plot_curves draws a legend only for several curves).
        plot_curves(others, ylabel=next(iter(others)) if len(others) == 1 else "metric", ax=right)
    else:
        fig, left = plt.subplots(figsize=(5.0, 3.2))
    plot_curves(losses, ylabel="loss", ax=left)
    fig.tight_layout()
    return fig
