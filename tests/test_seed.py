import random

import numpy as np
import pytest
import torch

from d2lutils import seed_everything


def draws():
    return random.random(), float(np.random.rand()), float(torch.rand(1))


def test_same_seed_same_numbers():
    seed_everything(123)
    a = draws()
    seed_everything(123)
    assert draws() == a
    seed_everything(124)
    assert draws() != a


def test_returns_seeded_generator():
    g1, g2 = seed_everything(7), seed_everything(7)
    assert torch.equal(torch.rand(3, generator=g1), torch.rand(3, generator=g2))


@pytest.mark.parametrize("bad", [1.5, "0", None, True])
def test_seed_type(bad):
    with pytest.raises(TypeError, match="seed"):
        seed_everything(bad)


@pytest.mark.parametrize("bad", [-1, 2**32])
def test_seed_range(bad):
    with pytest.raises(ValueError, match="seed"):
        seed_everything(bad)
