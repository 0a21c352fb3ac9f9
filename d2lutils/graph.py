"""Draw a computational graph as a circuit: values above each wire, gradients below.

Nodes are given as a mapping ``id -> Node`` and wires as ``(source, target)`` pairs; the layout
puts every node one column to the right of its deepest input. Chapters turn their own objects
(a scalar autograd ``Value``, the layers of Softmax-with-Loss) into this plain form.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

VALUE_COLOR = "#2ca02c"
GRAD_COLOR = "#d62728"
HIGHLIGHT_COLOR = "#ff7f0e"


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
    return f"{x:.3g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.2e}"


def layout(nodes: Mapping[Hashable, Node], edges: Iterable[tuple[Hashable, Hashable]]) -> dict:
    """(x, y) for every node: x = longest path from an input, y = order within its column."""
    edges = list(edges)
    preds: dict[Hashable, list[Hashable]] = {n: [] for n in nodes}
    for a, b in edges:
        if a not in nodes or b not in nodes:
            raise ValueError(f"edge {(a, b)!r} names a node that is not in nodes")
        preds[b].append(a)
    depth: dict[Hashable, int] = {}
    visiting: set[Hashable] = set()

    def dep(n: Hashable) -> int:
        if n in depth:
            return depth[n]
        if n in visiting:
            raise ValueError(f"the graph has a cycle through {n!r}")
        visiting.add(n)
        depth[n] = 1 + max((dep(p) for p in preds[n]), default=-1)
        visiting.discard(n)
        return depth[n]

    for n in nodes:
        dep(n)
    columns: dict[int, list[Hashable]] = {}
    for n in nodes:  # keep the caller's order within a column
        columns.setdefault(depth[n], []).append(n)
    pos = {}
    for x, members in columns.items():
        for i, n in enumerate(members):
            pos[n] = (float(x), (len(members) - 1) / 2 - i)
    return pos


def draw_graph(
    nodes: Mapping[Hashable, Node],
    edges: Iterable[tuple[Hashable, Hashable]],
    *,
    highlight: Hashable | None = None,
    title: str | None = None,
    ax: plt.Axes | None = None,
) -> Figure:
    """Draw the circuit; the ``highlight`` node gets an orange outline (e.g. the current step)."""
    if not isinstance(nodes, Mapping) or not nodes:
        raise ValueError("nodes must be a non-empty mapping id -> Node")
    for key, node in nodes.items():
        if not isinstance(node, Node):
            raise TypeError(f"nodes[{key!r}] must be a Node, got {type(node).__name__}")
    if highlight is not None and highlight not in nodes:
        raise ValueError(f"highlight={highlight!r} is not a node")
    edges = list(edges)
    pos = layout(nodes, edges)
    width = max(x for x, _ in pos.values()) + 1
    height = max(y for _, y in pos.values()) - min(y for _, y in pos.values()) + 1
    if ax is None:
        fig, ax = plt.subplots(figsize=(1.0 + 1.7 * width, 0.6 + 1.1 * height))
    else:
        fig = ax.figure
    ax.set_axis_off()
    has_out = {a for a, _ in edges}
    wires = [(pos[a], pos[b], a) for a, b in edges]
    wires += [(pos[n], (pos[n][0] + 0.7, pos[n][1]), n) for n in nodes if n not in has_out]
    for (x0, y0), (x1, y1), src in wires:
        ax.annotate(
            "",
            xy=(x1 - 0.18, y1),
            xytext=(x0 + 0.18, y0),
            arrowprops={"arrowstyle": "-|>", "color": "0.45", "lw": 1.0},
        )
        mx, my = x0 + 0.5 * (x1 - x0), y0 + 0.5 * (y1 - y0)
        ax.text(
            mx,
            my + 0.07,
            _fmt(nodes[src].value),
            color=VALUE_COLOR,
            ha="center",
            va="bottom",
            fontsize=9,
            fontweight="bold",
        )
        ax.text(
            mx,
            my - 0.07,
            _fmt(nodes[src].grad),
            color=GRAD_COLOR,
            ha="center",
            va="top",
            fontsize=9,
        )
    for n, (x, y) in pos.items():
        node = nodes[n]
        edge = HIGHLIGHT_COLOR if n == highlight else "0.3"
        box = FancyBboxPatch(
            (x - 0.17, y - 0.14),
            0.34,
            0.28,
            boxstyle="round,pad=0.02,rounding_size=0.14"
            if node.op
            else "round,pad=0.02,rounding_size=0.03",
            fc="#fff3e0" if n == highlight else ("#eef3fb" if node.op else "white"),
            ec=edge,
            lw=2.5 if n == highlight else 1.0,
        )
        ax.add_patch(box)
        ax.text(x, y, node.label, ha="center", va="center", fontsize=10)
    ax.set_xlim(-0.5, width + 0.1)
    ys = [y for _, y in pos.values()]
    ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)
    ax.set_aspect("equal")
    ax.text(-0.45, max(ys) + 0.45, "value", color=VALUE_COLOR, fontsize=8, va="top")
    ax.text(-0.45, max(ys) + 0.3, "gradient", color=GRAD_COLOR, fontsize=8, va="top")
    if title:
        ax.set_title(title)
    return fig
