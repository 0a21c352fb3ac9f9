"""Tests for d2lutils.plot: what the figures draw (data, labels, panels, legends) and PNG output."""

import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from d2lutils import plot_curves, plot_history
from d2lutils.plot import HOUSE_STYLE, figure_to_png


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def lines_of(ax: plt.Axes) -> dict[str, tuple[list[float], list[float]]]:
    """Each line's label and its (x, y) data, as drawn."""
    return {
        line.get_label(): (list(map(float, line.get_xdata())), list(map(float, line.get_ydata())))
        for line in ax.lines
    }


def legend_of(ax: plt.Axes) -> list[str] | None:
    legend = ax.get_legend()
    return None if legend is None else [t.get_text() for t in legend.get_texts()]


def png_size(png: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(png)).size


# -- plot_curves ------------------------------------------------------------------------------
def test_curves_draw_the_values_against_epochs():
    fig = plot_curves({"a": [3, 2, 1], "b": [1, 2, 4]}, ylabel="loss", logy=True, title="t")
    (ax,) = fig.axes
    assert lines_of(ax) == {"a": ([1, 2, 3], [3, 2, 1]), "b": ([1, 2, 3], [1, 2, 4])}
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("epoch", "loss", "t")
    assert ax.get_yscale() == "log" and legend_of(ax) == ["a", "b"]


def test_curves_with_x_on_a_given_axes():
    fig, (left, right) = plt.subplots(1, 2)
    out = plot_curves({"acc": [0.5, 0.7]}, x=[10, 20], xlabel="step", ax=right)
    assert out is fig and len(left.lines) == 0
    assert lines_of(right) == {"acc": ([10, 20], [0.5, 0.7])}
    assert right.get_xlabel() == "step" and right.get_ylabel() == ""
    assert right.get_yscale() == "linear" and right.get_title() == ""
    assert legend_of(right) is None  # one curve: its label is the axis, no legend needed


def test_curves_mark_points_only_when_there_are_few():
    fig = plot_curves({"few": list(range(30)), "many": list(range(31))})
    markers = {line.get_label(): line.get_marker() for line in fig.axes[0].lines}
    assert markers["few"] == "o" and markers["many"] in (None, "None", "")
    assert fig.axes[0].lines[0].get_markersize() == 3


# -- plot_history -----------------------------------------------------------------------------
HISTORY = {"train_loss": [1.0, 0.5, 0.25], "val_loss": [1.1, 0.6, 0.4],
           "val_acc": [0.5, 0.8, 0.9], "lr": [0.1, 0.1, 0.01], "seconds": [1.5, 1.4, 1.6]}


def test_history_losses_left_metrics_right():
    fig = plot_history(HISTORY)
    left, right = fig.axes
    epochs = [1.0, 2.0, 3.0]
    assert lines_of(left) == {"train_loss": (epochs, HISTORY["train_loss"]),
                              "val_loss": (epochs, HISTORY["val_loss"])}
    assert left.get_ylabel() == "loss" and legend_of(left) == ["train_loss", "val_loss"]
    # The metric panel shows validation metrics only: not the learning rate, not the timing.
    assert lines_of(right) == {"val_acc": (epochs, HISTORY["val_acc"])}
    assert right.get_ylabel() == "val_acc"  # one metric: its name labels the axis
    assert left.get_xlabel() == right.get_xlabel() == "epoch"


def test_history_with_several_metrics_has_a_legend():
    fig = plot_history({**HISTORY, "val_top5": [0.7, 0.9, 0.95]})
    right = fig.axes[1]
    assert right.get_ylabel() == "metric" and legend_of(right) == ["val_acc", "val_top5"]


def test_history_without_metrics_has_one_panel():
    fig = plot_history({k: HISTORY[k] for k in ("train_loss", "lr", "seconds")})
    (ax,) = fig.axes
    assert lines_of(ax) == {"train_loss": ([1.0, 2.0, 3.0], HISTORY["train_loss"])}
    assert ax.get_ylabel() == "loss"


def test_history_draws_the_numbers_not_placeholders():
    rng = np.random.default_rng(0)
    history = {"train_loss": list(rng.random(5)), "val_top5": list(rng.random(5))}
    left, right = plot_history(history).axes
    assert lines_of(left)["train_loss"][1] == history["train_loss"]
    assert lines_of(right)["val_top5"][1] == history["val_top5"]


# -- figure_to_png ----------------------------------------------------------------------------
def test_png_closes_the_figure_unless_asked():
    fig = plot_curves({"a": [3, 2, 1]})
    png = figure_to_png(fig)
    assert png.startswith(b"\x89PNG") and not plt.fignum_exists(fig.number)
    fig = plt.figure()
    figure_to_png(fig, close=False)
    assert plt.fignum_exists(fig.number)


@pytest.mark.parametrize("style", [{}, HOUSE_STYLE], ids=["default", "house-tight"])
def test_crop_overrides_the_style(style):
    with plt.rc_context({**style, "figure.dpi": 50, "savefig.dpi": 50}):
        fig = plt.figure(figsize=(2, 1))
        fig.text(0.5, 0.5, "x")
        whole = figure_to_png(fig, close=False, crop=False)
        tight = figure_to_png(fig, close=False, crop=True)
        follow = figure_to_png(fig, crop=None)
    assert png_size(whole) == (100, 50)  # the whole canvas, even under savefig.bbox = "tight"
    width, height = png_size(tight)
    assert width < 50 and height < 40  # just the letter, even under the default style
    assert png_size(follow) == (png_size(tight) if style else png_size(whole))


def test_fast_png_has_the_same_pixels():
    fig = plot_curves({"a": [3, 2, 1], "b": [1, 2, 4]}, title="t")
    small = figure_to_png(fig, close=False)
    fast = figure_to_png(fig, fast=True)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(fast))),
                          np.asarray(Image.open(io.BytesIO(small))))
    level = {png: png[png.index(b"IDAT") + 5] >> 6 for png in (small, fast)}  # zlib's FLEVEL
    assert (level[small], level[fast]) == (2, 0)  # zlib's default level, its fastest


def test_bad_arguments():
    with pytest.raises(ValueError, match="curves"):
        plot_curves({})
    with pytest.raises(ValueError, match="len\\(x\\)=2"):
        plot_curves({"a": [1, 2, 3]}, x=[0, 1])
    with pytest.raises(ValueError, match="train_loss"):
        plot_history({"loss": [1]})
    with pytest.raises(TypeError, match="Figure"):
        figure_to_png("fig")
    with pytest.raises(TypeError, match="crop"):
        figure_to_png(plt.figure(), crop="tight")
    with pytest.raises(TypeError, match="^fast must be True or False, got 1$"):
        figure_to_png(plt.figure(), fast=1)
