"""Self-checking exercises: the notebook stores a digest of the answer, not the answer."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence


def _canonical(answer: object, decimals: int) -> str:
    if isinstance(answer, bool) or answer is None:
        return repr(answer)
    if isinstance(answer, (int, float)):
        if not math.isfinite(answer):
            return repr(float(answer))
        value = round(float(answer), decimals)
        return f"{value + 0.0:.{decimals}f}"  # + 0.0 turns -0.0 into 0.0
    if isinstance(answer, str):
        return answer.strip().lower()
    if isinstance(answer, Sequence):
        return "[" + ",".join(_canonical(a, decimals) for a in answer) + "]"
    if hasattr(answer, "tolist"):  # NumPy arrays and torch tensors
        return _canonical(answer.tolist(), decimals)
    raise TypeError(f"answer must be a number, a string or a list of them, got {answer!r}")


def answer_digest(answer: object, decimals: int = 3) -> str:
    """The digest ``check`` compares with: numbers rounded to ``decimals``, strings lower-cased.

    Raises:
        TypeError: If ``answer`` is not a number, a string, or a list (or array) of them.
        ValueError: If ``decimals`` is not an int from 0 to 12.
    """
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 12:
        raise ValueError(f"decimals must be an int in [0, 12], got {decimals!r}")
    return hashlib.sha256(_canonical(answer, decimals).encode()).hexdigest()[:16]


def check(answer: object, digest: str, decimals: int = 3) -> None:
    """Print whether ``answer`` is right (compared after rounding) without revealing the answer.

    Raises:
        TypeError: If ``answer`` is not a number, a string, or a list (or array) of them.
        ValueError: If ``digest`` is not a 16-character string from :func:`answer_digest`, or
            ``decimals`` is not an int from 0 to 12.
    """
    if not isinstance(digest, str) or len(digest) != 16:
        raise ValueError(f"digest must be a 16-character answer_digest string, got {digest!r}")
    if answer is None:
        print("Replace None with your answer and run the cell again.")
    elif answer_digest(answer, decimals) == digest:
        print("Right!")
    else:
        print(f"Not yet: {answer!r} is not it (compared after rounding to {decimals} decimals).")
