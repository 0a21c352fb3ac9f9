"""Tests for d2lutils.graph: the layout rules, the drawing, and the errors for bad input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from d2lutils.graph import Node, draw_graph, layout  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def circuit():
    """f = (x + y) * z at x=-2, y=5, z=-4 with its gradients (CS231n)."""
    nodes = {
        "x": Node("x", -2.0, -4.0),
        "y": Node("y", 5.0, -4.0),
        "z": Node("z", -4.0, 3.0),
        "q": Node("+", 3.0, -4.0, True),
        "f": Node("×", -12.0, 1.0, op=True),
    }
    edges = [("x", "q"), ("y", "q"), ("q", "f"), ("z", "f")]
    return nodes, edges


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


# -- Node ----------------------------------------------------------------------------------------
def test_node_positional_and_defaults():
    node = Node("+", 3.0, -4.0, True)
    assert (node.label, node.value, node.grad, node.op) == ("+", 3.0, -4.0, True)
    bare = Node("x")
    assert (bare.value, bare.grad, bare.op) == (None, None, False)


# -- layout --------------------------------------------------------------------------------------
def test_gates_sit_right_of_their_deepest_input():
    pos = layout(*circuit())
    assert pos["x"][0] == pos["y"][0] == 0
    assert pos["q"][0] == 1
    assert pos["f"][0] == 2


def test_an_input_sits_next_to_its_first_consumer():
    pos = layout(*circuit())
    assert pos["z"][0] == pos["f"][0] - 1  # not in column 0


def test_rows_follow_the_argument_order_and_never_collide():
    nodes, edges = circuit()
    pos = layout(nodes, edges)
    assert pos["x"][1] > pos["y"][1] > pos["z"][1]  # x on top, z at the bottom
    assert len(set(pos.values())) == len(nodes)
    # a gate sits between its inputs
    assert pos["y"][1] <= pos["q"][1] <= pos["x"][1]


def test_rows_are_at_least_one_apart_within_a_column_with_forks():
    # x feeds three gates: the gates of one column must not overlap
    nodes = {k: Node(k) for k in ["x", "y", "a", "b", "c", "s", "t"]}
    edges = [("x", "a"), ("x", "b"), ("y", "b"), ("x", "c"), ("a", "s"), ("b", "s"),
             ("s", "t"), ("c", "t")]  # fmt: skip
    pos = layout(nodes, edges)
    for column in {x for x, _ in pos.values()}:
        rows = sorted(y for x, y in pos.values() if x == column)
        assert all(b - a >= 1.0 for a, b in zip(rows, rows[1:], strict=False))


def test_layout_of_a_long_chain_needs_no_recursion():
    n = 5000
    nodes = {i: Node(str(i)) for i in range(n)}
    edges = [(i, i + 1) for i in range(n - 1)]
    pos = layout(nodes, edges)
    assert pos[n - 1][0] == n - 1


def test_layout_of_disconnected_nodes():
    pos = layout({"a": Node("a"), "b": Node("b")}, [])
    assert pos["a"][0] == pos["b"][0] == 0 and pos["a"][1] != pos["b"][1]


# -- drawing -------------------------------------------------------------------------------------
def test_draw_graph_writes_values_and_gradients():
    fig = draw_graph(*circuit(), title="f = (x + y) z")
    assert isinstance(fig, Figure)
    shown = texts(fig)
    for label in ["x", "y", "z", "+", "×", "-12", "3", "-4", "1"]:
        assert label in shown
    assert fig.axes[0].get_title() == "f = (x + y) z"


def test_unknown_gradients_are_question_marks():
    nodes, edges = circuit()
    nodes["x"] = Node("x", -2.0)
    assert "?" in texts(draw_graph(nodes, edges))


def test_highlight_and_marked_nodes_are_accepted():
    fig = draw_graph(*circuit(), highlight="q", marked=["x", "y"])
    assert isinstance(fig, Figure)


def test_numpy_and_torch_scalars_are_numbers():
    nodes, edges = circuit()
    nodes["x"] = Node("x", np.float32(-2.0), torch.tensor(-4.0))
    shown = texts(draw_graph(nodes, edges))
    assert "-2" in shown and "-4" in shown


def test_repeated_edges_and_given_axes():
    nodes = {"x": Node("x", 3.0, 6.0), "sq": Node("×", 9.0, 1.0, op=True)}
    fig, ax = plt.subplots()
    out = draw_graph(nodes, [("x", "sq"), ("x", "sq")], ax=ax)  # x * x
    assert out is fig


def test_figure_stays_modest_for_a_long_chain():
    nodes = {i: Node("exp", 1.0, 1.0, op=True) for i in range(8)}
    fig = draw_graph(nodes, [(i, i + 1) for i in range(7)])
    width, height = fig.get_size_inches()
    assert width <= 9.5 and height < 2


# -- bad input -----------------------------------------------------------------------------------
def test_unknown_edge_node():
    nodes, edges = circuit()
    with pytest.raises(ValueError, match="not in nodes"):
        draw_graph(nodes, edges + [("x", "nowhere")])
    with pytest.raises(ValueError, match="not in nodes"):
        layout(nodes, [(["unhashable"], "x")])


def test_malformed_edge():
    nodes, _ = circuit()
    with pytest.raises(ValueError, match="pair"):
        draw_graph(nodes, [("x", "q", "f")])
    with pytest.raises(ValueError, match="pair"):
        draw_graph(nodes, ["xq"])


def test_cycle():
    nodes, edges = circuit()
    with pytest.raises(ValueError, match="cycle"):
        draw_graph(nodes, edges + [("f", "x")])
    with pytest.raises(ValueError, match="cycle"):
        layout({"a": Node("a")}, [("a", "a")])


def test_non_node_value():
    nodes, edges = circuit()
    nodes["x"] = (-2.0, -4.0)
    with pytest.raises(TypeError, match=r"nodes\['x'\] must be a Node"):
        draw_graph(nodes, edges)


def test_non_number_value_or_grad():
    nodes, edges = circuit()
    nodes["x"] = Node("x", "minus two")
    with pytest.raises(TypeError, match="value must be a real number"):
        draw_graph(nodes, edges)
    nodes["x"] = Node("x", -2.0, [1.0, 2.0])
    with pytest.raises(TypeError, match="grad must be a real number"):
        draw_graph(nodes, edges)


def test_bad_highlight():
    nodes, edges = circuit()
    with pytest.raises(ValueError, match="highlight='w' is not a node"):
        draw_graph(nodes, edges, highlight="w")
    with pytest.raises(TypeError, match="unhashable"):
        draw_graph(nodes, edges, highlight=["q"])


def test_bad_marked():
    nodes, edges = circuit()
    with pytest.raises(ValueError, match="marked='w' is not a node"):
        draw_graph(nodes, edges, marked=["w"])
    with pytest.raises(TypeError, match="collection of node ids"):
        draw_graph(nodes, edges, marked="x")


def test_empty_or_wrong_nodes():
    with pytest.raises(ValueError, match="non-empty mapping"):
        draw_graph({}, [])
    with pytest.raises(ValueError, match="non-empty mapping"):
        draw_graph([Node("x")], [])


def test_a_wire_that_would_cross_a_box_goes_around_it():
    # a -> b -> c in one row, plus a -> c straight through b
    nodes = {"a": Node("a", 1.0), "b": Node("exp", 2.7, op=True), "c": Node("+", 3.7, op=True)}
    fig = draw_graph(nodes, [("a", "b"), ("b", "c"), ("a", "c")])
    rads = [
        ann.arrow_patch.get_connectionstyle().rad
        for ann in fig.axes[0].texts
        if getattr(ann, "arrow_patch", None) is not None
    ]
    assert sorted(r != 0 for r in rads) == [False, False, False, True]  # output arrow included
