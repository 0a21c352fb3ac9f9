import matplotlib.pyplot as plt
import pytest

from d2lutils import plot_curves, plot_history
from d2lutils.plot import figure_to_png


def test_curves_and_png():
    fig = plot_curves({"a": [3, 2, 1], "b": [1, 2, 3]}, ylabel="loss", logy=True)
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and ax.get_yscale() == "log"
    png = figure_to_png(fig)
    assert png.startswith(b"\x89PNG") and not plt.fignum_exists(fig.number)


def test_crop_false_keeps_the_whole_canvas():
    fig = plt.figure(figsize=(2, 1), dpi=50)
    fig.text(0.5, 0.5, "x")
    whole = figure_to_png(fig, close=False, crop=False)
    tight = figure_to_png(fig, crop=True)
    assert whole[16:24] == (100).to_bytes(4, "big") + (50).to_bytes(4, "big")  # PNG width, height
    assert len(tight) < len(whole)


def test_history_two_panels_with_metrics():
    fig = plot_history({"train_loss": [1, 0.5], "val_loss": [1.1, 0.6], "val_acc": [0.5, 0.8],
                        "lr": [0.1, 0.1]})
    assert len(fig.axes) == 2
    plt.close(fig)


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
