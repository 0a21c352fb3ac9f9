"""Tests for d2lutils.interact: live widgets, precomputed static HTML, and bad inputs."""

from __future__ import annotations

import base64
import io
import json
import math
import re
from pathlib import Path

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from conftest import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402  (tests/conftest.py)
from PIL import Image  # noqa: E402

from d2lutils.interact import InteractiveFigure, _compact_png, interactive_figure  # noqa: E402
from d2lutils.plot import HOUSE_STYLE  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Draw:
    """A draw function that counts its calls and draws its arguments into the title."""

    def __init__(self) -> None:
        self.calls: list[dict] = []

    def __call__(self, **values: object) -> plt.Figure:
        self.calls.append(values)
        fig, ax = plt.subplots(figsize=(2.0, 1.5))
        ax.plot([0, 1], [0, len(self.calls)])
        ax.set_title(" ".join(f"{k}={v}" for k, v in sorted(values.items())), fontsize=6)
        return fig


@pytest.fixture(autouse=True)
def house_style():
    with plt.rc_context(HOUSE_STYLE):  # the book's style (tight cropping, dpi 80), undone after
        yield
    plt.close("all")


@pytest.fixture
def draw() -> Draw:
    return Draw()


def png_size(png: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(png)).size


def static_frames(page: str) -> dict[str, str]:
    match = re.search(r"var frames=(\{.*?\}),names=", page)
    assert match, "the static HTML carries no frames"
    return json.loads(match.group(1))


# -- drawing and caching ----------------------------------------------------------------------
def test_render_gives_png_and_caches(draw: Draw) -> None:
    fig = interactive_figure(draw, {"depth": [2, 5, 10], "kind": ["a", "b"]})
    png = fig.render()
    assert png.startswith(PNG_SIGNATURE)
    assert draw.calls == [{"depth": 2, "kind": "a"}]
    assert fig.render() == png and len(draw.calls) == 1  # cached
    fig.render(depth=5)
    assert draw.calls[-1] == {"depth": 5, "kind": "a"}
    fig.clear_cache()
    fig.render()
    assert len(draw.calls) == 3  # drawn again after clear_cache


def test_initial_values(draw: Draw) -> None:
    fig = interactive_figure(draw, {"depth": [2, 5, 10], "kind": ["a", "b"]}, initial={"depth": 10})
    assert fig.values == {"depth": 10, "kind": "a"}
    fig.render()
    assert draw.calls == [{"depth": 10, "kind": "a"}]


def test_set_updates_values_image_and_controls(draw: Draw) -> None:
    fig = interactive_figure(draw, {"depth": [2, 5, 10], "kind": ["a", "b"]})
    box = fig.widget()
    assert fig.widget() is box  # built once
    fig.set(depth=5, kind="b")
    assert fig.values == {"depth": 5, "kind": "b"}
    assert fig._image.value == fig.render()
    assert fig._controls["depth"].value == 5 and fig._controls["kind"].value == "b"
    assert len(draw.calls) == 2  # the first figure and one redraw: moving the controls drew nothing


def test_moving_a_control_redraws(draw: Draw) -> None:
    fig = interactive_figure(draw, {"depth": [2, 5, 10], "kind": ["a", "b"]})
    fig.widget()
    fig._controls["depth"].value = 10  # what the reader's slider does
    assert fig.values["depth"] == 10
    assert draw.calls[-1] == {"depth": 10, "kind": "a"}
    assert fig._image.value == fig.render(depth=10)


def test_equal_numbers_become_the_listed_choice(draw: Draw) -> None:
    fig = interactive_figure(draw, {"lr": [0.1, 1.0]})
    fig.set(lr=1)  # 1 == 1.0: accepted, stored and drawn as the choice itself
    assert fig.values["lr"] == 1.0 and isinstance(fig.values["lr"], float)
    assert isinstance(draw.calls[-1]["lr"], float)
    fig.render(lr=1.0)
    assert len(draw.calls) == 1  # the same frame, from the cache


def test_numpy_choices(draw: Draw) -> None:
    np = pytest.importorskip("numpy")
    fig = interactive_figure(draw, {"lr": np.array([0.01, 0.1, 1.0])})
    assert fig.choices["lr"] == [0.01, 0.1, 1.0]
    with pytest.raises(ValueError, match="non-empty list"):
        interactive_figure(draw, {"lr": np.ones((2, 2))})


def test_control_kinds(draw: Draw) -> None:
    box = widgets.Text(value="x")
    fig = interactive_figure(
        draw,
        {"depth": [1, 2], "two": ["a", "b"], "many": list("abcdef"), "text": box},
        initial={"many": "c"},
    )
    fig.widget()
    assert isinstance(fig._controls["depth"], widgets.SelectionSlider)
    assert isinstance(fig._controls["two"], widgets.ToggleButtons)
    assert isinstance(fig._controls["many"], widgets.Dropdown)
    assert fig._controls["text"] is box
    box.value = "y"  # a live-only control redraws too
    assert draw.calls[-1]["text"] == "y"


