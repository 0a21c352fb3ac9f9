"""Tests for d2lutils.interact and its parts: choices, frame cache, live view, static page, PNG."""

from __future__ import annotations

import array
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
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import chromium_launch_options  # noqa: E402  (tests/conftest.py)
from PIL import Image  # noqa: E402

from d2lutils import _static_page  # noqa: E402
from d2lutils._png import FrameRenderer, compact_png  # noqa: E402
from d2lutils.interact import (  # noqa: E402
    WIDGET_VIEW,
    InteractiveFigure,
    interactive_figure,
    strip_live_views,
)
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


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"), dtype=int)


def static_frames(page: str) -> dict[str, str]:
    match = re.search(r"var frames=(\{.*?\}),names=", page)
    assert match, "the static HTML carries no frames"
    return json.loads(match.group(1))


def exactly(message: str) -> str:
    """A ``pytest.raises(match=...)`` pattern for this whole message and nothing else."""
    return "^" + re.escape(message) + "$"


# -- drawing and caching ----------------------------------------------------------------------
def test_render_gives_png_and_caches(draw: Draw) -> None:
    fig = interactive_figure(draw, {"depth": [2, 5, 10], "kind": ["a", "b"]})
    png = fig.render()
    assert png.startswith(PNG_SIGNATURE)
    assert draw.calls == [{"depth": 2, "kind": "a"}]
    assert fig.render() is png and len(draw.calls) == 1  # cached
    fig.render(depth=5)
    assert draw.calls[-1] == {"depth": 5, "kind": "a"}
    assert fig.values == {"depth": 2, "kind": "a"}  # render draws; it moves nothing
    fig.clear_cache()
    fig.render()
    assert len(draw.calls) == 3  # drawn again after clear_cache


def test_without_cache_every_render_draws(draw: Draw) -> None:
    fig = InteractiveFigure(draw, {"depth": [2, 5]}, cache=False)
    fig.render()
    fig.render()
    assert len(draw.calls) == 2


def test_initial_values(draw: Draw) -> None:
    fig = interactive_figure(draw, {"depth": [2, 5, 10], "kind": ["a", "b"]}, initial={"depth": 10})
    assert fig.values == {"depth": 10, "kind": "a"}
    fig.render()
    assert draw.calls == [{"depth": 10, "kind": "a"}]


def test_controls_may_be_named_like_the_options(draw: Draw) -> None:
    controls = {"static": [1, 2], "crop": ["a", "b"], "initial": [0.5, 1.0]}
    fig = interactive_figure(draw, controls, initial={"crop": "b"}, static={"static": [2]})
    assert fig.values == {"static": 1, "crop": "b", "initial": 0.5}
    fig.set(initial=1.0)
    assert draw.calls == [{"static": 1, "crop": "b", "initial": 1.0}]
    assert sorted(fig.frames()) == ["1|1|0"]  # static= picked static=2; the others stay put
    assert fig.crop is True


def test_set_updates_values_image_and_controls(draw: Draw) -> None:
    fig = interactive_figure(draw, {"depth": [2, 5, 10], "kind": ["a", "b"]})
    box = fig.widget()
    assert fig.widget() is box  # built once
    fig.set(depth=5, kind="b")
    assert fig.values == {"depth": 5, "kind": "b"}
    assert fig._view.image.value == fig.render()
    assert fig._view.controls["depth"].value == 5 and fig._view.controls["kind"].value == "b"
    assert len(draw.calls) == 2  # the first figure and one redraw: moving the controls drew nothing


def test_set_moves_the_controls_without_drawing_twice(draw: Draw) -> None:
    fig = InteractiveFigure(draw, {"depth": [2, 5, 10], "kind": ["a", "b"]}, cache=False)
    fig.widget()
    fig.set(depth=10)
    assert len(draw.calls) == 2  # no cache: a second draw would show if the slider drew again
    assert fig._view.controls["depth"].value == 10
    fig._view.controls["kind"].value = "b"  # the reader clicks: one draw
    assert len(draw.calls) == 3 and draw.calls[-1] == {"depth": 10, "kind": "b"}


def test_set_before_the_widget_exists_only_changes_values(draw: Draw) -> None:
    fig = interactive_figure(draw, {"depth": [2, 5]})
    fig.set(depth=5)
    assert fig.values == {"depth": 5} and draw.calls == [{"depth": 5}]
    fig.widget()
    assert fig._view.controls["depth"].value == 5  # the widget starts where the figure is
    assert fig._view.image.value == fig.render()


