"""The live version of an interactive figure in Jupyter: ipywidgets controls above the picture."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping

import ipywidgets as widgets

from d2lutils._choices import is_number, label


def make_control(name: str, options: list[object], value: object) -> widgets.ValueWidget:
    """A slider for numbers, buttons for up to four words, a drop-down menu for more."""
    labelled = [(label(v), v) for v in options]
    common = {"options": labelled, "value": value, "description": name,
              "style": {"description_width": "initial"}}
    if all(is_number(v) for v in options):
        return widgets.SelectionSlider(continuous_update=False, **common)
    if len(options) <= 4:
        return widgets.ToggleButtons(**common)
    return widgets.Dropdown(**common)


class LiveView:
    """The controls, a line for error messages, and the picture, in one box (``.box``).

    Moving a control calls ``on_change(name, value)``, which draws and calls :meth:`show`; an
    error it raises is also shown above the picture, so the reader sees what went wrong.
    """

    def __init__(
        self,
        controls: Mapping[str, widgets.ValueWidget],
        png: bytes,
        on_change: Callable[[str, object], None],
    ) -> None:
        # At its own size (a flex box would stretch it), shrunk only to fit a narrow page.
        picture = {"width": "auto", "max_width": "100%", "object_fit": "contain"}
        self.image = widgets.Image(value=png, layout=picture)  # format: PNG by default
        self.message = widgets.HTML()
        self.controls = dict(controls)
        self._on_change = on_change
        self._syncing = False
        for name, control in self.controls.items():
            control.observe(lambda change, name=name: self._moved(name, change["new"]), "value")
        row = widgets.HBox(list(self.controls.values()), layout={"flex_flow": "row wrap"})
        self.box = widgets.VBox(
            [row, self.message, self.image], layout={"align_items": "flex-start"}
        )

    def _moved(self, name: str, value: object) -> None:
        if self._syncing:
            return
        try:
            self._on_change(name, value)
        except Exception as err:
            self.message.value = f"<pre>{html.escape(f'{type(err).__name__}: {err}')}</pre>"
            raise

    def show(self, png: bytes, values: Mapping[str, object]) -> None:
        """Show ``png`` and move the named controls to ``values`` without drawing again."""
        self.image.value = png
        self.message.value = ""
        self._syncing = True
        try:
            for name, value in values.items():
                if self.controls[name].value != value:
                    self.controls[name].value = value
        finally:
            self._syncing = False
