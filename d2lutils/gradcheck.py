"""Check a gradient against central finite differences.

``numerical_grad(f, x)`` estimates ∂f/∂x entry by entry with
(f(x + h) − f(x − h)) / 2h; ``rel_error`` compares two arrays; ``check_grad`` does both and
raises an ``AssertionError`` naming the worst entry when they disagree.
"""

from __future__ import annotations

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


def rel_error(a: ArrayLike, b: ArrayLike, floor: float = 1e-8) -> float:
    """max |a − b| / max(|a| + |b|, floor), over all entries (0 for two empty arrays)."""
    a64, b64 = _as_float64("a", a), _as_float64("b", b)
    if a64.shape != b64.shape:
        raise ValueError(f"a and b must have the same shape, got {a64.shape} and {b64.shape}")
    if not floor > 0:
        raise ValueError(f"floor must be positive, got floor={floor!r}")
    if a64.size == 0:
        return 0.0
    return float(np.max(np.abs(a64 - b64) / np.maximum(floor, np.abs(a64) + np.abs(b64))))


def numerical_grad(f: Callable[[ArrayLike], object], x: ArrayLike, h: float = 1e-5) -> ArrayLike:
    """Central-difference gradient of the scalar function ``f`` at ``x`` (same type and shape).

    ``x`` is perturbed in place, one entry at a time, and restored; ``f`` must return a scalar.
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {f!r}")
    if not isinstance(x, (np.ndarray, torch.Tensor)):
        raise TypeError(f"x must be a NumPy array or a torch tensor, got {type(x).__name__}")
    if not (isinstance(h, (int, float)) and h > 0):
        raise ValueError(f"h must be a positive step size, got h={h!r}")
    if not (x.dtype.is_floating_point if isinstance(x, torch.Tensor) else x.dtype.kind == "f"):
        raise TypeError(f"x must hold floating-point numbers, got dtype {x.dtype}")

    def value() -> float:
        out = f(x)
        if isinstance(out, torch.Tensor):
            if out.numel() != 1:
                raise ValueError(f"f must return a scalar, got shape {tuple(out.shape)}")
            return out.item()
        out = np.asarray(out)
        if out.size != 1:
            raise ValueError(f"f must return a scalar, got shape {out.shape}")
        return float(out)

    data = x.detach() if isinstance(x, torch.Tensor) else x
    flat = data.reshape(-1)
    contiguous = data.is_contiguous() if isinstance(x, torch.Tensor) else x.flags.c_contiguous
    if not contiguous or (isinstance(x, np.ndarray) and not x.flags.writeable):
        raise ValueError("x must be a contiguous, writable array so it can be perturbed in place")
    grad = np.zeros(flat.shape[0], dtype=np.float64)
    with torch.no_grad():
        for i in range(flat.shape[0]):
            old = float(flat[i])
            flat[i] = old + h
            plus = value()
            flat[i] = old - h
            minus = value()
            flat[i] = old
            grad[i] = (plus - minus) / (2 * h)
    grad = grad.reshape(tuple(x.shape))
    if isinstance(x, torch.Tensor):
        return torch.from_numpy(grad).to(dtype=x.dtype, device=x.device)
    return grad.astype(x.dtype)


def check_grad(
    f: Callable[[ArrayLike], object],
    x: ArrayLike,
    grad: ArrayLike | None = None,
    *,
    h: float = 1e-5,
    tol: float = 1e-6,
    name: str = "x",
) -> float:
    """Compare ``grad`` (default: autograd's ∂f/∂x) with central differences; return the error.

    Raises ``AssertionError`` naming the entry with the largest relative error when it exceeds
    ``tol``. Use float64 inputs: in float32 round-off alone is about 1e-3 at these step sizes.
    """
    if not (isinstance(tol, (int, float)) and tol > 0):
        raise ValueError(f"tol must be positive, got tol={tol!r}")
    if grad is None:
        if not isinstance(x, torch.Tensor):
            raise TypeError("without grad=..., x must be a torch tensor so autograd can give it")
        leaf = x.detach().clone().requires_grad_(True)
        out = f(leaf)
        if not isinstance(out, torch.Tensor) or out.numel() != 1:
            raise ValueError("f must return a scalar tensor for autograd")
        (grad,) = torch.autograd.grad(out, leaf)
    analytic = _as_float64("grad", grad)
    if analytic.shape != tuple(x.shape):
        raise ValueError(f"grad has shape {analytic.shape} but {name} has shape {tuple(x.shape)}")
    numeric = _as_float64("numeric", numerical_grad(f, x, h))
    err = rel_error(analytic, numeric)
    if err > tol:
        denom = np.maximum(1e-8, np.abs(analytic) + np.abs(numeric))
        idx = np.unravel_index(int(np.argmax(np.abs(analytic - numeric) / denom)), numeric.shape)
        raise AssertionError(
            f"gradient check failed for {name}{[int(i) for i in idx]}: "
            f"analytic {analytic[idx]:.6g}, "
            f"numeric {numeric[idx]:.6g}, relative error {err:.2e} > tol {tol:.0e}"
        )
    return err