def test_moving_a_control_redraws(draw: Draw) -> None:
    fig = interactive_figure(draw, {"depth": [2, 5, 10], "kind": ["a", "b"]})
    fig.widget()
    fig._view.controls["depth"].value = 10  # what the reader's slider does
    assert fig.values["depth"] == 10
    assert draw.calls[-1] == {"depth": 10, "kind": "a"}
    assert fig._view.image.value == fig.render(depth=10)


def test_an_error_while_drawing_is_shown_above_the_picture() -> None:
    def draw(text: str) -> plt.Figure:
        if text == "bad":
            raise ValueError("cannot draw <bad>")
        return plt.figure(figsize=(1, 1))

    box = widgets.Text(value="ok")
    fig = interactive_figure(draw, {"text": box})
    fig.widget()
    assert fig._view.message.value == ""
    with pytest.raises(ValueError, match="cannot draw"):
        box.value = "bad"
    assert fig._view.message.value == "<pre>ValueError: cannot draw &lt;bad&gt;</pre>"
    box.value = "fine"  # the next good move clears the message
    assert fig._view.message.value == "" and fig.values["text"] == "fine"


def test_equal_numbers_become_the_listed_choice(draw: Draw) -> None:
    fig = interactive_figure(draw, {"lr": [0.1, 1.0]})
    fig.set(lr=1)  # 1 == 1.0: accepted, stored and drawn as the choice itself
    assert fig.values["lr"] == 1.0 and isinstance(fig.values["lr"], float)
    assert isinstance(draw.calls[-1]["lr"], float)
    fig.render(lr=1.0)
    assert len(draw.calls) == 1  # the same frame, from the cache
    fig = interactive_figure(draw, {"lr": [0.1, 1.0]}, initial={"lr": 1}, static={"lr": [1]})
    assert isinstance(fig.values["lr"], float) and isinstance(fig.static_choices["lr"][0], float)


def test_a_nan_choice_is_its_own_choice(draw: Draw) -> None:
    nan = float("nan")  # nan != nan, but it is the listed choice itself
    fig = interactive_figure(draw, {"x": [nan, 1.0]}, initial={"x": nan}, static={"x": [nan]})
    fig.set(x=nan)
    assert fig.values["x"] is nan and sorted(fig.frames()) == ["0"]


def test_array_and_tensor_choices(draw: Draw) -> None:
    torch = pytest.importorskip("torch")
    fig = interactive_figure(draw, {"lr": np.array([0.01, 0.1, 1.0]), "n": torch.tensor([1, 2])})
    assert fig.choices == {"lr": [0.01, 0.1, 1.0], "n": [1, 2]}
    assert type(fig.choices["n"][0]) is int
    fig = interactive_figure(draw, {"n": array.array("i", [1, 2])})  # has tolist(), no ndim
    assert fig.choices == {"n": [1, 2]}
    with pytest.raises(ValueError, match="non-empty list"):
        interactive_figure(draw, {"lr": np.ones((2, 2))})


def test_control_kinds(draw: Draw) -> None:
    box = widgets.Text(value="x")
    fig = interactive_figure(
        draw,
        {"depth": [1, 2], "four": list("abcd"), "many": list("abcde"), "flag": [True, False],
         "text": box},
        initial={"many": "c"},
        static=False,
    )
    fig.widget()
    controls = fig._view.controls
    assert isinstance(controls["depth"], widgets.SelectionSlider)
    assert controls["depth"].continuous_update is False  # redraw when the slider is let go
    assert isinstance(controls["four"], widgets.ToggleButtons)
    assert isinstance(controls["many"], widgets.Dropdown) and controls["many"].value == "c"
    assert isinstance(controls["flag"], widgets.ToggleButtons)  # True/False are not numbers
    assert controls["text"] is box
    assert list(controls) == ["depth", "four", "many", "flag", "text"]
    for name in ["depth", "four", "many"]:
        assert controls[name].description == name
        assert controls[name].style.description_width == "initial"
    box.value = "y"  # a live-only control redraws too
    assert draw.calls[-1]["text"] == "y"


def test_slider_labels_are_short() -> None:
    fig = interactive_figure(lambda lr: plt.figure(), {"lr": [0.001, 1e-5, math.pi, 10]})
    fig.widget()
    labels = [text for text, _ in fig._view.controls["lr"].options]
    assert labels == ["0.001", "1e-05", "3.14159", "10"]
    assert repr(fig) == "<interactive figure: lr=0.001; 4 precomputed frame(s)>"


