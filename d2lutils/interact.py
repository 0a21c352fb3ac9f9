"""Interactive figures: one call gives live widgets in Jupyter and a kernel-free page for the book.

``interactive_figure(draw, depth=[2, 5, 10], activation=["relu", "tanh"])`` calls
``draw(depth=..., activation=...)`` (which returns a matplotlib Figure) whenever a control moves.
Displayed in JupyterLab it is a set of ipywidgets above the picture. The same output also
carries an HTML version with every combination of the choices drawn in advance (or the subset
named by ``static=``) and a few lines of inline JavaScript, so the static HTML book lets the
reader move the same controls with no kernel and nothing loaded from the internet.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
from collections.abc import Callable, Mapping, Sequence

import ipywidgets as widgets
from matplotlib.figure import Figure

from d2lutils.plot import figure_to_png

DEFAULT_MAX_FRAMES = 48


def _label(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class InteractiveFigure:
    """A figure driven by named controls; see :func:`interactive_figure`."""

    def __init__(
        self,
        draw: Callable[..., Figure],
        controls: Mapping[str, Sequence[object] | widgets.ValueWidget],
        *,
        initial: Mapping[str, object] | None = None,
        static: bool | Mapping[str, Sequence[object]] = True,
        max_frames: int = DEFAULT_MAX_FRAMES,
        cache: bool = True,
    ) -> None:
        if not callable(draw):
            raise TypeError(f"draw must be a function returning a matplotlib Figure, got {draw!r}")
        if not controls:
            raise ValueError("give at least one control, e.g. depth=[2, 5, 10]")
        if isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 1:
            raise ValueError(f"max_frames must be a positive int, got {max_frames!r}")
        self.draw = draw
        self.choices: dict[str, list[object]] = {}
        self.free: dict[str, widgets.ValueWidget] = {}  # live-only controls (e.g. a text box)
        for name, spec in controls.items():
            if isinstance(spec, widgets.ValueWidget):
                self.free[name] = spec
            elif isinstance(spec, (str, bytes)) or not isinstance(spec, Sequence) or not spec:
                raise ValueError(
                    f"control {name!r} must be a non-empty list of choices or a widget, "
                    f"got {spec!r}"
                )
            elif len(set(map(repr, spec))) != len(spec):
                raise ValueError(f"control {name!r} has repeated choices: {list(spec)!r}")
            else:
                self.choices[name] = list(spec)
        self.values: dict[str, object] = {n: c[0] for n, c in self.choices.items()}
        self.values.update({n: w.value for n, w in self.free.items()})
        for name, value in dict(initial or {}).items():
            if name not in self.choices:
                raise ValueError(f"initial names {name!r}, which is not a choice control")
            if value not in self.choices[name]:
                raise ValueError(f"initial {name}={value!r} is not one of {self.choices[name]!r}")
            self.values[name] = value
        self.static_choices = self._static_choices(static, max_frames)
        self._cache: dict[str, bytes] | None = {} if cache else None
        self._widget: widgets.Widget | None = None
        self._image: widgets.Image | None = None

    def _static_choices(
        self, static: bool | Mapping[str, Sequence[object]], max_frames: int
    ) -> dict[str, list[object]]:
        if static is True:
            chosen = dict(self.choices)
        elif static is False:
            chosen = {n: [self.values[n]] for n in self.choices}
        elif isinstance(static, Mapping):
            chosen = {n: [self.values[n]] for n in self.choices}
            for name, subset in static.items():
                if name not in self.choices:
                    raise ValueError(f"static names {name!r}, which is not a choice control")
                bad = [v for v in subset if v not in self.choices[name]]
                if bad or not subset:
                    raise ValueError(
                        f"static {name}={list(subset)!r} must be a non-empty subset "
                        f"of {self.choices[name]!r}"
                    )
                chosen[name] = list(subset)
        else:
            raise TypeError(
                f"static must be True, False or a mapping name -> choices, got {static!r}"
            )
        n = 1
        for c in chosen.values():
            n *= len(c)
        if n > max_frames:
            raise ValueError(
                f"the static version would need {n} frames (more than max_frames={max_frames}); "
                "pass static={name: [a few choices]} to draw fewer"
            )
        return chosen

    # -- drawing --------------------------------------------------------------------------------
    def render(self, **values: object) -> bytes:
        """PNG bytes of the figure at ``values`` (unnamed controls keep their current value)."""
        unknown = set(values) - set(self.values)
        if unknown:
            raise ValueError(
                f"unknown control(s) {sorted(unknown)}; controls are {list(self.values)}"
            )
        for name, value in values.items():
            if name in self.choices and value not in self.choices[name]:
                raise ValueError(f"{name}={value!r} is not one of {self.choices[name]!r}")
        args = {**self.values, **values}
        key = repr(sorted(args.items()))
        if self._cache is not None and key in self._cache:
            return self._cache[key]
        fig = self.draw(**args)
        if not isinstance(fig, Figure):
            raise TypeError(f"draw must return a matplotlib Figure, got {type(fig).__name__}")
        png = figure_to_png(fig)
        if self._cache is not None:
            self._cache[key] = png
        return png

    def clear_cache(self) -> None:
        """Forget rendered frames, so the next ``render`` draws again (used to time redraws)."""
        if self._cache is not None:
            self._cache.clear()

    # -- live version ---------------------------------------------------------------------------
    def _control(self, name: str) -> widgets.ValueWidget:
        if name in self.free:
            return self.free[name]
        options = [(_label(v), v) for v in self.choices[name]]
        style = {"description_width": "initial"}
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in self.choices[name]):
            return widgets.SelectionSlider(
                options=options,
                value=self.values[name],
                description=name,
                continuous_update=False,
                style=style,
            )
        if len(options) <= 4:
            return widgets.ToggleButtons(
                options=options, value=self.values[name], description=name, style=style
            )
        return widgets.Dropdown(
            options=options, value=self.values[name], description=name, style=style
        )

    def widget(self) -> widgets.Widget:
        """The live ipywidgets version (built once)."""
        if self._widget is None:
            self._image = widgets.Image(value=self.render(), format="png")
            controls = []
            for name in self.values:
                control = self._control(name)
                control.observe(
                    lambda change, name=name: self.set(**{name: change["new"]}), names="value"
                )
                controls.append(control)
            self._widget = widgets.VBox(
                [widgets.HBox(controls, layout={"flex_flow": "row wrap"}), self._image]
            )
        return self._widget

    def set(self, **values: object) -> None:
        """Change controls and redraw the live figure (what moving a slider does)."""
        png = self.render(**values)
        self.values.update(values)
        if self._image is not None:
            self._image.value = png

    # -- static version -------------------------------------------------------------------------
    def frames(self) -> dict[str, bytes]:
        """Every precomputed frame, keyed by the choice indices joined with '|'."""
        names = list(self.choices)
        out = {}
        for combo in itertools.product(*(self.static_choices[n] for n in names)):
            key = "|".join(
                str(self.choices[n].index(v)) for n, v in zip(names, combo, strict=False)
            )
            out[key] = self.render(**dict(zip(names, combo, strict=False)))
        return out

    def static_html(self) -> str:
        """Self-contained HTML: the controls, the precomputed frames and inline JavaScript."""
        frames = {
            k: "data:image/png;base64," + base64.b64encode(v).decode()
            for k, v in self.frames().items()
        }
        uid = (
            "d2l-fig-"
            + hashlib.sha1(
                json.dumps([getattr(self.draw, "__qualname__", ""), list(frames)]).encode()
                + b"".join(v.encode() for v in frames.values())
            ).hexdigest()[:10]
        )
        rows = []
        for name, options in self.choices.items():
            allowed = [options.index(v) for v in self.static_choices[name]]
            current = options.index(self.values[name])
            if len(allowed) == 1:
                rows.append(
                    f"<span>{html.escape(name)} = {html.escape(_label(options[current]))}</span>"
                )
                continue
            opts = "".join(
                f'<option value="{i}"{" selected" if i == current else ""}>'
                f"{html.escape(_label(options[i]))}</option>"
                for i in allowed
            )
            rows.append(
                f'<label>{html.escape(name)} <select data-name="{html.escape(name)}">'
                f"{opts}</select></label>"
            )
        for name, w in self.free.items():
            rows.append(f"<span>{html.escape(name)} = {html.escape(_label(w.value))}</span>")
        start = "|".join(str(self.choices[n].index(self.values[n])) for n in self.choices)
        fixed = [[n, str(self.choices[n].index(self.values[n]))] for n in self.choices]
        script = (
            "(function(){var root=document.getElementById(" + json.dumps(uid) + ");"
            "var frames=" + json.dumps(frames) + ";var fixed=" + json.dumps(fixed) + ";"
            "var sels=root.querySelectorAll('select');"
            "function show(){var key=fixed.map(function(v){var s=root.querySelector("
            "'select[data-name=\"'+v[0]+'\"]');return s?s.value:v[1];}).join('|');"
            "root.querySelector('img').src=frames[key];}"
            "sels.forEach(function(s){s.addEventListener('change',show);});})();"
        )
        return (
            f'<div id="{uid}" class="d2l-interactive">'
            f'<div class="d2l-controls" style="display:flex;gap:1em;flex-wrap:wrap">'
            f'{"".join(rows)}</div><img alt="interactive figure" src="{frames[start]}"/>'
            f"<script>{script}</script></div>"
        )

    def __repr__(self) -> str:
        n = 1
        for c in self.static_choices.values():
            n *= len(c)
        controls = ", ".join(f"{k}={_label(v)}" for k, v in self.values.items())
        return f"<interactive figure: {controls}; {n} precomputed frame(s)>"

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict:
        bundle = dict(self.widget()._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/html"] = self.static_html()
        bundle["text/plain"] = repr(self)
        return bundle


def interactive_figure(
    draw: Callable[..., Figure],
    *,
    initial: Mapping[str, object] | None = None,
    static: bool | Mapping[str, Sequence[object]] = True,
    max_frames: int = DEFAULT_MAX_FRAMES,
    **controls: Sequence[object] | widgets.ValueWidget,
) -> InteractiveFigure:
    """A figure the reader steers: ``draw(**values) -> Figure`` and one list of choices per control.

    A control given as an ipywidgets widget (a text box, say) is live-only: the static version
    shows the figure at its initial value. ``static`` picks which choices get precomputed frames
    for the book (all by default, at most ``max_frames``).
    """
    return InteractiveFigure(draw, controls, initial=initial, static=static, max_frames=max_frames)
