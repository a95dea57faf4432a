"""lrlab.schedules against closed forms written out independently and against the Keras built-ins,
with non-zero parameters, at the start, at the boundaries, in the middle and far beyond."""

import math

import numpy as np
import pytest

from lrlab import schedules

LR0 = 0.3


@pytest.mark.parametrize("step", [0, 1, 7, 500, 10**6])
def test_time_based_decay_matches_closed_form(step):
    assert schedules.time_based_decay(step, LR0, 0.05) == pytest.approx(
        LR0 / (1 + 0.05 * step), rel=1e-12
    )


@pytest.mark.parametrize("step", [0, 1, 7, 500, 10**5])
def test_exponential_decay_matches_closed_form(step):
    assert schedules.exponential_decay(step, LR0, 0.01) == pytest.approx(
        LR0 * math.exp(-0.01 * step), rel=1e-12
    )


@pytest.mark.parametrize(
    "epoch, drops",
    [(0, 0), (1, 0), (3, 0), (4, 1), (5, 1), (7, 1), (8, 2), (9, 2), (41, 10), (1000, 250)],
)
def test_step_decay_drops_at_multiples_of_step_size(epoch, drops):
    # step_size 4: boundaries at epoch = step_size - 1, step_size, step_size + 1 included above.
    assert schedules.step_decay(epoch, LR0, 0.7, 4) == pytest.approx(LR0 * 0.7**drops, rel=1e-12)


@pytest.mark.parametrize("step", [0, 3, 10**4])
def test_constant_never_changes(step):
    assert schedules.constant(step, LR0) == LR0


@pytest.mark.parametrize(
    "fn, kwargs",
    [
        (schedules.constant, {"initial_lr": LR0}),
        (schedules.time_based_decay, {"initial_lr": LR0, "decay_rate": 0.05}),
        (schedules.exponential_decay, {"initial_lr": LR0, "decay_rate": 0.01}),
        (schedules.step_decay, {"initial_lr": LR0, "factor": 0.5, "step_size": 3}),
        (
            schedules.polynomial_decay,
            {"initial_lr": LR0, "decay_steps": 8, "end_lr": 0.01, "power": 2.0},
        ),
        (schedules.cosine_decay, {"initial_lr": LR0, "decay_steps": 9, "alpha": 0.1}),
        (
            schedules.cosine_decay_restarts,
            {"initial_lr": LR0, "first_decay_steps": 4, "m_mul": 0.5},
        ),
        (schedules.linear_warmup, {"initial_lr": 0.01, "warmup_target": LR0, "warmup_steps": 7}),
    ],
)
def test_scalar_in_float_out_array_in_array_out(fn, kwargs):
    scalar = fn(5, **kwargs)
    assert type(scalar) is float
    grid = np.arange(12).reshape(3, 4)
    array = fn(grid, **kwargs)
    assert isinstance(array, np.ndarray) and array.shape == (3, 4)
    assert array[1, 1] == pytest.approx(scalar)
    changes = np.diff(array.ravel())
    if fn is schedules.linear_warmup:
        assert np.all(changes >= 0)  # never decreases
    elif fn is not schedules.cosine_decay_restarts:  # (restarts jump back up)
        assert np.all(changes <= 0)  # never increases


def test_zero_decay_rate_is_constant():
    assert schedules.time_based_decay(1000, LR0, 0.0) == LR0
    assert schedules.exponential_decay(1000, LR0, 0.0) == LR0
    assert schedules.step_decay(1000, LR0, 1.0, 2) == LR0


# ---- the other Keras built-ins: the closed form == the Keras object at boundary steps ------------


def _keras_values(schedule, steps):
    return np.array([float(schedule(int(s))) for s in steps])


def _assert_matches_keras(got, expected, scale):
    # Keras computes in float32: ~1e-7 relative to the schedule's scale
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7 * scale)