def test_live_layout_keeps_the_picture_at_its_own_size(draw: Draw) -> None:
    fig = interactive_figure(draw, {"depth": [2, 5], "kind": ["a", "b"]})
    box = fig.widget()
    row, message, image = box.children
    assert list(row.children) == list(fig._view.controls.values())
    assert message is fig._view.message and image is fig._view.image
    assert row.layout.flex_flow == "row wrap" and box.layout.align_items == "flex-start"
    assert image.format == "png"  # a flex box would stretch the picture; this keeps its size:
    assert (image.layout.width, image.layout.max_width) == ("auto", "100%")
    assert image.layout.object_fit == "contain"


def test_mimebundle_has_live_and_static_versions(draw: Draw) -> None:
    fig = interactive_figure(draw, {"depth": [2, 5]})
    bundle = fig._repr_mimebundle_()
    assert WIDGET_VIEW in bundle
    assert bundle[WIDGET_VIEW]["model_id"] == fig.widget().model_id
    assert bundle["text/html"] == fig.static_html()
    assert bundle["text/plain"] == "<interactive figure: depth=2; 2 precomputed frame(s)>"
    fig = interactive_figure(draw, {"depth": [2, 5], "lr": [0.5, 1e-3], "t": widgets.Text("a")},
                             static={"lr": [0.5, 1e-3]})
    assert repr(fig) == "<interactive figure: depth=2, lr=0.5, t=a; 2 precomputed frame(s)>"


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
    for key, uri in frames.items():
        assert uri.startswith("data:image/png;base64,")
        png = base64.b64decode(uri.split(",", 1)[1])
        depth, kind = (int(i) for i in key.split("|"))
        same = fig.render(depth=[2, 5, 10][depth], kind=["a", "b"][kind])
        assert (pixels(png) == pixels(same)).all()  # the frame of that key, pixel for pixel
    assert len({*frames.values()}) == 6  # every combination drawn, none shared
    assert f'src="{frames["0|1"]}"' in page  # the page starts at the initial values
    assert '"start": ' not in page and 'start=["0", "1"]' in page
    assert 'names=["depth", "kind"]' in page
    assert re.match(r'<div id="(d2l-fig-[0-9a-f]{10})" class="d2l-interactive">', page)


def test_static_controls(draw: Draw) -> None:
    fig = interactive_figure(
        draw, {"depth": [2, 5, 10], "kind": ["a", "b"], "word": ["x<y", 'say "hi"'],
               "fixed": [1, 2], "text": widgets.Text(value="<t>")},
        initial={"depth": 5, "word": 'say "hi"'},
        static={"depth": [2, 5], "word": ["x<y", 'say "hi"']},
    )
    page = fig.static_html()
    slider = (
        '<label>depth <input type="range" min="0" max="1" step="1" value="1" data-name="depth" '
        'data-choices="[0, 1]" data-labels="[&quot;2&quot;, &quot;5&quot;]"/> <output>5</output>'
        "</label>"
    )
    menu = (
        '<label>word <select data-name="word" data-choices="[0, 1]" '
        'data-labels="[&quot;x&lt;y&quot;, &quot;say \\&quot;hi\\&quot;&quot;]">'
        '<option value="0">x&lt;y</option><option value="1" selected>say &quot;hi&quot;</option>'
        "</select></label>"
    )
    controls = (
        '<div class="d2l-controls" style="display:flex;gap:1em;flex-wrap:wrap">'
        f"{slider}<span>kind = a</span>{menu}<span>fixed = 1</span><span>text = &lt;t&gt;</span>"
        '</div><img alt="interactive figure" style="max-width:100%" src="'
    )
    assert controls in page
    assert sorted(static_frames(page)) == ["0|0|0|0", "0|0|1|0", "1|0|0|0", "1|0|1|0"]
    assert 'start=["1", "0", "1", "0"]' in page


def test_static_slider_over_a_subset_counts_its_own_positions(draw: Draw) -> None:
    fig = interactive_figure(draw, {"depth": [2, 5, 10, 20]}, initial={"depth": 20},
                             static={"depth": [5, 20]})
    page = fig.static_html()
    assert 'max="1" step="1" value="1" data-name="depth" data-choices="[1, 3]"' in page
    assert f'src="{static_frames(page)["3"]}"' in page


