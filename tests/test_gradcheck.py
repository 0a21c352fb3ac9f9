import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from d2lutils import check_grad, numerical_grad, rel_error


def f_np(x):
    return float(np.sum(np.sin(x) * x**2))


def df_np(x):
    return np.cos(x) * x**2 + 2 * x * np.sin(x)


def entrywise_error(a, b):
    """The old definition, kept here to show what the normwise one fixes."""
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


# ---------------------------------------------------------------- rel_error


def test_rel_error_is_normwise():
    a = np.array([1.0, 1e-6])
    b = np.array([1.0, 2e-6])
    # entrywise the second entry is 33% off; normwise the difference is tiny next to the vector
    assert rel_error(a, b) == pytest.approx(1e-6 / 2)
    assert entrywise_error(a, b) == pytest.approx(1 / 3)
    assert rel_error(np.array([3.0, -1.0]), np.array([1.0, -1.0])) == pytest.approx(2 / 4)


def test_rel_error_special_values():
    a = np.array([1.0, -2.0, 3.0])
    assert rel_error(a, a) == 0.0
    assert rel_error(a, -a) == pytest.approx(1.0)
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(np.zeros(0), np.zeros(0)) == 0.0
    assert rel_error(np.zeros(2), np.array([0.0, 1e-30])) == 1.0
    assert rel_error(2.0, 1.0) == pytest.approx(1 / 3)
    assert np.isnan(rel_error(np.array([np.nan, 1.0]), np.ones(2)))


def test_rel_error_floor_makes_small_arrays_absolute():
    a, b = np.array([0.0, 5.5e-17]), np.zeros(2)  # the gradient of a constant, and round-off
    assert rel_error(a, b) == 1.0
    assert rel_error(a, b, floor=1.0) == 5.5e-17
    assert rel_error(a, b, floor=0.5) == 1.1e-16
    assert rel_error(np.array([3.0, 1.0]), np.array([1.0, 1.0]), floor=1.0) == 0.5  # above it
    assert rel_error(np.zeros(2), np.zeros(2), floor=1.0) == 0.0
    assert rel_error(np.zeros(0), np.zeros(0), floor=1.0) == 0.0
    for bad in (-1.0, float("nan"), float("inf"), "1"):
        with pytest.raises(ValueError, match=r"^floor must be a finite number ≥ 0, got floor="):
            rel_error(a, b, floor=bad)


def test_rel_error_computes_in_float64_whatever_the_input_dtype():
    a16 = np.array([1.0, 3.0], dtype=np.float16)
    b16 = np.array([1.0, 3.001953125], dtype=np.float16)
    assert rel_error(a16, b16) == 0.001953125 / 6.001953125
    big = np.array([-(2**62)], dtype=np.int64)  # int64 arithmetic would overflow
    assert rel_error(big, -big) == 1.0


def test_rel_error_accepts_tensors_of_any_dtype_and_mixes_types():
    a = torch.tensor([1.0, 2.0], dtype=torch.float32)
    assert rel_error(a, np.array([1.0, 2.0])) == 0.0
    assert rel_error(a, torch.tensor([1.0, 3.0], dtype=torch.float64)) == pytest.approx(1 / 5)
    assert isinstance(rel_error(a, a), float)


def test_rel_error_bad_inputs():
    with pytest.raises(ValueError, match=r"same shape, got \(3,\) and \(4,\)"):
        rel_error(np.zeros(3), np.zeros(4))
    with pytest.raises(TypeError, match="a must be a NumPy array or a torch tensor, got list"):
        rel_error([1.0], np.zeros(1))
    with pytest.raises(TypeError, match="b must be a NumPy array or a torch tensor, got bool"):
        rel_error(np.zeros(()), True)


# ---------------------------------------------------------------- numerical_grad


def test_numerical_grad_numpy_matches_analytic_and_restores_x():
    x = np.random.default_rng(0).normal(size=(3, 4))
    before = x.copy()
    g = numerical_grad(f_np, x)
    assert g.shape == x.shape and g.dtype == np.float64
    assert rel_error(g, df_np(x)) < 1e-9
    assert np.array_equal(x, before)


def test_numerical_grad_keeps_dtype_device_and_type():
    # x ± h is exact for these values and h = 2⁻⁶, and central differences are exact for x²
    x32 = np.array([-1.0, -0.5, 0.25, 2.0], dtype=np.float32)
    g32 = numerical_grad(lambda v: float(np.sum(v.astype(np.float64) ** 2)), x32, h=2**-6)
    assert g32.dtype == np.float32
    assert np.array_equal(g32, 2 * x32)
    t = torch.tensor([[-1.0, -0.5, 0.25], [0.5, 1.0, 2.0]], dtype=torch.float32)
    gt = numerical_grad(lambda v: (v.double() ** 2).sum(), t, h=2**-6)
    assert isinstance(gt, torch.Tensor)
    assert gt.dtype == torch.float32 and gt.device == t.device and gt.shape == (2, 3)
    assert torch.equal(gt, 2 * t)


