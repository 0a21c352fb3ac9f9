"""The controls of an interactive figure, checked: names, lists of choices, initial values, subsets.

Each function raises a ``ValueError`` or ``TypeError`` that names the control and the bad value,
before anything is drawn. A value matches a choice when it is the choice or equals it (``1`` finds
``1.0``), and the figure only ever passes the listed choice itself to ``draw``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ipywidgets as widgets


def label(value: object) -> str:
    """How a choice is shown to the reader: floats in short form (``0.001``, ``1e-05``)."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def is_number(value: object) -> bool:
    """True for ints and floats (a slider), False for ``True``/``False`` and words (buttons)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def position(choices: Sequence[object], value: object) -> int | None:
    """The index of the choice ``value`` matches, or ``None``."""
    for i, choice in enumerate(choices):
        if choice is value or choice == value:
            return i
    return None


def as_choices(what: str, spec: object) -> list[object]:
    """``spec`` as a list of distinct choices (a 1-d NumPy array or tensor is fine)."""
    if hasattr(spec, "tolist") and getattr(spec, "ndim", None) == 1:
        spec = spec.tolist()
    if isinstance(spec, (str, bytes)) or not isinstance(spec, Sequence) or len(spec) == 0:
        raise ValueError(f"{what} must be a non-empty list of choices, got {spec!r}")
    values = list(spec)
    for i, a in enumerate(values):  # equal (1 and 1.0) or shown alike (0.1 and 0.1000001)
        for b in values[:i]:
            if a == b or label(a) == label(b):
                raise ValueError(f"{what} has repeated choices ({a!r} and {b!r}): {values!r}")
    return values


def split_controls(
    controls: object,
) -> tuple[dict[str, list[object]], dict[str, widgets.ValueWidget]]:
    """The choice controls (name -> choices) and the live-only ones (name -> widget)."""
    if not isinstance(controls, Mapping):
        raise TypeError(
            f'controls must be a mapping name -> choices, e.g. {{"depth": [2, 5, 10]}}, '
            f"got {controls!r}"
        )
    if not controls:
        raise ValueError('give at least one control, e.g. {"depth": [2, 5, 10]}')
    choices: dict[str, list[object]] = {}
    free: dict[str, widgets.ValueWidget] = {}
    for name, spec in controls.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"control names must be Python identifiers, got {name!r}")
        if isinstance(spec, widgets.ValueWidget):
            free[name] = spec
        else:
            choices[name] = as_choices(f"control {name!r}", spec)
    return choices, free


def _choice_control(what: str, name: object, choices: Mapping[str, list[object]]) -> list[object]:
    if name not in choices:
        raise ValueError(
            f"{what} names {name!r}, which is not a choice control; "
            f"choice controls are {list(choices)}"
        )
    return choices[name]


def start_values(
    choices: Mapping[str, list[object]],
    free: Mapping[str, widgets.ValueWidget],
    initial: object,
) -> dict[str, object]:
    """Each control's first value: its first choice, the widget's value, or ``initial[name]``."""
    if initial is not None and not isinstance(initial, Mapping):
        raise TypeError(f"initial must be a mapping name -> value, got {initial!r}")
    values: dict[str, object] = {name: options[0] for name, options in choices.items()}
    values.update({name: w.value for name, w in free.items()})
    for name, value in (initial or {}).items():
        options = _choice_control("initial", name, choices)
        i = position(options, value)
        if i is None:
            raise ValueError(f"initial {name}={value!r} is not one of {options!r}")
        values[name] = options[i]
    return values


def static_subset(
    choices: Mapping[str, list[object]],
    values: Mapping[str, object],
    static: object,
    max_frames: int,
) -> dict[str, list[object]]:
    """The choices that get a precomputed frame (``static=True``, ``False`` or a mapping)."""
    if static is True:
        chosen = {name: list(options) for name, options in choices.items()}
    elif static is False or isinstance(static, Mapping):
        chosen = {name: [values[name]] for name in choices}
        for name, subset in (static or {}).items():
            options = _choice_control("static", name, choices)
            picked = as_choices(f"static {name}", subset)
            bad = [v for v in picked if position(options, v) is None]
            if bad:
                raise ValueError(
                    f"static {name}={picked!r}: {bad!r} not among the choices {options!r}"
                )
            chosen[name] = [options[position(options, v)] for v in picked]
    else:
        raise TypeError(f"static must be True, False or a mapping name -> choices, got {static!r}")
    n = frame_count(chosen)
    if n > max_frames:
        raise ValueError(
            f"the static version would need {n} frames (more than max_frames={max_frames}); "
            "pass static={name: [a few choices]} to draw fewer"
        )
    return chosen


def frame_count(chosen: Mapping[str, list[object]]) -> int:
    """How many combinations of the chosen values there are."""
    n = 1
    for options in chosen.values():
        n *= len(options)
    return n


def checked_values(
    choices: Mapping[str, list[object]], names: Sequence[str], values: Mapping[str, object]
) -> dict[str, object]:
    """``values`` with each choice replaced by the listed one; unknown names or values raise."""
    unknown = set(values) - set(names)
    if unknown:
        raise ValueError(f"unknown control(s) {sorted(unknown)}; controls are {list(names)}")
    out = {}
    for name, value in values.items():
        if name in choices:
            i = position(choices[name], value)
            if i is None:
                raise ValueError(f"{name}={value!r} is not one of {choices[name]!r}")
            value = choices[name][i]
        out[name] = value
    return out