def test_static_subset_and_fixed_controls(draw: Draw) -> None:
    fig = interactive_figure(
        draw, {"depth": [2, 5, 10, 20], "kind": ["a", "b", "c"]}, static={"depth": [2, 20]}
    )
    frames = static_frames(fig.static_html())
    assert sorted(frames) == ["0|0", "3|0"]  # kind is not named: fixed at its initial value
    assert sorted(fig.frames()) == ["0|0", "3|0"]
    page = interactive_figure(draw, {"depth": [2, 5]}, static=False).static_html()
    assert len(static_frames(page)) == 1 and "<span>depth = 2</span>" in page
    fig = interactive_figure(draw, {"depth": [2, 5]}, initial={"depth": 5}, static={})
    assert sorted(fig.frames()) == ["1"]


def test_static_start_falls_back_to_a_precomputed_choice(draw: Draw) -> None:
    fig = interactive_figure(draw, {"depth": [2, 5, 10]}, static={"depth": [5, 10]})
    page = fig.static_html()  # the initial value 2 has no frame: start at 5
    assert f'src="{static_frames(page)["1"]}"' in page and 'start=["1"]' in page
    fig.set(depth=10)  # the page starts where the figure is
    page = fig.static_html()
    assert f'src="{static_frames(page)["2"]}"' in page and 'start=["2"]' in page


def test_max_frames_is_a_limit_that_can_be_reached(draw: Draw) -> None:
    fig = interactive_figure(draw, {"a": list(range(6)), "b": list(range(8))})
    assert repr(fig).endswith("; 48 precomputed frame(s)>")
    fig = interactive_figure(draw, {"depth": [1, 2, 3]}, max_frames=3)
    assert fig.static_choices == {"depth": [1, 2, 3]}
    fig = interactive_figure(draw, {"depth": [1, 2]}, static=False, max_frames=1)
    assert fig.static_choices == {"depth": [1]} and draw.calls == []


def test_page_ids_differ_between_pictures() -> None:
    def uid(page: str) -> str:
        return re.match(r'<div id="(d2l-fig-[0-9a-f]{10})"', page).group(1)

    def other(**values: object) -> plt.Figure:  # the same pictures under another name
        return copy(**values)

    copy = Draw()  # each figure gets a fresh Draw: the same values give the same pixels
    first = interactive_figure(Draw(), {"depth": [2, 5]}).static_html()
    assert uid(first) == uid(interactive_figure(Draw(), {"depth": [2, 5]}).static_html())
    assert f"getElementById({json.dumps(uid(first))})" in first
    different_frames = interactive_figure(Draw(), {"depth": [5, 2]}).static_html()
    different_name = interactive_figure(other, {"depth": [2, 5]}).static_html()
    assert len({uid(first), uid(different_frames), uid(different_name)}) == 3
    only_2 = interactive_figure(Draw(), {"depth": [2, 5]}, static=False).static_html()
    same_frame_other_key = interactive_figure(
        Draw(), {"depth": [1, 2]}, initial={"depth": 2}, static=False
    ).static_html()
    assert static_frames(only_2)["0"] == static_frames(same_frame_other_key)["1"]
    assert uid(only_2) != uid(same_frame_other_key)


def test_static_page_compacts_each_frame_once(draw: Draw, monkeypatch) -> None:
    compacted: list[bytes] = []

    def counting(png: bytes) -> bytes:
        compacted.append(png)
        return compact_png(png)

    monkeypatch.setattr(_static_page, "compact_png", counting)
    fig = interactive_figure(draw, {"depth": [2, 5, 10], "kind": ["a", "b"]})
    first = fig._repr_mimebundle_()["text/html"]
    assert (len(compacted), len(draw.calls)) == (6, 6)
    assert fig._repr_mimebundle_()["text/html"] == first  # shown again: nothing encoded again
    assert (len(compacted), len(draw.calls)) == (6, 6)
    fig.set(kind="b")
    page = fig.static_html()
    assert page != first and f'src="{static_frames(page)["0|1"]}"' in page
    assert (len(compacted), len(draw.calls)) == (6, 6)
    fig.clear_cache()  # forgets the encoded frames too
    fig.static_html()
    assert (len(compacted), len(draw.calls)) == (12, 12)
    fig = InteractiveFigure(Draw(), {"depth": [2, 5]}, cache=False)
    fig.static_html()
    fig.static_html()
    assert len(compacted) == 16


def test_crop_false_keeps_every_frame_the_same_size(draw: Draw) -> None:
    labels = ["x", "a much longer title that sticks out of the axes on both sides"]
    cropped = interactive_figure(draw, {"label": labels})
    whole = interactive_figure(draw, {"label": labels}, crop=False)
    assert png_size(cropped.render(label=labels[0])) != png_size(cropped.render(label=labels[1]))
    sizes = {png_size(whole.render(label=label)) for label in labels}
    assert sizes == {(160, 120)}  # figsize (2, 1.5) at the house dpi 80


