"""Interactive figures: one call gives live widgets in Jupyter and a kernel-free page for the book.

``interactive_figure(draw, {"depth": [2, 5, 10], "activation": ["relu", "tanh"]})`` calls
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
import io
import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import ipywidgets as widgets
from matplotlib.figure import Figure

from d2lutils.plot import figure_to_png

DEFAULT_MAX_FRAMES = 48


def _label(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_distinct(what: str, values: list[object]) -> None:
    """Raise if two values are equal (``1`` and ``1.0`` count as the same) or look the same."""
    for i, a in enumerate(values):
        for b in values[:i]:
            if a == b or _label(a) == _label(b):
                raise ValueError(f"{what} has repeated choices ({a!r} and {b!r}): {values!r}")


def _as_choices(what: str, spec: object) -> list[object]:
    if hasattr(spec, "tolist") and getattr(spec, "ndim", None) == 1:  # a NumPy array or tensor
        spec = spec.tolist()
    if isinstance(spec, (str, bytes)) or not isinstance(spec, Sequence) or len(spec) == 0:
        raise ValueError(f"{what} must be a non-empty list of choices, got {spec!r}")
    values = list(spec)
    _check_distinct(what, values)
    return values


def _compact_png(png: bytes) -> bytes:
    """The same picture with a palette of at most 256 colours (plots need no more): 2-3x smaller.

    Pictures with transparency are left alone, and so is any picture the palette does not shrink.
    """
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        if im.mode not in ("RGB", "RGBA") or (im.mode == "RGBA" and im.getextrema()[3][0] < 255):
            return png
        rgb = im.convert("RGB")
        if rgb.getcolors(256) is not None:  # few colours: the palette is exact
            small = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=256)
        else:
            small = rgb.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        buf = io.BytesIO()
        small.save(buf, format="PNG", optimize=True)
    return buf.getvalue() if buf.tell() < len(png) else png


def _index(choices: list[object], value: object) -> int:
    for i, c in enumerate(choices):
        if c == value:
            return i
    raise ValueError(f"{value!r} is not one of {choices!r}")


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
        crop: bool = True,
    ) -> None:
        if not callable(draw):
            raise TypeError(f"draw must be a function returning a matplotlib Figure, got {draw!r}")
        if not isinstance(controls, Mapping) or not controls:
            raise ValueError("give at least one control, e.g. depth=[2, 5, 10]")
        if isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 1:
            raise ValueError(f"max_frames must be a positive int, got {max_frames!r}")
        if not isinstance(crop, bool):
            raise TypeError(f"crop must be True or False, got {crop!r}")
        if initial is not None and not isinstance(initial, Mapping):
            raise TypeError(f"initial must be a mapping name -> value, got {initial!r}")
        self.draw = draw
        self.crop = crop
        self.choices: dict[str, list[object]] = {}
        self.free: dict[str, widgets.ValueWidget] = {}  # live-only controls (e.g. a text box)
        for name, spec in controls.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"control names must be Python identifiers, got {name!r}")
            if isinstance(spec, widgets.ValueWidget):
                self.free[name] = spec
            else:
                self.choices[name] = _as_choices(f"control {name!r}", spec)
        self.values: dict[str, object] = {n: c[0] for n, c in self.choices.items()}
        self.values.update({n: w.value for n, w in self.free.items()})
        for name, value in dict(initial or {}).items():
            if name not in self.choices:
                raise ValueError(
                    f"initial names {name!r}, which is not a choice control; "
                    f"choice controls are {list(self.choices)}"
                )
            if value not in self.choices[name]:
                raise ValueError(f"initial {name}={value!r} is not one of {self.choices[name]!r}")
            self.values[name] = self.choices[name][_index(self.choices[name], value)]
        self.static_choices = self._static_choices(static, max_frames)
        self._cache: dict[str, bytes] | None = {} if cache else None
        self._widget: widgets.Widget | None = None
        self._image: widgets.Image | None = None
        self._controls: dict[str, widgets.ValueWidget] = {}
        self._message: widgets.HTML | None = None
        self._syncing = False

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
                    raise ValueError(
                        f"static names {name!r}, which is not a choice control; "
                        f"choice controls are {list(self.choices)}"
                    )
                values = _as_choices(f"static {name}", subset)
                bad = [v for v in values if v not in self.choices[name]]
                if bad:
                    raise ValueError(
                        f"static {name}={values!r}: {bad!r} not among the choices "
                        f"{self.choices[name]!r}"
                    )
                chosen[name] = [self.choices[name][_index(self.choices[name], v)] for v in values]
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
    def _validate(self, values: Mapping[str, object]) -> None:
        unknown = set(values) - set(self.values)
        if unknown:
            raise ValueError(
                f"unknown control(s) {sorted(unknown)}; controls are {list(self.values)}"
            )
        for name, value in values.items():
            if name in self.choices and value not in self.choices[name]:
                raise ValueError(f"{name}={value!r} is not one of {self.choices[name]!r}")

    def _canonical(self, values: Mapping[str, object]) -> dict[str, object]:
        """The listed choice for each value (``1.0`` for ``1``): draw only ever sees the choices."""
        return {
            n: self.choices[n][_index(self.choices[n], v)] if n in self.choices else v
            for n, v in values.items()
        }

    def render(self, **values: object) -> bytes:
        """PNG bytes of the figure at ``values`` (unnamed controls keep their current value)."""
        self._validate(values)
        args = {**self.values, **self._canonical(values)}
        key = repr(sorted(args.items()))
        if self._cache is not None and key in self._cache:
            return self._cache[key]
        fig = self.draw(**args)
        if not isinstance(fig, Figure):
            raise TypeError(
                f"draw must return a matplotlib Figure, got {type(fig).__name__} "
                f"(for values {args})"
            )
        png = figure_to_png(fig, crop=self.crop)
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
        if all(_is_number(v) for v in self.choices[name]):
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

    def _on_change(self, name: str, new: object) -> None:
        if self._syncing:
            return
        try:
            self.set(**{name: new})
        except Exception as err:  # show the reader what went wrong instead of a silent log
            if self._message is not None:
                self._message.value = f"<pre>{html.escape(f'{type(err).__name__}: {err}')}</pre>"
            raise

    def widget(self) -> widgets.Widget:
        """The live ipywidgets version (built once)."""
        if self._widget is None:
            # At its own size (a flex box would stretch it), shrunk only to fit a narrow page.
            picture = {"width": "auto", "max_width": "100%", "object_fit": "contain"}
            self._image = widgets.Image(value=self.render(), format="png", layout=picture)
            self._message = widgets.HTML("")
            for name in self.values:
                control = self._control(name)
                control.observe(
                    lambda change, name=name: self._on_change(name, change["new"]), names="value"
                )
                self._controls[name] = control
            self._widget = widgets.VBox(
                [
                    widgets.HBox(list(self._controls.values()), layout={"flex_flow": "row wrap"}),
                    self._message,
                    self._image,
                ],
                layout={"align_items": "flex-start"},
            )
        return self._widget

    def set(self, **values: object) -> None:
        """Change controls and redraw the live figure (what moving a slider does)."""
        png = self.render(**values)
        self.values.update(self._canonical(values))
        if self._image is not None:
            self._image.value = png
            if self._message is not None:
                self._message.value = ""
            self._syncing = True  # move the controls too, without drawing a second time
            try:
                for name in values:
                    if self._controls[name].value != self.values[name]:
                        self._controls[name].value = self.values[name]
            finally:
                self._syncing = False

    # -- static version -------------------------------------------------------------------------
    def frames(self) -> dict[str, bytes]:
        """Every precomputed frame, keyed by the choice indices joined with '|'."""
        names = list(self.choices)
        out = {}
        for combo in itertools.product(*(self.static_choices[n] for n in names)):
            key = "|".join(
                str(_index(self.choices[n], v)) for n, v in zip(names, combo, strict=True)
            )
            out[key] = self.render(**dict(zip(names, combo, strict=True)))
        return out

    def _static_start(self, name: str) -> object:
        """The value the book shows first: the current one if it has frames, else the first."""
        subset = self.static_choices[name]
        return self.values[name] if self.values[name] in subset else subset[0]

    def _static_control(self, name: str) -> str:
        options = self.choices[name]
        allowed = [_index(options, v) for v in self.static_choices[name]]
        position = allowed.index(_index(options, self._static_start(name)))
        labels = [_label(options[i]) for i in allowed]
        esc = html.escape
        if len(allowed) == 1:
            return f"<span>{esc(name)} = {esc(labels[0])}</span>"
        data = (
            f'data-name="{esc(name)}" data-choices="{esc(json.dumps(allowed))}" '
            f'data-labels="{esc(json.dumps(labels))}"'
        )
        if all(_is_number(options[i]) for i in allowed):
            return (
                f'<label>{esc(name)} <input type="range" min="0" max="{len(allowed) - 1}" '
                f'step="1" value="{position}" {data}/> <output>{esc(labels[position])}</output>'
                "</label>"
            )
        opts = "".join(
            f'<option value="{k}"{" selected" if k == position else ""}>{esc(label)}</option>'
            for k, label in enumerate(labels)
        )
        return f"<label>{esc(name)} <select {data}>{opts}</select></label>"

    def static_html(self) -> str:
        """Self-contained HTML: the controls, the precomputed frames and inline JavaScript."""
        frames = {
            k: "data:image/png;base64," + base64.b64encode(_compact_png(v)).decode()
            for k, v in self.frames().items()
        }
        uid = (
            "d2l-fig-"
            + hashlib.sha1(
                json.dumps([getattr(self.draw, "__qualname__", ""), list(frames)]).encode()
                + b"".join(v.encode() for v in frames.values()),
                usedforsecurity=False,
            ).hexdigest()[:10]
        )
        rows = [self._static_control(name) for name in self.choices]
        for name, w in self.free.items():
            rows.append(f"<span>{html.escape(name)} = {html.escape(_label(w.value))}</span>")
        names = list(self.choices)
        start = [str(_index(self.choices[n], self._static_start(n))) for n in names]
        script = (
            "(function(){var s=document.currentScript,root=s&&s.parentNode;"
            "if(!root||!root.classList||!root.classList.contains('d2l-interactive')){"
            "root=document.getElementById(" + json.dumps(uid) + ");}"
            "var frames=" + json.dumps(frames) + ",names=" + json.dumps(names) + ","
            "start=" + json.dumps(start) + ",img=root.querySelector('img');"
            "function show(){var key=names.map(function(n,i){"
            "var el=root.querySelector('[data-name=\"'+n+'\"]');if(!el){return start[i];}"
            "var k=+el.value,out=el.parentNode.querySelector('output');"
            "if(out){out.textContent=JSON.parse(el.getAttribute('data-labels'))[k];}"
            "return String(JSON.parse(el.getAttribute('data-choices'))[k]);}).join('|');"
            "if(frames[key]){img.src=frames[key];}}"
            "root.querySelectorAll('[data-name]').forEach(function(el){"
            "el.addEventListener('input',show);el.addEventListener('change',show);});})();"
        )
        return (
            f'<div id="{uid}" class="d2l-interactive">'
            '<div class="d2l-controls" style="display:flex;gap:1em;flex-wrap:wrap">'
            f'{"".join(rows)}</div><img alt="interactive figure" style="max-width:100%" '
            f'src="{frames["|".join(start)]}"/><script>{script}</script></div>'
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
    controls: Mapping[str, Sequence[object] | widgets.ValueWidget],
    *,
    initial: Mapping[str, object] | None = None,
    static: bool | Mapping[str, Sequence[object]] = True,
    max_frames: int = DEFAULT_MAX_FRAMES,
    crop: bool = True,
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
    """
    return InteractiveFigure(
        draw, controls, initial=initial, static=static, max_frames=max_frames, crop=crop
    )


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def strip_live_views(path: str | Path) -> int:
    """Drop the live-widget part of every stored output of the notebook at ``path``.

    A stored notebook has no kernel behind its widgets, so JupyterLab would show "model not
    found" where the static version (kept) shows the figure. Returns how many were dropped.
    """
    import nbformat

    path = Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(f"path must be an existing .ipynb file, got {str(path)!r}")
    nb = nbformat.read(path, as_version=4)
    dropped = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and len(data) > 1:  # keep outputs with nothing else to show
                del data[WIDGET_VIEW]
                dropped += 1
    if dropped:
        nbformat.write(nb, path)
    return dropped