@pytest.mark.parametrize("power", [1.0, 1.5])
def test_polynomial_decay_matches_keras(power):
    import keras

    n, end = 200, 0.004
    steps = [0, 1, 99, 100, 101, n - 1, n, n + 1, 10 * n]
    expected = _keras_values(
        keras.optimizers.schedules.PolynomialDecay(LR0, n, end, power=power), steps
    )
    _assert_matches_keras(
        schedules.polynomial_decay(steps, LR0, n, end_lr=end, power=power), expected, LR0
    )


def test_polynomial_decay_matches_closed_form():
    t = np.arange(0, 1500, 7.0)
    np.testing.assert_allclose(
        schedules.polynomial_decay(t, 0.1, 1000, 0.002, 1.5),
        (0.1 - 0.002) * (1 - np.minimum(t, 1000) / 1000) ** 1.5 + 0.002,
        rtol=1e-12,
    )


@pytest.mark.parametrize(
    "initial, decay_steps, alpha, target, warmup",
    [
        (LR0, 80, 0.05, None, 0),  # no warm-up: the cosine starts at initial
        (0.0, 50, 0.0, 0.1, 10),  # warm-up from 0
        (0.01, 37, 0.1, 0.5, 13),  # non-zero start, odd lengths
        (0.2, 20, 0.05, 0.2, 0),  # a target but no warm-up steps
    ],
)
def test_cosine_decay_matches_keras_with_warmup_and_alpha(
    initial, decay_steps, alpha, target, warmup
):
    import keras

    end = warmup + decay_steps
    steps = sorted(
        {
            0,
            1,
            warmup - 1,
            warmup,
            warmup + 1,
            warmup + decay_steps // 2,
            end - 1,
            end,
            end + 1,
            10 * end,
        }
        - {-1}
    )
    keras_schedule = keras.optimizers.schedules.CosineDecay(
        initial, decay_steps, alpha=alpha, warmup_target=target, warmup_steps=warmup
    )
    got = schedules.cosine_decay(
        steps, initial, decay_steps, alpha, warmup_target=target, warmup_steps=warmup
    )
    _assert_matches_keras(got, _keras_values(keras_schedule, steps), target or initial)


def test_cosine_decay_runs_after_the_warmup():
    # the LR reaches its floor at warmup + decay_steps, not at decay_steps
    assert schedules.cosine_decay(50, 0.0, 50, warmup_target=0.1, warmup_steps=10) > 0.0
    assert schedules.cosine_decay(60, 0.0, 50, warmup_target=0.1, warmup_steps=10) == pytest.approx(
        0.0, abs=1e-15
    )
    # without warmup_target there is no warm-up, as in Keras (warmup_steps is ignored)
    assert schedules.cosine_decay(0, LR0, 50, warmup_steps=10) == LR0