def test_mimebundle_has_live_and_static_versions(draw: Draw) -> None:
    fig = interactive_figure(draw, {"depth": [2, 5]})
    bundle = fig._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"].startswith('<div id="d2l-fig-')
    assert bundle["text/plain"] == "<interactive figure: depth=2; 2 precomputed frame(s)>"


# -- the static version -----------------------------------------------------------------------
def test_static_html_is_self_contained_with_one_frame_per_combination(draw: Draw) -> None:
    fig = interactive_figure(
        draw, {"depth": [2, 5, 10], "kind": ["a", "b"]}, initial={"kind": "b"}
    )
    page = fig.static_html()
    assert re.search(r"https?://", page) is None  # nothing loaded from the internet
    assert "<link" not in page and not re.search(r"<script[^>]*\bsrc=", page)
    frames = static_frames(page)
    assert sorted(frames) == sorted(f"{i}|{j}" for i in range(3) for j in range(2))
    for uri in frames.values():
        assert uri.startswith("data:image/png;base64,")
        assert base64.b64decode(uri.split(",", 1)[1]).startswith(PNG_SIGNATURE)
    assert len({*frames.values()}) == 6  # every combination drawn, none shared
    assert f'src="{frames["0|1"]}"' in page  # the page starts at the initial values
    assert 'type="range"' in page and "<select" in page  # a slider for numbers, a menu for words


def test_static_subset_and_fixed_controls(draw: Draw) -> None:
    fig = interactive_figure(
        draw, {"depth": [2, 5, 10, 20], "kind": ["a", "b", "c"]}, static={"depth": [2, 20]}
    )
    frames = static_frames(fig.static_html())
    assert sorted(frames) == ["0|0", "3|0"]  # kind is not named: fixed at its initial value
    assert len(fig.frames()) == 2
    page = interactive_figure(draw, {"depth": [2, 5]}, static=False).static_html()
    assert len(static_frames(page)) == 1 and "depth = 2" in page


def test_static_start_falls_back_to_a_precomputed_choice(draw: Draw) -> None:
    fig = interactive_figure(draw, {"depth": [2, 5, 10]}, static={"depth": [5, 10]})
    page = fig.static_html()  # the initial value 2 has no frame: start at 5
    assert f'src="{static_frames(page)["1"]}"' in page


def test_crop_false_keeps_every_frame_the_same_size(draw: Draw) -> None:
    labels = ["x", "a much longer title that sticks out of the axes on both sides"]
    cropped = interactive_figure(draw, {"label": labels})
    whole = interactive_figure(draw, {"label": labels}, crop=False)
    assert png_size(cropped.render(label=labels[0])) != png_size(cropped.render(label=labels[1]))
    sizes = {png_size(whole.render(label=label)) for label in labels}
    assert sizes == {(160, 120)}  # figsize (2, 1.5) at the house dpi 80


def test_compact_png_keeps_the_picture_and_transparency(draw: Draw) -> None:
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.imshow([[0, 1], [2, 3]])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    png = buf.getvalue()
    small = _compact_png(png)
    assert len(small) <= len(png) and png_size(small) == png_size(png)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", transparent=True)
    assert _compact_png(buf.getvalue()) == buf.getvalue()


