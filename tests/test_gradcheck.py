import numpy as np
import pytest
import torch

from d2lutils import check_grad, numerical_grad, rel_error


def f_np(x):
    return float(np.sum(np.sin(x) * x**2))


def df_np(x):
    return np.cos(x) * x**2 + 2 * x * np.sin(x)


def test_numerical_grad_numpy_matches_analytic_and_restores_x():
    x = np.random.default_rng(0).normal(size=(3, 4))
    before = x.copy()
    g = numerical_grad(f_np, x)
    assert g.shape == x.shape
    assert rel_error(g, df_np(x)) < 1e-8
    assert np.array_equal(x, before)


def test_check_grad_with_autograd():
    x = torch.randn(5, 2, dtype=torch.float64)
    err = check_grad(lambda t: (t.tanh() * t).sum(), x)
    assert err < 1e-7


def test_check_grad_names_the_wrong_entry():
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    wrong = df_np(x)
    wrong[1, 2] += 0.5
    with pytest.raises(AssertionError, match=r"x\[1, 2\].*relative error"):
        check_grad(f_np, x, wrong)


def test_rel_error_properties():
    a = np.array([1.0, -2.0, 3.0])
    assert rel_error(a, a) == 0.0
    assert rel_error(a, -a) == pytest.approx(1.0)
    assert rel_error(np.zeros(0), np.zeros(0)) == 0.0


def test_shape_mismatch_is_a_value_error():
    with pytest.raises(ValueError, match="same shape"):
        rel_error(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match=r"grad has shape \(3,\)"):
        check_grad(f_np, np.zeros((2, 2)), np.zeros(3))


def test_bad_arguments():
    with pytest.raises(TypeError, match="f must be callable"):
        numerical_grad(3, np.zeros(2))
    with pytest.raises(TypeError, match="x must be"):
        numerical_grad(f_np, [1.0, 2.0])
    with pytest.raises(ValueError, match="h must be"):
        numerical_grad(f_np, np.zeros(2), h=0)
    with pytest.raises(TypeError, match="floating"):
        numerical_grad(f_np, np.zeros(2, dtype=int))
    with pytest.raises(ValueError, match="scalar"):
        numerical_grad(lambda x: x * 2, np.zeros(2))
    with pytest.raises(ValueError, match="contiguous"):
        numerical_grad(f_np, np.zeros((4, 4))[:, ::2])
    with pytest.raises(ValueError, match="tol"):
        check_grad(f_np, np.zeros(2), np.zeros(2), tol=-1)
    with pytest.raises(TypeError, match="autograd"):
        check_grad(f_np, np.zeros(2))