@pytest.mark.parametrize(
    "t_mul, m_mul, alpha", [(2.0, 0.6, 0.02), (1.0, 0.9, 0.0), (1.5, 0.7, 0.1)]
)
def test_cosine_decay_restarts_matches_keras(t_mul, m_mul, alpha):
    import keras

    n = 30
    lengths = n * t_mul ** np.arange(4)
    restarts = np.round(np.cumsum(lengths)).astype(int)  # where cycles 1, 2, 3, 4 start
    steps = sorted({0, 1, n // 2} | {int(s) + d for s in restarts for d in (-1, 0, 1)} | {5000})
    expected = _keras_values(
        keras.optimizers.schedules.CosineDecayRestarts(LR0, n, t_mul, m_mul, alpha), steps
    )
    _assert_matches_keras(
        schedules.cosine_decay_restarts(steps, LR0, n, t_mul, m_mul, alpha), expected, LR0
    )


def _restarts_by_walking(step, lr0, n, t_mul, m_mul, alpha):
    """An independent reference: walk the cycles one by one, no logarithm."""
    i, start, length = 0, 0.0, float(n)
    while step >= start + length:
        start, length, i = start + length, length * t_mul, i + 1
    done = (step - start) / length
    return lr0 * ((1 - alpha) * 0.5 * m_mul**i * (1 + np.cos(np.pi * done)) + alpha)


@pytest.mark.parametrize("t_mul", [1.5, 2.0, 3.0, 10.0])
@pytest.mark.parametrize("first_decay_steps", [1, 3, 7, 10])
def test_cosine_decay_restarts_restarts_at_every_cycles_first_step(t_mul, first_decay_steps):
    # The cycle index from a logarithm once rounded just below a whole number at a cycle's first
    # step (t_mul=3 at step 121, t_mul=10 at 111): the LR stayed at its floor for a step.
    steps = np.arange(3000)
    expected = [_restarts_by_walking(k, LR0, first_decay_steps, t_mul, 0.5, 0.1) for k in steps]
    got = schedules.cosine_decay_restarts(steps, LR0, first_decay_steps, t_mul, 0.5, 0.1)
    np.testing.assert_allclose(got, expected, rtol=1e-9)


@pytest.mark.parametrize("t_mul, first_decay_steps", [(3.0, 1), (10.0, 1), (3.0, 7), (10.0, 3)])
def test_cosine_decay_restarts_matches_keras_around_each_restart(t_mul, first_decay_steps):
    import keras

    starts = first_decay_steps * np.cumsum(t_mul ** np.arange(5))  # cycles 1..5 start here
    steps = sorted({int(s) + d for s in starts if s < 3000 for d in (-1, 0, 1)})
    schedule = keras.optimizers.schedules.CosineDecayRestarts(LR0, first_decay_steps, t_mul, 0.5)
    _assert_matches_keras(
        schedules.cosine_decay_restarts(steps, LR0, first_decay_steps, t_mul, 0.5),
        _keras_values(schedule, steps),
        LR0,
    )


def test_cosine_decay_restarts_each_cycle_starts_m_mul_lower():
    lr = schedules.cosine_decay_restarts([0, 90, 270], 0.1, 90, t_mul=2.0, m_mul=0.6, alpha=0.02)
    np.testing.assert_allclose(
        lr, [0.1, 0.1 * (0.6 * 0.98 + 0.02), 0.1 * (0.36 * 0.98 + 0.02)], rtol=1e-12
    )


@pytest.mark.parametrize("step", [0, 1, 14, 29, 30, 31, 10**4])
def test_linear_warmup_matches_closed_form(step):
    expected = 0.01 + (0.2 - 0.01) * min(step, 30) / 30
    assert schedules.linear_warmup(step, 0.01, 0.2, 30) == pytest.approx(expected, rel=1e-12)


def test_cosine_decay_warms_up_along_linear_warmup():
    steps = np.arange(13)
    np.testing.assert_array_equal(
        schedules.cosine_decay(steps, 0.01, 37, 0.1, warmup_target=0.5, warmup_steps=13),
        schedules.linear_warmup(steps, 0.01, 0.5, 13),
    )


BAD = [
    (schedules.time_based_decay, (1, 0.0, 0.1), "initial_lr"),
    (schedules.time_based_decay, (1, -0.1, 0.1), "initial_lr"),
    (schedules.time_based_decay, (1, float("nan"), 0.1), "initial_lr"),
    (schedules.time_based_decay, (1, float("inf"), 0.1), "initial_lr"),
    (schedules.time_based_decay, (1, 0.1, -0.5), "decay_rate"),
    (schedules.exponential_decay, (1, 0.1, -0.5), "decay_rate"),
    (schedules.time_based_decay, (-1, 0.1, 0.1), "step"),
    (schedules.exponential_decay, ([0, 1, -2], 0.1, 0.1), "step"),
    (schedules.time_based_decay, ("ten", 0.1, 0.1), "step"),
    (schedules.time_based_decay, (None, 0.1, 0.1), "step"),
    (schedules.time_based_decay, (1, "0.1", 0.1), "initial_lr"),
    (schedules.step_decay, (-1, 0.1, 0.5, 2), "epoch"),
    (schedules.step_decay, (1, 0.1, 0.0, 2), "factor"),
    (schedules.step_decay, (1, 0.1, 1.5, 2), "factor"),
    (schedules.step_decay, (1, 0.1, 0.5, 0), "step_size"),
    (schedules.step_decay, (1, 0.1, 0.5, 2.5), "step_size"),
    (schedules.step_decay, (1, 0.1, 0.5, "2"), "step_size"),
    (schedules.constant, (1, 0), "initial_lr"),
    (schedules.polynomial_decay, (1, 0.1, 0), "decay_steps"),
    (schedules.polynomial_decay, (1, 0.1, 10, -0.01), "end_lr"),
    (schedules.polynomial_decay, (1, 0.1, 10, 0.0, 0.0), "power"),
    (schedules.linear_warmup, (3, 0.0, 0.0, 5), "warmup_target"),
    (schedules.linear_warmup, (3, -0.1, 0.1, 5), "initial_lr"),
    (schedules.linear_warmup, (3, 0.0, 0.1, 0), "warmup_steps"),
    (schedules.cosine_decay, (1, 0.0, 10), "initial_lr"),  # no warm-up: the cosine would start at 0
    (schedules.cosine_decay, (1, -0.1, 10, 0.0, 0.1, 5), "initial_lr"),
    (schedules.cosine_decay, (1, 0.1, 0), "decay_steps"),
    (schedules.cosine_decay, (1, 0.1, 10, 1.5), "alpha"),
    (schedules.cosine_decay, (1, 0.0, 10, 0.0, 0.0, 5), "warmup_target"),
    (schedules.cosine_decay, (1, 0.0, 10, 0.0, 0.1, -1), "warmup_steps"),
    (schedules.cosine_decay_restarts, (1, 0.1, 0), "first_decay_steps"),
    (schedules.cosine_decay_restarts, (1, 0.1, 10, 0.0), "t_mul"),
    (schedules.cosine_decay_restarts, (1, 0.1, 10, 2.0, -1.0), "m_mul"),
    (schedules.cosine_decay_restarts, (1, 0.1, 10, 2.0, 1.0, -0.1), "alpha"),
]


@pytest.mark.parametrize("fn, args, name", BAD)
def test_bad_arguments_name_the_argument_and_echo_the_value(fn, args, name):
    with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}=") as error:
        fn(*args)
    assert "Argument" in str(error.value)


# ---- warmup_stable_decay ---------------------------------------------------------------------

WSD = (0.3, 7, 11, 5)  # peak_lr, warmup_steps, stable_steps, decay_steps


def test_warmup_stable_decay_phases_by_hand():
    peak, w, s, d = WSD
    steps = [
        0,
        1,
        w - 1,
        w,
        w + 1,
        w + s - 1,
        w + s,
        w + s + 1,
        w + s + d - 1,
        w + s + d,
        w + s + d + 1,
        500,
    ]
    by_hand = [
        0.0,
        peak / w,
        peak * (w - 1) / w,
        peak,
        peak,
        peak,
        peak,
        peak * (d - 1) / d,
        peak / d,
        0.0,
        0.0,
        0.0,
    ]
    np.testing.assert_allclose(
        schedules.warmup_stable_decay(np.array(steps), *WSD), by_hand, rtol=1e-12, atol=1e-15
    )
    assert isinstance(schedules.warmup_stable_decay(3, *WSD), float)


def test_warmup_stable_decay_warms_up_along_linear_warmup_and_without_warmup_starts_at_the_peak():
    peak, w, s, d = WSD
    steps = np.arange(w + s + 1)
    np.testing.assert_allclose(
        schedules.warmup_stable_decay(steps, *WSD), schedules.linear_warmup(steps, 0.0, peak, w)
    )
    assert schedules.warmup_stable_decay(0, peak, 0, 4, 2) == peak


@pytest.mark.parametrize(
    "args, name",
    [
        ((3, 0.0, 1, 1, 1), "peak_lr"),
        ((3, 0.1, -1, 1, 1), "warmup_steps"),
        ((3, 0.1, 1, 2.5, 1), "stable_steps"),
        ((3, 0.1, 1, 1, 0), "decay_steps"),
        ((-1, 0.1, 1, 1, 1), "step"),
    ],
)
def test_warmup_stable_decay_bad_arguments_name_the_argument(args, name):
    with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}="):
        schedules.warmup_stable_decay(*args)