def zlib_level(png: bytes) -> int:
    """The level the file's zlib stream declares: 0 fastest, 1 fast, 2 default, 3 smallest."""
    at = png.index(b"IDAT") + 4  # the first image data chunk opens the zlib stream
    return png[at + 1] >> 6


class Curves:
    """A draw function whose picture depends only on its arguments: a curve, ticks and a title."""

    def __call__(self, n: int, title: str) -> plt.Figure:
        fig, ax = plt.subplots(figsize=(3.0, 2.0))
        x = np.linspace(0, 1, 50)
        ax.plot(x, np.sin(n * x), label=f"sin({n}x)")
        ax.legend(fontsize=7)
        ax.set(title=title, xlabel="x")
        return fig


def test_live_frames_have_the_pixels_savefig_gives() -> None:
    choices = {"n": [1, 2, 3], "title": ["short", "a title long enough to widen the crop"]}
    for crop in (False, True):  # one size for every frame, or each its own
        fig = interactive_figure(Curves(), choices, crop=crop)
        for key, png in fig.frames().items():  # one renderer kept for all of them
            n, title = (int(i) for i in key.split("|"))
            again = Curves()(choices["n"][n], choices["title"][title])  # a fresh figure, saved
            plain = png_of(again, bbox_inches="tight" if crop else again.bbox_inches)
            assert png_size(png) == png_size(plain)
            assert (pixels(png) == pixels(plain)).all()  # lossless, pixel for pixel
            assert (zlib_level(png), zlib_level(plain)) == (0, 2)  # written fast, not small
        kept = fig._renderer._renderers  # the whole canvas (crop=True measures it), and crops
        assert (240, 160, 80) in kept and len(kept) <= (FrameRenderer.KEEP if crop else 1)


def test_frames_of_one_size_share_a_renderer() -> None:
    frames = FrameRenderer()
    first = plt.figure(figsize=(2, 1))
    canvas = first.canvas
    frames.png(first, crop=False)
    assert first.canvas is canvas and not plt.fignum_exists(first.number)  # put back, closed
    renderer = frames.renderer(160, 80, 80)  # figsize (2, 1) at the house dpi 80
    frames.png(plt.figure(figsize=(2, 1)), crop=False)
    assert frames.renderer(160, 80, 80) is renderer
    assert renderer.width == 160 and renderer.height == 80
    for width in (3, 4, 5):
        frames.png(plt.figure(figsize=(width, 1)), crop=False)
    assert sorted(frames._renderers) == [(w * 80, 80, 80) for w in (2, 3, 4, 5)]
    frames.png(plt.figure(figsize=(2, 1)), crop=False)  # the first size, used again
    frames.png(plt.figure(figsize=(6, 1)), crop=False)  # a fifth size: the longest unused goes
    assert sorted(frames._renderers) == [(w * 80, 80, 80) for w in (2, 4, 5, 6)]
    assert frames.renderer(160, 80, 80) is renderer
    with pytest.raises(TypeError, match=exactly("fig must be a matplotlib Figure, got str")):
        frames.png("fig", crop=False)


# -- PNG compaction ---------------------------------------------------------------------------
def png_of(fig: plt.Figure, **savefig: object) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", **savefig)
    plt.close(fig)
    return buf.getvalue()


def test_compact_png_is_lossless_on_a_many_colour_plot() -> None:
    fig, ax = plt.subplots(figsize=(3, 2))
    for k in range(6):  # anti-aliased curves and text: hundreds of colours
        ax.plot(np.linspace(0, 1, 50), np.sin(np.linspace(0, 3 + k, 50)), label=f"k={k}")
    ax.legend(fontsize=6)
    png = png_of(fig)
    assert len(Image.open(io.BytesIO(png)).convert("RGB").getcolors(1 << 24)) > 256
    small = compact_png(png)
    assert len(small) < len(png) and Image.open(io.BytesIO(small)).mode == "RGB"
    assert np.abs(pixels(small) - pixels(png)).max() == 0  # the same picture, pixel for pixel
    plain = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(plain, format="PNG")
    assert len(small) < len(plain.getvalue())  # compressed harder than Pillow's default
    assert compact_png(small) == small  # nothing left to gain: returned as it is
    buf = io.BytesIO()
    Image.new("RGBA", (1, 1), (10, 20, 30, 255)).save(buf, format="PNG")
    assert compact_png(buf.getvalue()) == buf.getvalue()  # a palette would make it larger