def test_numerical_grad_of_a_leaf_that_requires_grad_is_restored():
    x = torch.tensor([0.5, -1.5], dtype=torch.float64, requires_grad=True)
    g = numerical_grad(lambda v: (v**2).sum(), x)
    assert torch.allclose(g, 2 * x.detach(), rtol=1e-9)
    assert x.tolist() == [0.5, -1.5] and x.requires_grad and x.grad is None


def test_numerical_grad_step_size_is_h():
    # for a cubic, (f(x+h) - f(x-h)) / 2h = 3x² + h² exactly, so h is visible in the result
    x = np.array([1.0])
    assert numerical_grad(lambda v: float(v[0] ** 3), x, h=0.1)[0] == pytest.approx(3.01)
    assert numerical_grad(lambda v: float(v[0] ** 3), x, h=0.5)[0] == pytest.approx(3.25)
    assert numerical_grad(lambda v: float(v[0] ** 3), x)[0] == pytest.approx(3.0, abs=1e-9)


def test_numerical_grad_takes_a_bfloat16_output():
    x = torch.tensor([1.0, -2.0], dtype=torch.float64)
    g = numerical_grad(lambda v: (v**2).sum().to(torch.bfloat16), x, h=0.5)
    assert g.tolist() == [2.0, -4.0]


def test_numerical_grad_of_a_zero_dim_array_and_scalar_outputs():
    x = np.array(2.0)
    assert numerical_grad(lambda v: float(v) ** 2, x) == pytest.approx(4.0)
    assert numerical_grad(lambda v: np.array([[v * 3.0]]), x) == pytest.approx(3.0)
    three = torch.tensor([[3.0]], dtype=torch.float64)
    assert numerical_grad(lambda v: three * float(v), x) == pytest.approx(3.0)


def test_numerical_grad_restores_x_when_f_raises():
    x = np.array([1.0, 2.0])

    def f(v):
        if v[1] != 2.0:
            raise RuntimeError("boom")
        return float(v.sum())

    with pytest.raises(RuntimeError, match="boom"):
        numerical_grad(f, x)
    assert x.tolist() == [1.0, 2.0]


def test_numerical_grad_bad_arguments():
    with pytest.raises(TypeError, match="f must be callable, got 3"):
        numerical_grad(3, np.zeros(2))
    with pytest.raises(TypeError, match="x must be a NumPy array or a torch tensor, got list"):
        numerical_grad(f_np, [1.0, 2.0])
    for bad in (0, -1e-5, float("nan"), float("inf"), True, "1e-5"):
        with pytest.raises(ValueError, match=r"h must be a finite positive number, got h="):
            numerical_grad(f_np, np.zeros(2), h=bad)
    with pytest.raises(TypeError, match="floating-point numbers, got dtype int64"):
        numerical_grad(f_np, np.zeros(2, dtype=np.int64))
    with pytest.raises(TypeError, match="floating-point numbers, got dtype torch.int64"):
        numerical_grad(lambda v: v.sum(), torch.zeros(2, dtype=torch.int64))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_numerical_grad_rejects_non_scalar_and_non_finite_outputs():
    with pytest.raises(ValueError, match=r"f must return a scalar, got shape \(2,\)"):
        numerical_grad(lambda v: v * 2, np.zeros(2))
    with pytest.raises(ValueError, match=r"f must return a scalar, got shape \(2, 1\)"):
        numerical_grad(lambda v: v.reshape(2, 1), torch.zeros(2))
    with pytest.raises(ValueError, match=r"f returned inf at x\[1\] \+ h"):
        numerical_grad(lambda v: float(np.sum(1 / (v - [0.0, 1e-5]))), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match=r"f returned nan at x\[0\] - h .*smaller h"):
        numerical_grad(lambda v: float(np.sqrt(v[0])), np.array([1e-6]))
    x = np.array([1.0, 0.0])
    with pytest.raises(ValueError, match="gradient is undefined"):
        numerical_grad(lambda v: float(np.log(v[1])), x)
    assert x.tolist() == [1.0, 0.0]


