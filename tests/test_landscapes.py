"""lrlab.landscapes: gradient descent on quadratics against the closed form (1 - lr*c)**k, and
heavy-ball momentum against the powers and eigenvalues of its iteration matrix and Keras's SGD."""

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
    assert landscapes.quadratic_loss([2.0, -1.0], [1.0, 4.0]) == pytest.approx(
        0.5 * 4 + 0.5 * 4 * 1
    )
    np.testing.assert_allclose(landscapes.quadratic_grad([2.0, -1.0], [1.0, 4.0]), [2.0, -4.0])
    many = landscapes.quadratic_loss(np.array([[1.0, 0.0], [0.0, 1.0]]), [2.0, 6.0])
    np.testing.assert_allclose(many, [1.0, 3.0])


def test_divergence_overflows_to_inf_without_warnings():
    with np.errstate(all="raise"):
        path = landscapes.gradient_descent(lambda x: 10 * x, 1.0, 5.0, 400)
    assert not np.isfinite(path[-1])


# ---- momentum (heavy ball) ------------------------------------------------------------------------


def _iteration_matrix(lr, c, beta):
    """(w_{k+1}, w_k) = M @ (w_k, w_{k-1}) for w_{k+1} = w_k - lr c w_k + beta (w_k - w_{k-1})."""
    return np.array([[1 + beta - lr * c, -beta], [1.0, 0.0]])


@pytest.mark.parametrize(
    "lr, beta", [(0.05, 0.0), (0.3, 0.5), (0.2, 0.9), (0.93, 0.9), (0.97, 0.9)]
)
def test_heavy_ball_matches_powers_of_the_iteration_matrix(lr, beta):
    c, w0 = 4.0, 1.5
    path = landscapes.heavy_ball_trajectory(w0, c, lr, 30, momentum=beta)
    # Velocity 0 at the start means w_{-1} = w_0.
    expected = [
        (np.linalg.matrix_power(_iteration_matrix(lr, c, beta), k) @ [w0, w0])[0] for k in range(31)
    ]
    np.testing.assert_allclose(path, expected, rtol=1e-9, atol=1e-12)


def test_heavy_ball_without_momentum_is_plain_gradient_descent_in_2d():
    c, x0 = np.array([1.0, 20.0]), np.array([-4.0, 1.5])
    np.testing.assert_allclose(
        landscapes.heavy_ball_trajectory(x0, c, 0.09, 40),
        landscapes.quadratic_trajectory(x0, c, 0.09, 40),
        rtol=1e-12,
    )


def test_heavy_ball_matches_keras_sgd_with_momentum():
    import keras

    c, beta, lr, w0 = np.array([1.0, 20.0]), 0.9, 0.05, np.array([-4.0, 1.5])
    w = keras.Variable(w0.astype("float32"))
    optimizer = keras.optimizers.SGD(learning_rate=lr, momentum=beta)
    keras_path = [w.numpy().copy()]
    for _ in range(25):
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(c.astype("float32")) * w, w)])
        keras_path.append(w.numpy().copy())
    np.testing.assert_allclose(
        keras_path,
        landscapes.heavy_ball_trajectory(w0, c, lr, 25, momentum=beta),
        rtol=1e-4,
        atol=1e-5,
    )


@pytest.mark.parametrize("c, beta", [(4.0, 0.9), (4.0, 0.5), (1.0, 0.0), (20.0, 0.99)])
def test_momentum_stability_limit_is_where_an_eigenvalue_leaves_the_unit_circle(c, beta):
    limit = landscapes.stability_limit(c, momentum=beta)
    assert limit == pytest.approx(2 * (1 + beta) / c)
    radius = lambda lr: np.abs(np.linalg.eigvals(_iteration_matrix(lr, c, beta))).max()
    assert radius(0.999 * limit) < 1 < radius(1.001 * limit)
    assert landscapes.stability_limit(4.0, momentum=0.9) == pytest.approx(0.95)


@pytest.mark.parametrize("beta", [0.0, 0.3, 0.9])
@pytest.mark.parametrize("lr", [1e-3, 0.02, 0.1, 0.4, 0.9, 1.2])
def test_convergence_rate_is_the_spectral_radius(lr, beta):
    c = np.array([1.0, 4.0])
    expected = [np.abs(np.linalg.eigvals(_iteration_matrix(lr, ci, beta))).max() for ci in c]
    np.testing.assert_allclose(
        landscapes.convergence_rate(c, lr, beta), expected, rtol=1e-7, atol=1e-9
    )
    assert landscapes.convergence_rate(4.0, lr) == pytest.approx(abs(1 - lr * 4.0))


