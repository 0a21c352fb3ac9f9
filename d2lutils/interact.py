"""Interactive figures: one call gives live widgets in Jupyter and a kernel-free page for the book.

``interactive_figure(draw, {"depth": [2, 5, 10], "activation": ["relu", "tanh"]})`` calls
``draw(depth=..., activation=...)`` (which returns a matplotlib Figure) whenever a control moves.
Displayed in JupyterLab it is a set of ipywidgets above the picture. The same output also
carries an HTML version with every combination of the choices drawn in advance (or the subset
named by ``static=``) and a few lines of inline JavaScript, so the static HTML book lets the
reader move the same controls with no kernel and nothing loaded from the internet.

This module draws and caches the frames; the pieces live beside it: ``_choices`` (checking the
controls), ``_live_view`` (the ipywidgets), ``_static_page`` (the HTML and JavaScript), ``_png``
(quick PNG files for the live view, smaller identical ones for the book) and ``_notebook``
(``strip_live_views``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence

import ipywidgets as widgets
from matplotlib.figure import Figure

from d2lutils import _choices
from d2lutils._live_view import LiveView, make_control
from d2lutils._notebook import WIDGET_VIEW, strip_live_views
from d2lutils._png import FrameRenderer
from d2lutils._static_page import choice_control, data_uri, fixed_control, static_page

__all__ = ["DEFAULT_MAX_FRAMES", "InteractiveFigure", "WIDGET_VIEW", "interactive_figure",
           "strip_live_views"]

DEFAULT_MAX_FRAMES = 48


class InteractiveFigure:
    """A figure driven by named controls; see :func:`interactive_figure`.

    ``.values`` holds each control's current value, ``.choices`` the choices of each choice
    control and ``.static_choices`` those that get a frame in the static page.

    Raises:
        TypeError: ``draw`` is not callable, ``crop`` is not a bool, a control is neither a list
            of choices nor a widget, or ``initial``/``static`` is not a mapping (``static``:
            nor a bool).
        ValueError: ``max_frames`` is not a positive int; no controls, a name that is not a
            Python identifier, a control without choices or with repeated ones; or
            ``initial``/``static`` name an unknown control, a value outside its choices, or
            more frames than ``max_frames``.
    """

    def __init__(
        self,
        draw: Callable[..., Figure],
        controls: Mapping[str, Sequence[object] | widgets.ValueWidget],
        *,
        initial: Mapping[str, object] | None = None,
        static: bool | Mapping[str, Sequence[object]] = True,
        max_frames: int = DEFAULT_MAX_FRAMES,
        cache: bool = True,
        crop: bool = True,
    ) -> None:
        if not callable(draw):
            raise TypeError(f"draw must be a function returning a matplotlib Figure, got {draw!r}")
        if isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 1:
            raise ValueError(f"max_frames must be a positive int, got {max_frames!r}")
        if not isinstance(crop, bool):
            raise TypeError(f"crop must be True or False, got {crop!r}")
        self.draw = draw
        self.crop = crop
        self.choices, self.free = _choices.split_controls(controls)
        self.values = _choices.start_values(self.choices, self.free, initial)
        self.static_choices = _choices.static_subset(self.choices, self.values, static, max_frames)
        self._cache = cache
        self._renderer = FrameRenderer()  # kept between frames: each redraw measures less text
        self._pngs: dict[str, bytes] = {}  # frame cache: what draw gave, as PNG
        self._uris: dict[str, str] = {}  # the same frames compacted for the static page
        self._view: LiveView | None = None

    # -- drawing --------------------------------------------------------------------------------
    def _args(self, values: Mapping[str, object]) -> tuple[str, dict[str, object]]:
        """The cache key and the full arguments of ``draw`` for ``values`` (the rest as now)."""
        args = {**self.values, **_choices.checked_values(self.choices, list(self.values), values)}
        return repr(sorted(args.items())), args

    def render(self, **values: object) -> bytes:
        """PNG bytes of the figure at ``values`` (unnamed controls keep their current value).

        Raises:
            TypeError: ``draw`` returned something other than a matplotlib Figure.
            ValueError: a value names an unknown control or lies outside its choices.
        """
        key, args = self._args(values)
        if key in self._pngs:
            return self._pngs[key]
        fig = self.draw(**args)
        if not isinstance(fig, Figure):
            raise TypeError(
                f"draw must return a matplotlib Figure, got {type(fig).__name__} "
                f"(for values {args})"
            )
        png = self._renderer.png(fig, self.crop)
        if self._cache:
            self._pngs[key] = png
        return png

    def _data_uri(self, values: Mapping[str, object]) -> str:
        """The frame at ``values`` as the static page embeds it, compacted once and cached."""
        key, _ = self._args(values)
        if key in self._uris:
            return self._uris[key]
        uri = data_uri(self.render(**values))
        if self._cache:
            self._uris[key] = uri
        return uri

    def clear_cache(self) -> None:
        """Forget rendered frames, so the next ``render`` draws again (used to time redraws)."""
        self._pngs.clear()
        self._uris.clear()

    # -- live version ---------------------------------------------------------------------------
    def widget(self) -> widgets.Widget:
        """The live ipywidgets version (built once)."""
        if self._view is None:
            controls = {
                name: self.free[name] if name in self.free
                else make_control(name, self.choices[name], self.values[name])
                for name in self.values
            }
            self._view = LiveView(controls, self.render(), lambda n, v: self.set(**{n: v}))
        return self._view.box

    def set(self, **values: object) -> None:
        """Change controls and redraw the live figure (what moving a slider does)."""
        png = self.render(**values)
        self.values.update(_choices.checked_values(self.choices, list(self.values), values))
        if self._view is not None:
            self._view.show(png, {name: self.values[name] for name in values})

    # -- static version -------------------------------------------------------------------------
    def _static_frames(self) -> Iterator[tuple[str, dict[str, object]]]:
        """(key, values) of every precomputed frame; the key joins the choice indices with '|'."""
        names = list(self.choices)
        for combo in itertools.product(*(self.static_choices[n] for n in names)):
            values = dict(zip(names, combo, strict=True))
            yield "|".join(str(self._position(n, v)) for n, v in values.items()), values

    def _position(self, name: str, value: object) -> int:
        return self.choices[name].index(value)  # value is one of the listed choices

    def frames(self) -> dict[str, bytes]:
        """Every precomputed frame, keyed by the choice indices joined with '|'."""
        return {key: self.render(**values) for key, values in self._static_frames()}

    def _static_start(self, name: str) -> int:
        """The choice the book shows first: the current one if it has frames, else the first."""
        subset = self.static_choices[name]
        value = self.values[name] if self.values[name] in subset else subset[0]
        return self._position(name, value)

    def static_html(self) -> str:
        """Self-contained HTML: the controls, the precomputed frames and inline JavaScript."""
        frames = {key: self._data_uri(values) for key, values in self._static_frames()}
        controls = [
            choice_control(
                name, self.choices[name],
                [self._position(name, v) for v in self.static_choices[name]],
                self._static_start(name),
            )
            for name in self.choices
        ]
        controls += [fixed_control(name, w.value) for name, w in self.free.items()]
        start = [self._static_start(name) for name in self.choices]
        return static_page(getattr(self.draw, "__qualname__", ""), controls, list(self.choices),
                           start, frames)

    def __repr__(self) -> str:
        controls = ", ".join(f"{k}={_choices.label(v)}" for k, v in self.values.items())
        frames = _choices.frame_count(self.static_choices)
        return f"<interactive figure: {controls}; {frames} precomputed frame(s)>"

    def _repr_mimebundle_(self, **include_exclude: object) -> dict:
        """Both versions in one output; IPython itself drops what ``include``/``exclude`` ask."""
        bundle = dict(self.widget()._repr_mimebundle_())
        bundle["text/html"] = self.static_html()
        bundle["text/plain"] = repr(self)
        return bundle


def interactive_figure(
    draw: Callable[..., Figure],
    controls: Mapping[str, Sequence[object] | widgets.ValueWidget] | None = None,
    *,
    initial: Mapping[str, object] | None = None,
    static: bool | Mapping[str, Sequence[object]] = True,
    max_frames: int = DEFAULT_MAX_FRAMES,
    crop: bool = True,
    **unknown: object,
) -> InteractiveFigure:
    """A figure the reader steers: ``draw(**values) -> Figure`` and one list of choices per control.

    ``controls`` maps each control's name (any Python identifier, ``static`` included) to its
    list of choices, e.g. ``{"depth": [2, 5, 10]}``; the options that follow are keywords.
    A control given as an ipywidgets widget (a text box, say) is live-only: the static version
    shows the figure at its initial value. ``static`` picks which choices get precomputed frames
    for the book: ``True`` (default) all of them, ``False`` only the initial figure, or a mapping
    ``{name: [choices]}`` whose unnamed controls stay at their initial value; at most
    ``max_frames`` frames in all. ``crop=False`` renders the whole canvas instead of cropping it
    tight: every frame then has the same size and draws about a third faster, but ``draw`` must
    fit its figure into the canvas itself (``fig.subplots_adjust(...)`` or a layout engine).

    Raises:
        TypeError: an unknown option, or a bad ``draw``, control or ``crop`` (see
            :class:`InteractiveFigure`).
        ValueError: a control without choices, or ``initial``/``static``/``max_frames`` out
            of range (see :class:`InteractiveFigure`).
    """
    if unknown:
        raise TypeError(
            f"interactive_figure has no option(s) {sorted(unknown)}; its options are initial, "
            "static, max_frames and crop, and controls go in one mapping, e.g. "
            'interactive_figure(draw, {"depth": [2, 5, 10]})'
        )
    return InteractiveFigure(
        draw, controls, initial=initial, static=static, max_frames=max_frames, crop=crop
    )
