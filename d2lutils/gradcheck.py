"""Check a gradient against central finite differences.

``numerical_grad(f, x)`` estimates ∂f/∂x entry by entry with (f(x + h) − f(x − h)) / 2h;
``rel_error(a, b)`` is the normwise relative error ``max|a − b| / max(|a| + |b|)``; ``check_grad``
does both and raises an ``AssertionError`` naming the worst entry when they disagree.

The error is normwise, not entrywise, on purpose: an entry whose true gradient is 0 comes out
of finite differences as round-off (say 4e-11), and dividing by that entry's own size would
report a 100% error for a correct gradient.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

ArrayLike = np.ndarray | torch.Tensor


def _as_float64(name: str, a: object) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().double().numpy()
    if isinstance(a, (np.ndarray, float, int, np.floating)) and not isinstance(a, bool):
        return np.asarray(a, dtype=np.float64)
    raise TypeError(f"{name} must be a NumPy array or a torch tensor, got {type(a).__name__}")


def _positive(name: str, value: object, *, zero_ok: bool = False) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (value == 0 and not zero_ok):
        kind = "a finite number ≥ 0" if zero_ok else "a finite positive number"
        raise ValueError(f"{name} must be {kind}, got {name}={value!r}")
    return float(value)


def rel_error(a: ArrayLike, b: ArrayLike, *, floor: float = 0.0) -> float:
    """Normwise relative error ``max|a − b| / max(|a| + |b|)`` over all entries.

    0 when both are all-zero (or empty); ``nan`` if either holds a ``nan``. Never larger than
    the entrywise error ``max(|a − b| / (|a| + |b|))``, and unlike it, not fooled by an entry
    whose true value is 0. With ``floor`` the denominator is at least ``floor``: arrays smaller
    than that are compared by their absolute difference, divided by ``floor``, so an all-zero true
    gradient against round-off of size 1e-17 is an error of 1e-17 / floor, not 1.

    Raises:
        TypeError: If ``a`` or ``b`` is neither a NumPy array (or a number) nor a torch tensor.
        ValueError: If ``a`` and ``b`` differ in shape, or ``floor`` is negative or not finite.
    """
    floor = _positive("floor", floor, zero_ok=True)
    a64, b64 = _as_float64("a", a), _as_float64("b", b)
    if a64.shape != b64.shape:
        raise ValueError(f"a and b must have the same shape, got {a64.shape} and {b64.shape}")
    scale = max(float(np.max(np.abs(a64) + np.abs(b64), initial=0.0)), floor)
    if scale == 0:
        return 0.0
    return float(np.max(np.abs(a64 - b64), initial=0.0) / scale)


def numerical_grad(f: Callable[[ArrayLike], object], x: ArrayLike, h: float = 1e-5) -> ArrayLike:
    """Central-difference gradient of the scalar function ``f`` at ``x`` (same type, shape,
    dtype and device as ``x``).

    ``x`` is perturbed in place, one entry at a time, and restored, so it must be a contiguous,
    writable floating-point array; ``f`` must return a finite scalar.

    Raises:
        TypeError: If ``f`` is not callable, or ``x`` is not a floating-point NumPy array or
            torch tensor.
        ValueError: If ``h`` is not a finite positive number, ``x`` is not contiguous or not
            writable, or ``f`` returns something other than one finite number.
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {f!r}")
    if not isinstance(x, (np.ndarray, torch.Tensor)):
        raise TypeError(f"x must be a NumPy array or a torch tensor, got {type(x).__name__}")
    h = _positive("h", h)
    is_torch = isinstance(x, torch.Tensor)
    if not (x.dtype.is_floating_point if is_torch else x.dtype.kind == "f"):
        raise TypeError(f"x must hold floating-point numbers, got dtype {x.dtype}")
    if not (x.is_contiguous() if is_torch else x.flags.c_contiguous):
        raise ValueError("x must be contiguous to be perturbed in place; pass x.copy() / x.clone()")
    if not is_torch and not x.flags.writeable:
        raise ValueError("x must be writable to be perturbed in place; pass x.copy()")

    def value(i: int, sign: str) -> float:
        out = f(x)
        size = out.numel() if isinstance(out, torch.Tensor) else np.size(out)
        if size != 1:
            raise ValueError(f"f must return a scalar, got shape {tuple(np.shape(out))}")
        v = out.item() if isinstance(out, torch.Tensor) else float(np.asarray(out).reshape(()))
        if not math.isfinite(v):
            raise ValueError(
                f"f returned {v} at x[{i}] {sign} h (flat index); the gradient is "
                "undefined there: move x or use a smaller h"
            )
        return v

    flat = (x.detach() if is_torch else x).reshape(-1)
    grad = np.zeros(flat.shape[0])  # float64
    with torch.no_grad():
        for i in range(flat.shape[0]):
            old = float(flat[i])
            try:
                flat[i] = old + h
                plus = value(i, "+")
                flat[i] = old - h
                minus = value(i, "-")
            finally:
                flat[i] = old
            grad[i] = (plus - minus) / (2 * h)
    grad = grad.reshape(tuple(x.shape))
    if is_torch:
        return torch.from_numpy(grad).to(dtype=x.dtype, device=x.device)
    return grad.astype(x.dtype)


