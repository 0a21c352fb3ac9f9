import os
import random

import numpy as np
import pytest
import torch

from d2lutils import seed_everything


def draws():
    return random.random(), float(np.random.rand()), float(torch.rand(1))


@pytest.fixture(autouse=True)
def restore_determinism():
    """Leave PyTorch's global switches as the test found them."""
    saved = (torch.are_deterministic_algorithms_enabled(),
             torch.is_deterministic_algorithms_warn_only_enabled(),
             torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic)
    yield
    torch.use_deterministic_algorithms(saved[0], warn_only=saved[1])
    torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic = saved[2:]


def test_same_seed_same_numbers():
    seed_everything(123)
    a = draws()
    seed_everything(123)
    assert draws() == a
    seed_everything(124)
    b = draws()
    assert all(x != y for x, y in zip(a, b, strict=True))  # each generator follows the seed


@pytest.mark.parametrize("seed", [0, 5, 2**32 - 1, np.int64(9)])
def test_seeds_every_generator_with_the_seed(seed):
    seed_everything(seed)
    got = draws()
    random.seed(int(seed))
    np.random.seed(int(seed))
    torch.manual_seed(int(seed))
    assert got == draws()


def test_returns_seeded_generator():
    g1, g2 = seed_everything(7), seed_everything(7)
    assert torch.equal(torch.rand(3, generator=g1), torch.rand(3, generator=g2))
    assert torch.equal(torch.rand(3, generator=seed_everything(8)),
                       torch.rand(3, generator=torch.Generator().manual_seed(8)))


def test_deterministic_switches_on_and_off(monkeypatch):
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    torch.backends.cudnn.benchmark = True
    seed_everything(0)
    assert torch.are_deterministic_algorithms_enabled()
    assert torch.is_deterministic_algorithms_warn_only_enabled()
    assert torch.backends.cudnn.deterministic is True
    assert torch.backends.cudnn.benchmark is False
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"

    seed_everything(0, deterministic=False)  # back to PyTorch's defaults
    assert not torch.are_deterministic_algorithms_enabled()
    assert not torch.is_deterministic_algorithms_warn_only_enabled()
    assert torch.backends.cudnn.deterministic is False
    assert torch.backends.cudnn.benchmark is False


def test_a_workspace_setting_of_ones_own_is_kept(monkeypatch):
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":16:8")
    seed_everything(0)
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":16:8"


def test_nondeterministic_seeding_leaves_the_workspace_alone(monkeypatch):
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    seed_everything(0, deterministic=False)
    assert "CUBLAS_WORKSPACE_CONFIG" not in os.environ


@pytest.mark.parametrize("bad", [1.5, "0", None, True])
def test_seed_type(bad):
    with pytest.raises(TypeError, match="seed must be an int"):
        seed_everything(bad)


@pytest.mark.parametrize("bad", [-1, 2**32])
def test_seed_range(bad):
    with pytest.raises(ValueError, match=r"seed must be in \[0, 2\*\*32\)"):
        seed_everything(bad)


@pytest.mark.parametrize("bad", [1, "yes", None])
def test_deterministic_type(bad):
    with pytest.raises(TypeError, match="deterministic must be True or False"):
        seed_everything(0, deterministic=bad)
