"""Pick the device to compute on: CUDA, then Apple's MPS, then the CPU.

Set the environment variable ``D2L_DEVICE`` (``cpu``, ``cuda``, ``cuda:1``, ``mps``) to choose
by hand; without it the best device that actually works is used.
"""

from __future__ import annotations

import os
import platform
import warnings

import torch

ENV_VAR = "D2L_DEVICE"


def _works(device: torch.device) -> bool:
    """True when a tiny computation on ``device`` succeeds (CUDA can be installed yet unusable)."""
    try:
        x = torch.ones(2, device=device)
        return float((x + x).sum().cpu()) == 4.0
    except Exception:  # driver missing, out of memory, unsupported GPU ...
        return False


def _cuda_available() -> bool:
    try:
        return torch.cuda.is_available() and torch.cuda.device_count() > 0
    except Exception:
        return False


def _mps_available() -> bool:
    try:
        return bool(torch.backends.mps.is_available())
    except Exception:  # a PyTorch without the backend, or one that cannot tell
        return False


def _usable(requested: str, source: str) -> torch.device:
    """``torch.device(requested)`` if it can be used, else a ValueError naming ``source``."""
    try:
        device = torch.device(requested)
    except RuntimeError:
        raise ValueError(
            f"{source}={requested!r} is not a device; use 'cpu', 'cuda', 'cuda:N' or 'mps'"
        ) from None
    if device.type == "cuda" and not _cuda_available():
        raise ValueError(f"{source}={requested!r} but no usable CUDA GPU is present")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        count = torch.cuda.device_count()
        there = ", ".join(f"cuda:{i}" for i in range(count))
        raise ValueError(
            f"{source}={requested!r} but there is no {device}: "
            f"this machine has {count} CUDA GPU(s), {there}"
        )
    if device.type == "mps" and not _mps_available():
        raise ValueError(f"{source}={requested!r} but Apple's MPS backend is not available")
    if device.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"{source}={requested!r}: only 'cpu', 'cuda' and 'mps' are supported")
    if device.type != "cpu" and not _works(device):
        raise ValueError(f"{source}={requested!r} is present but a test computation failed")
    return device


def get_device(name: str | None = None) -> torch.device:
    """Return the device to use.

    ``name`` (or else ``$D2L_DEVICE``) forces a device; it must be usable, otherwise a
    ``ValueError`` says why. Without either, the first working one of CUDA, MPS, CPU is returned.

    Raises:
        TypeError: If ``name`` is not a string.
        ValueError: If the device named (by ``name`` or ``$D2L_DEVICE``) is not a device, is not
            present, or fails a test computation.
    """
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a device string such as 'cpu' or 'cuda', got {name!r}")
    if name is not None:
        return _usable(name, "name")
    if os.environ.get(ENV_VAR, "").strip():
        return _usable(os.environ[ENV_VAR].strip(), ENV_VAR)
    if _cuda_available():
        if _works(torch.device("cuda")):
            return torch.device("cuda")
        warnings.warn(
            "CUDA is installed but not usable; falling back", RuntimeWarning, stacklevel=2
        )
    if _mps_available() and _works(torch.device("mps")):
        return torch.device("mps")
    return torch.device("cpu")


def describe_device(device: torch.device | str | None = None) -> str:
    """One line for the top of a notebook: versions and the device the chapter will use.

    A ``device`` given is checked as ``get_device`` checks a name (a ``ValueError`` says why it
    cannot be used); without one, ``get_device()`` chooses.

    Raises:
        TypeError: If ``device`` is neither a ``torch.device`` nor a string.
        ValueError: If the device is not usable, as in :func:`get_device`.
    """
    if device is not None and not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be a torch.device or a string such as 'cpu', got {device!r}")
    device = get_device() if device is None else _usable(str(device), "device")
    if device.type == "cuda":
        what = torch.cuda.get_device_name(device)
    elif device.type == "mps":
        what = "Apple GPU (MPS)"
    else:
        threads = torch.get_num_threads()
        what = f"CPU, {threads} thread{'s' if threads != 1 else ''}"
    return (
        f"Python {platform.python_version()}, PyTorch {torch.__version__.split('+')[0]}, "
        f"device {device} ({what})"
    )