def check_grad(
    f: Callable[[ArrayLike], object],
    x: ArrayLike,
    grad: ArrayLike | None = None,
    *,
    h: float = 1e-5,
    tol: float = 1e-6,
    atol: float = 1e-8,
    name: str = "x",
) -> float:
    """Compare ``grad`` (default: autograd's ∂f/∂x) with central differences; return
    ``rel_error(grad, numeric)``.

    The check passes when ``max|grad − numeric| ≤ max(tol · max(|grad| + |numeric|), atol)``;
    otherwise it raises ``AssertionError`` naming the entry with the largest difference.
    ``atol`` matters only when the whole gradient is (nearly) zero: then the numeric one is pure
    round-off, about ``1e-16·|f|/h`` (``1e-11·|f|`` at the default h), and its relative error is
    1 — that is also what is returned. Use float64 inputs: in float32 round-off alone is about
    1e-3 at these step sizes.

    Raises:
        AssertionError: If the gradient and the finite differences disagree (the message names
            the worst entry, both values and the error).
        TypeError: If ``x`` is not a NumPy array or a torch tensor (without ``grad``, not a
            torch tensor), or ``f`` is not callable.
        ValueError: If ``tol``, ``atol`` or ``h`` is out of range, ``f`` does not return a scalar
            tensor that depends on ``x`` (without ``grad``), or ``grad`` has another shape than
            ``x`` or is not finite.
    """
    tol = _positive("tol", tol)
    atol = _positive("atol", atol, zero_ok=True)
    if not isinstance(x, (np.ndarray, torch.Tensor)):
        raise TypeError(f"x must be a NumPy array or a torch tensor, got {type(x).__name__}")
    if grad is None:
        if not isinstance(x, torch.Tensor):
            raise TypeError("without grad=..., x must be a torch tensor so autograd can give it")
        leaf = x.detach().clone().requires_grad_(True)
        out = f(leaf)
        if not isinstance(out, torch.Tensor) or out.numel() != 1:
            raise ValueError("f must return a scalar tensor for autograd")
        if not out.requires_grad:
            raise ValueError("f's output does not depend on x through autograd; pass grad=...")
        (grad,) = torch.autograd.grad(out, leaf)
    analytic = _as_float64("grad", grad)
    if analytic.shape != tuple(x.shape):
        raise ValueError(f"grad has shape {analytic.shape} but {name} has shape {tuple(x.shape)}")
    if not np.all(np.isfinite(analytic)):
        bad = np.argwhere(~np.isfinite(analytic))[0]
        raise ValueError(f"grad is not finite at {name}{[int(i) for i in bad]}")
    numeric = _as_float64("numeric", numerical_grad(f, x, h))
    err = rel_error(analytic, numeric)
    diff = np.abs(analytic - numeric)
    worst = float(np.max(diff, initial=0.0))
    scale = float(np.max(np.abs(analytic) + np.abs(numeric), initial=0.0))
    if worst > max(tol * scale, atol):
        idx = np.unravel_index(int(np.argmax(diff)), diff.shape)
        where = f"{name}{[int(i) for i in idx]}" if idx else name
        raise AssertionError(
            f"gradient check failed for {where}: analytic {analytic[idx]:.6g}, "
            f"numeric {numeric[idx]:.6g}; relative error {err:.2e} > tol {tol:.3g} "
            f"and |difference| {worst:.2e} > atol {atol:.3g}"
        )
    return err
