"""Make a run repeatable: one seed for Python, NumPy and PyTorch, deterministic kernels."""

from __future__ import annotations

import os
import random

import numpy as np
import torch


def seed_everything(seed: int, deterministic: bool = True) -> torch.Generator:
    """Seed ``random``, NumPy and PyTorch (all devices) with ``seed``.

    With ``deterministic=True`` PyTorch is asked for deterministic algorithms (a warning, not an
    error, where an operation has none) and cuDNN's autotuner is switched off;
    ``deterministic=False`` puts these switches back to PyTorch's defaults (nondeterministic
    algorithms allowed, cuDNN neither deterministic nor autotuned). Returns a fresh
    ``torch.Generator`` seeded with ``seed``, handy for a ``DataLoader``'s shuffling.

    Raises:
        TypeError: If ``seed`` is not an int, or ``deterministic`` is not ``True`` or ``False``.
        ValueError: If ``seed`` is outside ``[0, 2**32)``.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {seed!r}")
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # seeds CUDA and MPS generators too
    if not isinstance(deterministic, bool):
        raise TypeError(f"deterministic must be True or False, got {deterministic!r}")
    if deterministic:
        # cuBLAS needs this workspace setting to be deterministic; harmless elsewhere.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(deterministic, warn_only=deterministic)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = deterministic
    return torch.Generator().manual_seed(seed)