def test_effective_learning_rate_is_the_step_on_a_constant_slope():
    lr, beta = 0.01, 0.9
    w = landscapes.heavy_ball_trajectory(
        0.0, 1e-12, lr, 300, momentum=beta
    )  # almost flat: gradient ~0
    assert np.allclose(w, 0.0)
    velocity, steps = 0.0, []
    for _ in range(300):  # gradient 1 everywhere (a straight slope)
        velocity = beta * velocity - lr * 1.0
        steps.append(-velocity)
    assert steps[-1] == pytest.approx(landscapes.effective_learning_rate(lr, beta), rel=1e-9)
    assert landscapes.effective_learning_rate(lr, beta) == pytest.approx(0.1)


def test_fastest_rate_matches_the_closed_form_and_a_brute_force_search():
    c = np.array([1.0, 20.0])
    kappa = c.max() / c.min()
    assert landscapes.fastest_rate(c) == pytest.approx((kappa - 1) / (kappa + 1), rel=1e-6)
    for beta in (0.3, 0.6, 0.9):
        grid = np.geomspace(1e-4, landscapes.stability_limit(c, beta), 20001)
        brute = min(
            max(np.abs(np.linalg.eigvals(_iteration_matrix(lr, ci, beta))).max() for ci in c)
            for lr in grid[::20]
        )
        assert landscapes.fastest_rate(c, beta) == pytest.approx(brute, abs=2e-3)
        assert (
            landscapes.fastest_rate(c, beta) >= np.sqrt(beta) - 1e-9
        )  # complex roots have modulus sqrt(beta)


def test_steps_to_shrink():
    assert landscapes.steps_to_shrink(0.5) == pytest.approx(np.log(100) / np.log(2))
    assert landscapes.steps_to_shrink(1.0) == np.inf and landscapes.steps_to_shrink(1.5) == np.inf
    assert landscapes.steps_to_shrink(0.0) == 1.0


def _simulated_regime(c, lr, beta, steps=3000):
    """The regime read off a long simulation only (no eigenvalues): an independent reference."""
    path = landscapes.heavy_ball_trajectory(np.array([1.0, 1.0]), c, lr, steps, momentum=beta)
    with np.errstate(over="ignore", invalid="ignore"):
        size = np.abs(path).max(axis=1)
    if not np.isfinite(size[-1]) or size[-1] > 1e3:
        return "diverges"
    crosses = bool(
        np.any(path[1:-1] * path[2:] < 0)
    )  # a coordinate changes sign (0 is not a crossing)
    return "converges with overshoot" if crosses else "converges smoothly"


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
def test_descent_regime_agrees_with_simulation_across_learning_rates(beta):
    c = np.array([1.0, 20.0])
    best_steps = landscapes.steps_to_shrink(landscapes.fastest_rate(c, beta))
    for lr in np.geomspace(1e-3, 0.3, 60):
        regime = landscapes.descent_regime(c, lr, beta)
        assert regime in landscapes.REGIMES
        rate = landscapes.convergence_rate(c, lr, beta).max()
        if regime == "too slow":
            # The slowest direction, simulated: it needs > 3x the best number of steps to shrink 100x.
            w = landscapes.heavy_ball_trajectory(
                1.0, c[np.argmax(landscapes.convergence_rate(c, lr, beta))], lr, 5000, momentum=beta
            )
            assert rate < 1 and np.abs(w[int(3 * best_steps)]) > 1e-2 * 0.5
        else:
            assert regime == _simulated_regime(c, lr, beta), lr


def test_descent_regime_names_the_issue_cases():
    c = [1.0, 20.0]
    assert landscapes.descent_regime(c, 0.00724) == "too slow"  # ~633 steps vs 46 at best
    assert landscapes.descent_regime(c, 0.04) == "converges smoothly"
    assert landscapes.descent_regime(c, 2 / 21) == "converges with overshoot"  # the best single lr
    assert landscapes.descent_regime(c, 0.0999) == "too slow"  # zig-zag barely shrinking
    assert landscapes.descent_regime(c, 0.1) == "bounces forever"
    assert landscapes.descent_regime(c, 0.15) == "diverges"
    assert landscapes.descent_regime(c, 0.15, momentum=0.9) == "converges with overshoot"


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
        (lambda: landscapes.stability_limit(1.0, momentum=1.0), "momentum"),
        (lambda: landscapes.stability_limit(1.0, momentum=-0.1), "momentum"),
        (lambda: landscapes.heavy_ball_trajectory(1.0, 1.0, 0.1, 3, momentum="high"), "momentum"),
        (lambda: landscapes.heavy_ball_trajectory(1.0, 1.0, 0.0, 3), "lr"),
        (lambda: landscapes.effective_learning_rate(0.1, 1.5), "momentum"),
        (lambda: landscapes.convergence_rate(0.0, 0.1), "curvature"),
        (lambda: landscapes.descent_regime([1.0, 2.0], 0.1, slow=0), "slow"),
        (lambda: landscapes.steps_to_shrink(-0.5), "rate"),
    ],
)
def test_bad_arguments(call, name):
    with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}="):
        call()