def test_numerical_grad_needs_an_array_it_can_write_in_place():
    contiguous = "x must be contiguous to be perturbed in place; pass x.copy() / x.clone()"
    with pytest.raises(ValueError, match="^" + re.escape(contiguous) + "$"):
        numerical_grad(f_np, np.zeros((4, 4))[:, ::2])
    with pytest.raises(ValueError, match="contiguous"):
        numerical_grad(f_np, np.asfortranarray(np.zeros((3, 2))))
    with pytest.raises(ValueError, match=r"contiguous .*x\.clone\(\)$"):
        numerical_grad(lambda v: v.sum(), torch.zeros(4, 4, dtype=torch.float64).t())
    frozen = np.zeros(3)
    frozen.flags.writeable = False
    with pytest.raises(
        ValueError, match=r"^x must be writable to be perturbed in place; pass x\.copy\(\)$"
    ):
        numerical_grad(f_np, frozen)
    # the checks pass for what can be written in place
    assert numerical_grad(f_np, np.zeros((4, 4))[:2]).shape == (2, 4)
    t = torch.zeros(3, 2, dtype=torch.float64).t().contiguous()
    assert numerical_grad(lambda v: (v * 2).sum(), t).tolist() == [[2.0] * 3] * 2


# ---------------------------------------------------------------- check_grad


