"""Argument checks shared by several modules."""

from __future__ import annotations

import numpy as np


def check_int(name: str, value: object, low: int) -> int:
    """``value`` as an int; TypeError if it is not one (a bool is not), ValueError below ``low``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be at least {low}, got {name}={value}")
    return int(value)