@pytest.mark.parametrize(("colours", "mode"), [(2, "P"), (256, "P"), (257, "RGB")])
def test_compact_png_uses_a_palette_only_when_it_is_exact(colours: int, mode: str) -> None:
    rng = np.random.default_rng(colours)
    palette = np.arange(colours) * 40503 % 256**3  # distinct colours (40503 is odd)
    rgb = np.stack([palette >> 16, (palette >> 8) & 255, palette & 255], axis=1).astype(np.uint8)
    which = np.concatenate([np.arange(colours), rng.integers(0, colours, 64 * 64 - colours)])
    picture = np.concatenate([rgb[which].reshape(64, 64, 3), np.full((64, 64, 1), 255, np.uint8)],
                             axis=2)
    buf = io.BytesIO()
    Image.fromarray(picture, "RGBA").save(buf, format="PNG")
    small = compact_png(buf.getvalue())
    assert Image.open(io.BytesIO(small)).mode == mode and len(small) < len(buf.getvalue())
    assert (pixels(small) == picture).all()


def test_compact_png_takes_rgb_files_too() -> None:
    picture = np.zeros((30, 40, 3), np.uint8)
    picture[:, 20:] = (200, 30, 90)
    buf = io.BytesIO()
    Image.fromarray(picture, "RGB").save(buf, format="PNG")
    small = compact_png(buf.getvalue())
    assert Image.open(io.BytesIO(small)).mode == "P" and len(small) < len(buf.getvalue())
    assert (pixels(small)[..., :3] == picture).all()


def test_compact_png_keeps_transparency_and_leaves_other_modes_alone() -> None:
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.imshow([[0, 1], [2, 3]])
    transparent = png_of(fig, transparent=True, pil_kwargs={"compress_level": 1})  # as live
    small = compact_png(transparent)
    assert len(small) < len(transparent) and Image.open(io.BytesIO(small)).mode == "RGBA"
    assert (pixels(small) == pixels(transparent)).all() and pixels(small)[..., 3].min() == 0
    assert compact_png(small) == small
    buf = io.BytesIO()
    Image.new("L", (40, 30), 128).save(buf, format="PNG")
    assert compact_png(buf.getvalue()) == buf.getvalue()


# -- bad inputs -------------------------------------------------------------------------------
CHOICES_OF = "must be a non-empty list of choices, got"
TOO_MANY = "frames (more than max_frames={}); pass static={{name: [a few choices]}} to draw fewer"


