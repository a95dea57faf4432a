"""lrlab.schedules against closed forms written out independently, with non-zero parameters."""

import math

import numpy as np
import pytest

from lrlab import schedules

LR0 = 0.3


@pytest.mark.parametrize("step", [0, 1, 7, 500, 10**6])
def test_time_based_decay_matches_closed_form(step):
    assert schedules.time_based_decay(step, LR0, 0.05) == pytest.approx(LR0 / (1 + 0.05 * step), rel=1e-12)


@pytest.mark.parametrize("step", [0, 1, 7, 500, 10**5])
def test_exponential_decay_matches_closed_form(step):
    assert schedules.exponential_decay(step, LR0, 0.01) == pytest.approx(LR0 * math.exp(-0.01 * step), rel=1e-12)


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
    ],
)
def test_scalar_in_float_out_array_in_array_out(fn, kwargs):
    scalar = fn(5, **kwargs)
    assert type(scalar) is float
    grid = np.arange(12).reshape(3, 4)
    array = fn(grid, **kwargs)
    assert isinstance(array, np.ndarray) and array.shape == (3, 4)
    assert array[1, 1] == pytest.approx(scalar)
    assert np.all(np.diff(array.ravel()) <= 0)  # never increases


def test_zero_decay_rate_is_constant():
    assert schedules.time_based_decay(1000, LR0, 0.0) == LR0
    assert schedules.exponential_decay(1000, LR0, 0.0) == LR0
    assert schedules.step_decay(1000, LR0, 1.0, 2) == LR0


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
]


@pytest.mark.parametrize("fn, args, name", BAD)
def test_bad_arguments_name_the_argument_and_echo_the_value(fn, args, name):
    with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}=") as error:
        fn(*args)
    assert "Argument" in str(error.value)
