"""lrlab.landscapes: gradient descent on quadratics against the closed form (1 - lr*c)**k."""

import numpy as np
import pytest

from lrlab import landscapes


@pytest.mark.parametrize("lr", [0.05, 0.6, 1.5, 2.5])
def test_gradient_descent_1d_matches_closed_form(lr):
    c, x0 = 1.3, -2.0
    path = landscapes.gradient_descent(lambda x: c * x, x0, lr, 25)
    assert path.shape == (26,)
    np.testing.assert_allclose(path, x0 * (1 - lr * c) ** np.arange(26), rtol=1e-12)


def test_gradient_descent_2d_and_closed_form_agree():
    c, x0 = np.array([1.0, 20.0]), np.array([3.0, -1.0])
    path = landscapes.gradient_descent(lambda x: landscapes.quadratic_grad(x, c), x0, 0.09, 40)
    assert path.shape == (41, 2)
    np.testing.assert_allclose(path, landscapes.quadratic_trajectory(x0, c, 0.09, 40), rtol=1e-10)
    np.testing.assert_allclose(path[7], x0 * (1 - 0.09 * c) ** 7)


def test_gradient_descent_does_not_modify_x0():
    x0 = np.array([1.0, 2.0])
    landscapes.gradient_descent(lambda x: x, x0, 0.1, 3)
    np.testing.assert_array_equal(x0, [1.0, 2.0])


def test_zero_steps_returns_only_the_start():
    np.testing.assert_array_equal(landscapes.gradient_descent(lambda x: x, 2.0, 0.1, 0), [2.0])


@pytest.mark.parametrize("c", [0.5, 4.0, 123.0])
def test_stability_limit_is_the_boundary_between_convergence_and_divergence(c):
    limit = landscapes.stability_limit(c)
    assert limit == pytest.approx(2 / c)
    below = landscapes.quadratic_trajectory(1.0, c, 0.99 * limit, 400)
    above = landscapes.quadratic_trajectory(1.0, c, 1.01 * limit, 400)
    at = landscapes.quadratic_trajectory(1.0, c, limit, 9)
    assert abs(below[-1]) < 1e-2 and abs(above[-1]) > 10
    np.testing.assert_allclose(np.abs(at), 1.0)  # bounces forever


def test_stability_limit_of_a_bowl_is_set_by_the_largest_curvature():
    assert landscapes.stability_limit([1.0, 20.0]) == pytest.approx(0.1)


def test_quadratic_loss_and_grad():
    assert landscapes.quadratic_loss([2.0, -1.0], [1.0, 4.0]) == pytest.approx(0.5 * 4 + 0.5 * 4 * 1)
    np.testing.assert_allclose(landscapes.quadratic_grad([2.0, -1.0], [1.0, 4.0]), [2.0, -4.0])
    many = landscapes.quadratic_loss(np.array([[1.0, 0.0], [0.0, 1.0]]), [2.0, 6.0])
    np.testing.assert_allclose(many, [1.0, 3.0])


def test_divergence_overflows_to_inf_without_warnings():
    with np.errstate(all="raise"):
        path = landscapes.gradient_descent(lambda x: 10 * x, 1.0, 5.0, 400)
    assert not np.isfinite(path[-1])


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: landscapes.stability_limit(0), "curvature"),
        (lambda: landscapes.stability_limit(-2.0), "curvature"),
        (lambda: landscapes.stability_limit([1.0, -1.0]), "curvature"),
        (lambda: landscapes.stability_limit("big"), "curvature"),
        (lambda: landscapes.gradient_descent(lambda x: x, 1.0, 0.0, 3), "lr"),
        (lambda: landscapes.gradient_descent(lambda x: x, 1.0, float("nan"), 3), "lr"),
        (lambda: landscapes.gradient_descent(lambda x: x, 1.0, 0.1, -1), "steps"),
        (lambda: landscapes.gradient_descent(lambda x: x, 1.0, 0.1, 2.5), "steps"),
        (lambda: landscapes.gradient_descent("grad", 1.0, 0.1, 3), "grad_fn"),
        (lambda: landscapes.gradient_descent(lambda x: x, "one", 0.1, 3), "x0"),
        (lambda: landscapes.gradient_descent(lambda x: x, [[1.0]], 0.1, 3), "x0"),
        (lambda: landscapes.quadratic_trajectory(1.0, 1.0, 0.1, -3), "steps"),
    ],
)
def test_bad_arguments(call, name):
    with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}="):
        call()
