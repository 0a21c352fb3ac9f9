"""Draw a computational graph as a circuit: values above each wire, gradients below.

Nodes are given as a mapping ``id -> Node`` and wires as ``(source, target)`` pairs. Every gate
sits one column to the right of its deepest input, every input just left of its first consumer,
and rows follow a depth-first walk back from the outputs, so an expression tree is drawn without
crossing wires. Chapters turn their own objects (a scalar autograd ``Value``, the layers of
Softmax-with-Loss) into this plain form.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse, FancyBboxPatch

VALUE_COLOR = "#2ca02c"
GRAD_COLOR = "#d62728"
HIGHLIGHT_COLOR = "#ff7f0e"

ROW = 0.66  # distance between rows, in data units (inches at full size)
STUB = 0.5  # length of the output wire on which a node's value and gradient are written
GAP = 0.22  # horizontal room between a column's wires and the next column's boxes
INCH = 0.95  # inches per column width
MAX_WIDTH = 9.0  # figures wider than this are drawn smaller (down to MIN_INCH per column)
MIN_INCH = 0.8


@dataclass
class Node:
    """One gate or input: what it shows, its forward value and (once known) its gradient."""

    label: str
    value: float | None = None
    grad: float | None = None
    op: bool = False  # a gate (drawn round) rather than an input or result (drawn square)


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    x = float(x)
    return f"{x:.3g}" if abs(x) >= 1e-3 or x == 0 or not math.isfinite(x) else f"{x:.2e}"


def _check_edges(
    nodes: Mapping[Hashable, Node], edges: Iterable[tuple[Hashable, Hashable]]
) -> list[tuple[Hashable, Hashable]]:
    checked = []
    for edge in edges:
        if not isinstance(edge, (tuple, list)) or len(edge) != 2:
            raise ValueError(f"each edge must be a pair (source, target), got {edge!r}")
        a, b = edge
        try:
            known = a in nodes and b in nodes
        except TypeError:  # an unhashable id
            known = False
        if not known:
            raise ValueError(f"edge {(a, b)!r} names a node that is not in nodes")
        checked.append((a, b))
    return checked


def _topological(nodes: Mapping, preds: Mapping, succs: Mapping) -> list:
    """Kahn's algorithm in the caller's order; a ValueError names a node on a cycle."""
    waiting = {n: len(set(preds[n])) for n in nodes}
    ready = [n for n in nodes if waiting[n] == 0]
    order = []
    while ready:
        n = ready.pop(0)
        order.append(n)
        for s in dict.fromkeys(succs[n]):
            waiting[s] -= 1
            if waiting[s] == 0:
                ready.append(s)
    if len(order) < len(nodes):
        stuck = next(n for n in nodes if waiting[n] > 0)
        raise ValueError(f"the graph has a cycle through {stuck!r}")
    return order


def layout(
    nodes: Mapping[Hashable, Node], edges: Iterable[tuple[Hashable, Hashable]]
) -> dict[Hashable, tuple[float, float]]:
    """(x, y) for every node in grid units: x is the column, y = −row (the first row is 0).

    Raises:
        ValueError: If an edge is not a pair of node ids in ``nodes``, or the graph has a cycle.
    """
    edges = _check_edges(nodes, edges)
    preds: dict[Hashable, list[Hashable]] = {n: [] for n in nodes}
    succs: dict[Hashable, list[Hashable]] = {n: [] for n in nodes}
    for a, b in edges:
        preds[b].append(a)
        succs[a].append(b)
    order = _topological(nodes, preds, succs)
    column: dict[Hashable, int] = {}
    for n in order:  # a gate: one right of its deepest input
        column[n] = 1 + max((column[p] for p in preds[n]), default=-1)
    for n in order:  # an input: just left of its first consumer
        if not preds[n] and succs[n]:
            column[n] = min(column[s] for s in succs[n]) - 1
    row: dict[Hashable, float] = {}
    slot = 0
    for sink in (n for n in nodes if not succs[n]):  # inputs get rows depth-first from outputs
        stack = [sink]
        while stack:
            n = stack.pop()
            if n in row:
                continue
            if not preds[n]:
                row[n], slot = float(slot), slot + 1
            else:
                row[n] = 0.0  # a gate: placed below, once its inputs are
                stack.extend(p for p in reversed(preds[n]) if p not in row)
    by_column: dict[int, list[Hashable]] = {}
    for n in order:
        by_column.setdefault(column[n], []).append(n)
    for c in sorted(by_column):  # a gate sits level with the mean of its inputs ...
        members = by_column[c]
        for n in members:
            if preds[n]:
                row[n] = sum(row[p] for p in preds[n]) / len(preds[n])
        members.sort(key=lambda n: row[n])  # ... and rows stay at least one apart
        for above, below in zip(members, members[1:], strict=False):
            row[below] = max(row[below], row[above] + 1.0)
    return {n: (float(column[n]), -row[n]) for n in nodes}


def _check_number(where: str, x: object) -> None:
    if x is None:
        return
    try:
        float(x)  # Python and NumPy numbers, 0-d tensors
    except (TypeError, ValueError):
        raise TypeError(f"{where} must be a real number or None, got {x!r}") from None


def _text_width(text: str) -> float:
    """Rough width in inches of ``text`` at the node font size (mathtext markup not counted)."""
    shown = text.translate(str.maketrans("", "", "${}_^\\")) if "$" in text else text
    return 0.09 * len(shown) + 0.14


def _bend(
    start: tuple[float, float],
    end: tuple[float, float],
    pos: Mapping[Hashable, tuple[float, float]],
    half_w: Mapping[Hashable, float],
    half_h: float,
) -> float:
    """0 for a straight wire; a curvature that takes the wire around a box it would cross."""
    (x0, y0), (x1, y1) = start, end
    for n, (x, y) in pos.items():
        if x0 < x - half_w[n] and x + half_w[n] < x1:
            y_line = y0 + (y1 - y0) * (x - x0) / (x1 - x0)
            if abs(y_line - y) < half_h + 0.12:
                return -0.3 if y_line >= y else 0.3  # bulge up over it, or down under it
    return 0.0


def _place(
    nodes: Mapping[Hashable, Node], grid: Mapping[Hashable, tuple[float, float]], inch: float
) -> tuple[dict, dict, dict, tuple[float, float, float, float]]:
    """Data coordinates at ``inch`` inches per unit: columns as wide as their widest label."""
    half_w = {n: max(0.3, _text_width(str(nodes[n].label))) / inch / 2 for n in nodes}
    columns = sorted({x for x, _ in grid.values()})
    col_half = {c: max(half_w[n] for n in nodes if grid[n][0] == c) for c in columns}
    col_x, x = {}, 0.0
    for i, c in enumerate(columns):
        if i:
            x += col_half[columns[i - 1]] + STUB + GAP + col_half[c]
        col_x[c] = x
    pos = {n: (col_x[grid[n][0]], grid[n][1] * ROW) for n in nodes}
    stub_end = {n: col_x[grid[n][0]] + col_half[grid[n][0]] + STUB for n in nodes}
    ys = [y for _, y in pos.values()]
    bounds = (
        -col_half[columns[0]] - 0.15,
        col_x[columns[-1]] + col_half[columns[-1]] + STUB + 0.35,
        min(ys) - 0.4,
        max(ys) + 0.55,
    )
    return pos, half_w, stub_end, bounds


def draw_graph(
    nodes: Mapping[Hashable, Node],
    edges: Iterable[tuple[Hashable, Hashable]],
    *,
    highlight: Hashable | None = None,
    title: str | None = None,
    ax: plt.Axes | None = None,
    marked: Iterable[Hashable] = (),
) -> Figure:
    """Draw the circuit; the ``highlight`` node gets an orange outline (e.g. the current step).

    ``marked`` nodes get a dashed orange outline and their wires to or from ``highlight`` turn
    orange (e.g. the inputs that receive gradient at the current step of a backward pass).

    Raises:
        TypeError: If a value of ``nodes`` is not a :class:`Node` or holds a value or gradient
            that is not a real number, or ``highlight`` or ``marked`` is not made of node ids.
        ValueError: If ``nodes`` is empty, ``highlight`` or a ``marked`` id is not a node, an
            edge is not a pair of node ids, or the graph has a cycle.
    """
    if not isinstance(nodes, Mapping) or not nodes:
        raise ValueError("nodes must be a non-empty mapping id -> Node")
    for key, node in nodes.items():
        if not isinstance(node, Node):
            raise TypeError(f"nodes[{key!r}] must be a Node, got {type(node).__name__}")
        _check_number(f"nodes[{key!r}].value", node.value)
        _check_number(f"nodes[{key!r}].grad", node.grad)
    for name, ids in (("highlight", [] if highlight is None else [highlight]), ("marked", marked)):
        if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
            raise TypeError(f"{name} must be a collection of node ids, got {ids!r}")
        for n in ids:
            try:
                known = n in nodes
            except TypeError:
                raise TypeError(f"{name}={n!r} is not a node id (it is unhashable)") from None
            if not known:
                raise ValueError(f"{name}={n!r} is not a node")
    marked = set(marked)
    edges = _check_edges(nodes, edges)
    grid = layout(nodes, edges)
    inch = INCH
    pos, half_w, stub_end, (left, right, bottom, top) = _place(nodes, grid, inch)
    if ax is None and right - left > MAX_WIDTH / INCH:  # draw a wide graph smaller
        inch = max(MIN_INCH, MAX_WIDTH / (right - left))
        pos, half_w, stub_end, (left, right, bottom, top) = _place(nodes, grid, inch)
    if ax is None:  # the axes fill the figure, below room for the title: no cropping needed
        width, height = inch * (right - left), inch * (top - bottom)
        title_room = 0.1 + 0.2 * (str(title).count("\n") + 1) if title else 0.0
        fig = plt.figure(figsize=(width, height + title_room))
        ax = fig.add_axes((0.0, 0.0, 1.0, height / (height + title_room)))
    else:
        fig = ax.figure
    ax.set_axis_off()
    half_h = 0.15 / inch

    wires = list(dict.fromkeys(edges))  # a repeated edge (x * x) is drawn once
    inputs_of: dict[Hashable, list[Hashable]] = {n: [] for n in nodes}
    for a, b in wires:
        inputs_of[b].append(a)
    for sources in inputs_of.values():  # spread the arrow heads over the target's left side
        sources.sort(key=lambda a: -pos[a][1])
    for n, (x, y) in pos.items():
        ax.plot([x + half_w[n], stub_end[n]], [y, y], color="0.45", lw=1.0, zorder=1)
        consumers = [b for a, b in wires if a == n]
        if not consumers:
            ax.annotate(
                "",
                xy=(stub_end[n] + 0.05, y),
                xytext=(stub_end[n] - 0.2, y),
                arrowprops={"arrowstyle": "-|>", "color": "0.45", "lw": 1.0},
            )
        for b in consumers:
            k = len(inputs_of[b])
            tx, ty = pos[b]
            ty += (((k - 1) / 2 - inputs_of[b].index(n)) * 0.5 * half_h) if k > 1 else 0.0
            hot = (n == highlight and b in marked) or (b == highlight and n in marked)
            start, end = (stub_end[n], y), (tx - half_w[b], ty)
            ax.annotate(
                "",
                xy=end,
                xytext=start,
                arrowprops={
                    "connectionstyle": f"arc3,rad={_bend(start, end, pos, half_w, half_h)}",
                    "arrowstyle": "-|>",
                    "color": HIGHLIGHT_COLOR if hot else "0.45",
                    "lw": 2.0 if hot else 1.0,
                    "shrinkA": 0,
                    "shrinkB": 0,
                },
                zorder=1,
            )
        label_x = x + half_w[n] + 0.04
        text = {"ha": "left", "fontsize": 10, "zorder": 3}
        ax.text(label_x, y + 0.05, _fmt(nodes[n].value), color=VALUE_COLOR, va="bottom",
                fontweight="bold", **text)  # fmt: skip
        ax.text(label_x, y - 0.05, _fmt(nodes[n].grad), color=GRAD_COLOR, va="top", **text)

    for n, (x, y) in pos.items():
        node = nodes[n]
        face = "#fff3e0" if n == highlight else ("#eef3fb" if node.op else "white")
        style = {
            "fc": face,
            "ec": HIGHLIGHT_COLOR if n in marked or n == highlight else "0.3",
            "lw": 2.5 if n == highlight else (1.8 if n in marked else 1.0),
            "ls": "--" if n in marked and n != highlight else "-",
            "zorder": 2,
        }
        if node.op:
            ax.add_patch(Ellipse((x, y), 2 * half_w[n] + 0.06, 2 * half_h + 0.08, **style))
        else:
            ax.add_patch(
                FancyBboxPatch(
                    (x - half_w[n], y - half_h),
                    2 * half_w[n],
                    2 * half_h,
                    boxstyle="round,pad=0.0,rounding_size=0.03",
                    **style,
                )
            )
        ax.text(x, y, str(node.label), ha="center", va="center", fontsize=11, zorder=3)
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.set_aspect("equal")
    legend = {"fontsize": 9, "va": "top", "transform": ax.transAxes}
    ax.text(0.005, 0.995, "value", color=VALUE_COLOR, fontweight="bold", **legend)
    ax.text(0.005 + 0.5 / (right - left), 0.995, "gradient", color=GRAD_COLOR, **legend)
    if title:
        ax.set_title(title)
    return fig