@pytest.mark.parametrize(
    ("controls", "options", "error", "message"),
    [
        ({"depth": []}, {}, ValueError, f"control 'depth' {CHOICES_OF} []"),
        ({"depth": "abc"}, {}, ValueError, f"control 'depth' {CHOICES_OF} 'abc'"),
        ({"depth": b"ab"}, {}, ValueError, f"control 'depth' {CHOICES_OF} b'ab'"),
        ({"depth": 3}, {}, ValueError, f"control 'depth' {CHOICES_OF} 3"),
        ({"depth": {1, 2}}, {}, ValueError, f"control 'depth' {CHOICES_OF} {{1, 2}}"),
        ({"depth": [1, 2, 1]}, {}, ValueError,
         "control 'depth' has repeated choices (1 and 1): [1, 2, 1]"),
        ({"depth": [1, 1.0]}, {}, ValueError,
         "control 'depth' has repeated choices (1.0 and 1): [1, 1.0]"),
        ({"lr": [0.1, 0.1000001]}, {}, ValueError,  # both shown as 0.1
         "control 'lr' has repeated choices (0.1000001 and 0.1): [0.1, 0.1000001]"),
        ({"depth": [1, 2]}, {"initial": {"depth": 3}}, ValueError,
         "initial depth=3 is not one of [1, 2]"),
        ({"depth": [1, 2]}, {"initial": {"width": 3}}, ValueError,
         "initial names 'width', which is not a choice control; choice controls are ['depth']"),
        ({"text": widgets.Text()}, {"initial": {"text": "x"}}, ValueError,
         "initial names 'text', which is not a choice control; choice controls are []"),
        ({"depth": [1, 2]}, {"initial": [("depth", 2)]}, TypeError,
         "initial must be a mapping name -> value, got [('depth', 2)]"),
        ({"depth": [1, 2]}, {"static": {"depth": [3]}}, ValueError,
         "static depth=[3]: [3] not among the choices [1, 2]"),
        ({"depth": [1, 2]}, {"static": {"depth": [1, 3, 4]}}, ValueError,
         "static depth=[1, 3, 4]: [3, 4] not among the choices [1, 2]"),
        ({"depth": [1, 2]}, {"static": {"depth": []}}, ValueError, f"static depth {CHOICES_OF} []"),
        ({"depth": [1, 2]}, {"static": {"depth": [1, 1]}}, ValueError,
         "static depth has repeated choices (1 and 1): [1, 1]"),
        ({"depth": [1, 2]}, {"static": {"width": [1]}}, ValueError,
         "static names 'width', which is not a choice control; choice controls are ['depth']"),
        ({"depth": [1, 2]}, {"static": "all"}, TypeError,
         "static must be True, False or a mapping name -> choices, got 'all'"),
        ({"depth": [1, 2]}, {"static": 1}, TypeError,
         "static must be True, False or a mapping name -> choices, got 1"),
        ({"a": list(range(7)), "b": list(range(8))}, {}, ValueError,
         "the static version would need 56 " + TOO_MANY.format(48)),
        ({"depth": [1, 2, 3]}, {"max_frames": 2}, ValueError,
         "the static version would need 3 " + TOO_MANY.format(2)),
        ({"depth": [1, 2]}, {"max_frames": 0}, ValueError,
         "max_frames must be a positive int, got 0"),
        ({"depth": [1, 2]}, {"max_frames": True}, ValueError,
         "max_frames must be a positive int, got True"),
        ({"depth": [1, 2]}, {"max_frames": 2.0}, ValueError,
         "max_frames must be a positive int, got 2.0"),
        ({"depth": [1, 2]}, {"crop": "no"}, TypeError, "crop must be True or False, got 'no'"),
        ({"depth": [1, 2]}, {"crop": 1}, TypeError, "crop must be True or False, got 1"),
        ({}, {}, ValueError, 'give at least one control, e.g. {"depth": [2, 5, 10]}'),
        ([("depth", [1, 2])], {}, TypeError,
         'controls must be a mapping name -> choices, e.g. {"depth": [2, 5, 10]}, '
         "got [('depth', [1, 2])]"),
        ({"learning rate": [0.1, 1.0]}, {}, ValueError,
         "control names must be Python identifiers, got 'learning rate'"),
        ({3: [0.1, 1.0]}, {}, ValueError, "control names must be Python identifiers, got 3"),
        ({"depth": [1, 2]}, {"intial": {"depth": 2}}, TypeError,
         "interactive_figure has no option(s) ['intial']; its options are initial, static, "
         'max_frames and crop, and controls go in one mapping, e.g. '
         'interactive_figure(draw, {"depth": [2, 5, 10]})'),
    ],
)
def test_bad_arguments_raise_clear_errors(
    draw: Draw, controls: dict, options: dict, error: type, message: str
) -> None:
    with pytest.raises(error, match=exactly(message)):
        interactive_figure(draw, controls, **options)
    assert draw.calls == []  # rejected before drawing anything


def test_controls_given_as_keywords_get_told_the_new_form(draw: Draw) -> None:
    with pytest.raises(TypeError, match=re.escape("has no option(s) ['depth', 'kind']")):
        interactive_figure(draw, depth=[1, 2], kind=["a", "b"])
    with pytest.raises(TypeError, match=exactly(
            'controls must be a mapping name -> choices, e.g. {"depth": [2, 5, 10]}, got None')):
        interactive_figure(draw)


def test_draw_must_be_callable() -> None:
    with pytest.raises(TypeError, match=exactly(
            "draw must be a function returning a matplotlib Figure, got 'not a function'")):
        interactive_figure("not a function", {"depth": [1, 2]})


def test_draw_returning_no_figure() -> None:
    fig = interactive_figure(lambda depth: [depth], {"depth": [1, 2]})
    with pytest.raises(TypeError, match=exactly(
            "draw must return a matplotlib Figure, got list (for values {'depth': 1})")):
        fig.render()


@pytest.mark.parametrize("method", ["render", "set"])
def test_unknown_control_or_value(draw: Draw, method: str) -> None:
    fig = interactive_figure(draw, {"depth": [2, 5], "text": widgets.Text(value="a")})
    with pytest.raises(ValueError, match=exactly(
            "unknown control(s) ['kind', 'width']; controls are ['depth', 'text']")):
        getattr(fig, method)(width=3, kind="a", depth=5)
    with pytest.raises(ValueError, match=exactly("depth=3 is not one of [2, 5]")):
        getattr(fig, method)(depth=3)
    assert fig.values == {"depth": 2, "text": "a"} and draw.calls == []  # nothing changed or drawn
    getattr(fig, method)(text="anything")  # a live-only control takes any value
    assert draw.calls == [{"depth": 2, "text": "anything"}]