# -- bad inputs -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("controls", "options", "error", "message"),
    [
        ({"depth": []}, {}, ValueError, "non-empty list"),
        ({"depth": "abc"}, {}, ValueError, "non-empty list"),
        ({"depth": 3}, {}, ValueError, "non-empty list"),
        ({"depth": [1, 2, 1]}, {}, ValueError, "repeated"),
        ({"depth": [1, 1.0]}, {}, ValueError, "repeated"),
        ({"lr": [0.1, 0.1000001]}, {}, ValueError, "repeated"),  # both shown as 0.1
        ({"depth": [1, 2]}, {"initial": {"depth": 3}}, ValueError, "initial depth=3"),
        ({"depth": [1, 2]}, {"initial": {"width": 3}}, ValueError, "initial names 'width'"),
        ({"depth": [1, 2]}, {"initial": [("depth", 2)]}, TypeError, "initial must be a mapping"),
        ({"depth": [1, 2]}, {"static": {"depth": [3]}}, ValueError, "not among the choices"),
        ({"depth": [1, 2]}, {"static": {"depth": []}}, ValueError, "non-empty list"),
        ({"depth": [1, 2]}, {"static": {"depth": [1, 1]}}, ValueError, "repeated"),
        ({"depth": [1, 2]}, {"static": {"width": [1]}}, ValueError, "static names 'width'"),
        ({"depth": [1, 2]}, {"static": "all"}, TypeError, "static must be"),
        ({"a": list(range(7)), "b": list(range(8))}, {}, ValueError, "56 frames"),
        ({"depth": [1, 2, 3]}, {"max_frames": 2}, ValueError, "max_frames=2"),
        ({"depth": [1, 2]}, {"max_frames": 0}, ValueError, "max_frames must be"),
        ({"depth": [1, 2]}, {"max_frames": True}, ValueError, "max_frames must be"),
        ({"depth": [1, 2]}, {"crop": "no"}, TypeError, "crop must be"),
        ({}, {}, ValueError, "at least one control"),
    ],
)
def test_bad_arguments_raise_clear_errors(
    draw: Draw, controls: dict, options: dict, error: type, message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        interactive_figure(draw, controls, **options)
    assert draw.calls == []  # rejected before drawing anything


def test_controls_may_be_named_like_the_options(draw: Draw) -> None:
    controls = {"static": [1, 2], "crop": ["a", "b"], "initial": [0.5, 1.0]}
    fig = interactive_figure(draw, controls, initial={"crop": "b"}, static={"static": [2]})
    assert fig.values == {"static": 1, "crop": "b", "initial": 0.5}
    fig.set(initial=1.0)
    assert draw.calls == [{"static": 1, "crop": "b", "initial": 1.0}]
    assert sorted(fig.frames()) == ["1|1|0"]  # static= picked static=2; the others stay put
    assert fig.crop is True


def test_draw_must_be_callable() -> None:
    with pytest.raises(TypeError, match="draw must be a function"):
        interactive_figure("not a function", {"depth": [1, 2]})


def test_control_names_must_be_identifiers(draw: Draw) -> None:
    with pytest.raises(ValueError, match="identifiers"):
        InteractiveFigure(draw, {"learning rate": [0.1, 1.0]})


def test_draw_returning_no_figure() -> None:
    fig = interactive_figure(lambda depth: [depth], {"depth": [1, 2]})
    with pytest.raises(TypeError, match="draw must return a matplotlib Figure, got list"):
        fig.render()


@pytest.mark.parametrize("method", ["render", "set"])
def test_unknown_control_or_value(draw: Draw, method: str) -> None:
    fig = interactive_figure(draw, {"depth": [2, 5]})
    with pytest.raises(ValueError, match=r"unknown control\(s\) \['width'\]"):
        getattr(fig, method)(width=3)
    with pytest.raises(ValueError, match=re.escape("depth=3 is not one of [2, 5]")):
        getattr(fig, method)(depth=3)
    assert fig.values == {"depth": 2} and draw.calls == []  # nothing changed, nothing drawn


# -- the static version in a real browser -----------------------------------------------------
@pytest.mark.skipif(not CHROMIUM.exists(), reason="no chromium to open the page with")
def test_static_html_works_in_a_browser(draw: Draw, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    fig = interactive_figure(draw, {"depth": [2, 5, 10], "kind": ["a", "b"]})
    page_html = fig.static_html()
    frames = static_frames(page_html)
    path = tmp_path / "page.html"
    path.write_text(f"<html><body>{page_html}{page_html}</body></html>", encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.goto(path.as_uri())
            images = page.locator("img")
            assert images.nth(1).get_attribute("src") == frames["0|0"]
            page.locator("select").nth(1).select_option("1")  # kind = b, second copy only
            page.locator('input[type="range"]').nth(1).fill("2")  # depth = 10
            assert images.nth(1).get_attribute("src") == frames["2|1"]
            assert images.nth(0).get_attribute("src") == frames["0|0"]  # copies are independent
            assert page.locator("output").nth(1).text_content() == "10"
            assert errors == []
        finally:
            browser.close()


def test_labels_of_floats_are_short() -> None:
    fig = interactive_figure(lambda lr: plt.figure(), {"lr": [0.001, math.pi]})
    assert "lr=0.001" in repr(fig)


def test_strip_live_views_keeps_the_static_version(tmp_path):
    import nbformat

    from d2lutils.interact import WIDGET_VIEW, strip_live_views

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("display_data", data={WIDGET_VIEW: {"model_id": "a"},
                                                     "text/html": "<div/>", "text/plain": "f"}),
        nbformat.v4.new_output("display_data", data={WIDGET_VIEW: {"model_id": "b"}}),
    ])]
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    assert strip_live_views(path) == 1
    first, second = nbformat.read(path, as_version=4).cells[0].outputs
    assert set(first["data"]) == {"text/html", "text/plain"}
    assert set(second["data"]) == {WIDGET_VIEW}  # nothing else to show: left alone
    with pytest.raises(ValueError, match="ipynb"):
        strip_live_views(tmp_path / "missing.ipynb")