def test_check_grad_with_autograd_returns_the_normwise_error():
    x = torch.randn(5, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    f = lambda t: (t.tanh() * t).sum()  # noqa: E731
    err = check_grad(f, x)
    leaf = x.clone().requires_grad_(True)
    f(leaf).backward()
    assert err == rel_error(leaf.grad, numerical_grad(f, x.clone()))
    assert 0 < err < 1e-8


def test_check_grad_with_a_given_gradient():
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    assert check_grad(f_np, x, df_np(x)) < 1e-9
    assert check_grad(f_np, x, torch.from_numpy(df_np(x))) < 1e-9


def test_check_grad_names_the_worst_entry():
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    wrong = df_np(x)
    wrong[0, 1] += 0.1
    wrong[1, 2] += 0.5
    with pytest.raises(AssertionError) as info:
        check_grad(f_np, x, wrong, name="W1")
    msg = str(info.value)
    assert msg.startswith("gradient check failed for W1[1, 2]: ")
    numeric = numerical_grad(f_np, x.copy())
    assert f"analytic {wrong[1, 2]:.6g}, numeric {numeric[1, 2]:.6g}; " in msg
    assert f"relative error {rel_error(wrong, numeric):.2e} > tol 1e-06" in msg
    assert "|difference| 5.00e-01 > atol 1e-08" in msg


def test_check_grad_names_x_by_default():
    with pytest.raises(AssertionError, match=r"^gradient check failed for x\[1\]: "):
        check_grad(lambda v: float(v @ v), np.array([1.0, 2.0]), np.array([2.0, 5.0]))


def test_check_grad_message_for_a_scalar_parameter():
    with pytest.raises(AssertionError, match=r"failed for b: analytic 1, numeric 2;"):
        check_grad(lambda v: float(2 * v), np.array(0.5), np.array(1.0), name="b")


def test_check_grad_tol_is_the_relative_bound():
    x = np.array([1.0, 2.0])
    grad = np.array([2.0, 4.0]) * (1 + 1e-4)  # f = |x|², so the error is about 5e-5
    err = check_grad(lambda v: float(v @ v), x, grad, tol=1e-4)
    assert err == pytest.approx(1e-4 / (2 + 1e-4), rel=1e-4)
    with pytest.raises(AssertionError, match=r"relative error 5.00e-05 > tol 2.5e-05"):
        check_grad(lambda v: float(v @ v), x, grad, tol=2.5e-5)


def test_check_grad_h_reaches_numerical_grad():
    cube = lambda v: float(v[0] ** 3)  # noqa: E731  numeric gradient is 3x² + h²
    x = np.array([1.0])
    assert check_grad(cube, x, np.array([3.25]), h=0.5, tol=1e-12) == pytest.approx(0.0, abs=1e-15)
    with pytest.raises(AssertionError):
        check_grad(cube, x, np.array([3.0]), h=0.5)


def cross_entropy_with_shared_bias(seed):
    """Cross-entropy of logits z + c: the same bias c on every class has ∂L/∂c = Σ(p − y) = 0."""
    g = torch.Generator().manual_seed(seed)
    z = 3 * torch.randn(8, 5, generator=g, dtype=torch.float64)
    y = torch.randint(0, 5, (8,), generator=g)
    c = torch.randn(1, generator=g, dtype=torch.float64)
    return (lambda b: F.cross_entropy(z + b, y, reduction="sum")), c, z, y


def test_a_parameter_whose_true_gradient_is_zero_passes_at_every_point():
    # the old entrywise error failed 9 of these 50 points; its numeric gradient is
    # round-off, at most 7e-10 over 200 such points, which atol=1e-8 covers
    failures_entrywise = 0
    for seed in range(50):
        f, c, _, _ = cross_entropy_with_shared_bias(seed)
        leaf = c.clone().requires_grad_(True)
        (analytic,) = torch.autograd.grad(f(leaf), leaf)
        numeric = numerical_grad(f, c.clone())
        failures_entrywise += entrywise_error(analytic.numpy(), numeric.numpy()) > 1e-6
        check_grad(f, c)
        check_grad(f, c, torch.zeros(1, dtype=torch.float64))
    assert failures_entrywise > 0


def test_a_zero_entry_among_nonzero_ones_passes_at_every_point():
    failures_entrywise = 0
    for seed in range(50):
        _, _, z, y = cross_entropy_with_shared_bias(seed)
        v = torch.randn(2, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
        f = lambda p, z=z, y=y: F.cross_entropy(z * p[0] + p[1], y, reduction="sum")  # noqa: E731
        leaf = v.clone().requires_grad_(True)
        (analytic,) = torch.autograd.grad(f(leaf), leaf)
        numeric = numerical_grad(f, v.clone())
        failures_entrywise += entrywise_error(analytic.numpy(), numeric.numpy()) > 1e-6
        assert check_grad(f, v, atol=0) < 1e-7
    assert failures_entrywise > 0


def test_atol_decides_for_an_all_zero_gradient():
    f, c, _, _ = cross_entropy_with_shared_bias(3)
    with pytest.raises(AssertionError, match=r"relative error 1.00e\+00 > tol .* > atol 0"):
        check_grad(f, c, torch.zeros(1, dtype=torch.float64), atol=0)
    x = np.array([0.0])
    assert check_grad(lambda v: float(1e-9 * v[0]), x, np.zeros(1), atol=2e-9) == 1.0
    with pytest.raises(AssertionError, match=r"\|difference\| 1.00e-09 > atol 5e-10"):
        check_grad(lambda v: float(1e-9 * v[0]), x, np.zeros(1), atol=5e-10)
    # a difference exactly at atol passes
    assert check_grad(lambda v: float(0.5 * v[0]), x, np.zeros(1), atol=0.5, h=0.5) == 1.0


def test_check_grad_of_an_empty_parameter():
    assert check_grad(lambda v: 0.0, np.zeros(0), np.zeros(0)) == 0.0


def test_check_grad_leaves_x_unchanged():
    x = torch.tensor([0.3, -0.7], dtype=torch.float64)
    check_grad(lambda t: (t.exp() * t).sum(), x)
    assert x.tolist() == [0.3, -0.7] and not x.requires_grad


def test_check_grad_bad_arguments():
    for bad in (0, -1, float("nan"), float("inf"), None):
        with pytest.raises(ValueError, match=r"tol must be a finite positive number, got tol="):
            check_grad(f_np, np.zeros(2), np.zeros(2), tol=bad)
    for bad in (-1e-9, float("nan"), "0"):
        with pytest.raises(ValueError, match=r"atol must be a finite number ≥ 0, got atol="):
            check_grad(f_np, np.zeros(2), np.zeros(2), atol=bad)
    with pytest.raises(ValueError, match=r"h must be a finite positive number, got h=0"):
        check_grad(f_np, np.zeros(2), np.zeros(2), h=0)
    with pytest.raises(TypeError, match="x must be a NumPy array or a torch tensor, got list"):
        check_grad(f_np, [0.0, 1.0], np.zeros(2))
    with pytest.raises(
        TypeError, match=r"^without grad=\.\.\., x must be a torch tensor so autograd can give it$"
    ):
        check_grad(f_np, np.zeros(2))
    with pytest.raises(TypeError, match="grad must be a NumPy array or a torch tensor, got list"):
        check_grad(f_np, np.zeros(2), [0.0, 0.0])
    with pytest.raises(ValueError, match=r"grad has shape \(3,\) but W has shape \(2, 2\)"):
        check_grad(f_np, np.zeros((2, 2)), np.zeros(3), name="W")
    with pytest.raises(ValueError, match=r"grad is not finite at w\[1, 0\]"):
        check_grad(f_np, np.zeros((2, 2)), np.array([[0.0, 0.0], [np.nan, np.inf]]), name="w")


def test_check_grad_autograd_needs_a_scalar_tensor_that_depends_on_x():
    x = torch.zeros(2, dtype=torch.float64)
    with pytest.raises(ValueError, match="^f must return a scalar tensor for autograd$"):
        check_grad(lambda t: t * 2, x)
    with pytest.raises(ValueError, match="^f must return a scalar tensor for autograd$"):
        check_grad(lambda t: 1.0, x)
    with pytest.raises(
        ValueError, match=r"^f's output does not depend on x through autograd; pass grad=\.\.\.$"
    ):
        check_grad(lambda t: t.detach().sum(), x)