# -- the static version in a real browser -----------------------------------------------------
def move(control, value: str, event: str) -> None:
    """Set a control's value and fire one event, as the browser does for a slider or a menu."""
    control.evaluate("(el, [v, e]) => { el.value = v; el.dispatchEvent(new Event(e)); }",
                     [value, event])


def test_static_html_works_in_a_browser(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    two = interactive_figure(Draw(), {"depth": [2, 5, 10], "kind": ["a", "b"]})
    one_fixed = interactive_figure(Draw(), {"depth": [2, 5], "kind": ["a", "b"]},
                                   initial={"kind": "b"}, static={"depth": [2, 5]})
    moved = interactive_figure(Draw(), {"width": [1, 2, 3]})
    page_html, fixed_html = two.static_html(), one_fixed.static_html()
    moved_html = moved.static_html()
    script = re.search(r"<script>.*</script>", moved_html).group(0)
    moved_html = moved_html.replace(script, "") + script  # a script outside its figure's <div>
    path = tmp_path / "page.html"
    path.write_text(f"<html><body>{page_html}{page_html}{fixed_html}{moved_html}</body></html>",
                    encoding="utf-8")
    frames, fixed, frames_moved = (static_frames(p) for p in (page_html, fixed_html, moved_html))
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(**chromium_launch_options())
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.goto(path.as_uri())
            figures = page.locator(".d2l-interactive")
            first, second = figures.nth(0), figures.nth(1)
            src = [lambda i=i: figures.nth(i).locator("img").get_attribute("src") for i in range(4)]
            assert src[0]() == src[1]() == frames["0|0"]
            move(second.locator("select"), "1", "change")  # kind = b, second copy only
            assert src[1]() == frames["0|1"]
            move(second.locator('input[type="range"]'), "2", "input")  # depth = 10
            assert src[1]() == frames["2|1"] and src[0]() == frames["0|0"]  # copies independent
            assert second.locator("output").text_content() == "10"
            assert first.locator("output").text_content() == "2"
            move(first.locator('input[type="range"]'), "1", "change")
            move(first.locator("select"), "1", "input")
            assert src[0]() == frames["1|1"] and first.locator("output").text_content() == "5"
            assert src[2]() == fixed["0|1"]  # kind = b has no control: its index comes from start
            move(figures.nth(2).locator("input"), "1", "input")
            assert src[2]() == fixed["1|1"]
            move(figures.nth(3).locator("input"), "2", "input")  # found by id
            assert src[3]() == frames_moved["2"]
            assert figures.nth(3).locator("output").text_content() == "3"
            assert errors == []
        finally:
            browser.close()


# -- stored notebooks -------------------------------------------------------------------------
def test_strip_live_views_keeps_the_static_version(tmp_path: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("text"), nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="hi\n"),
        nbformat.v4.new_output("display_data", data={WIDGET_VIEW: {"model_id": "a"},
                                                     "text/html": "<div/>", "text/plain": "f"}),
        nbformat.v4.new_output("display_data", data={WIDGET_VIEW: {"model_id": "b"}}),
        nbformat.v4.new_output("display_data", data={WIDGET_VIEW: {"model_id": "c"},
                                                     "text/plain": "g"}),
    ])]
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    assert strip_live_views(str(path)) == 2
    _, first, second, third = nbformat.read(path, as_version=4).cells[1].outputs
    assert set(first["data"]) == {"text/html", "text/plain"}
    assert set(second["data"]) == {WIDGET_VIEW}  # nothing else to show: left alone
    assert set(third["data"]) == {"text/plain"}
    path.write_text(path.read_text() + "\n")  # a second run finds nothing and leaves the file be
    before = path.read_text()
    assert strip_live_views(path) == 0 and path.read_text() == before


@pytest.mark.parametrize("name", ["missing.ipynb", "notes.txt", "folder.ipynb"])
def test_strip_live_views_wants_a_notebook(tmp_path: Path, name: str) -> None:
    (tmp_path / "notes.txt").write_text("{}")
    (tmp_path / "folder.ipynb").mkdir()
    path = tmp_path / name
    with pytest.raises(ValueError, match=exactly(
            f"path must be an existing .ipynb file, got {str(path)!r}")):
        strip_live_views(path)
