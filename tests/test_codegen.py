"""lrlab.codegen: the generated Keras source builds exactly the curve `numpy_curve` draws."""

import math

import keras
import numpy as np
import pytest

from lrlab import codegen, schedules

STEPS = np.arange(1500)
CASES = {
    "constant": dict(initial_learning_rate=0.3),
    "time_based_decay": dict(initial_learning_rate=0.1, decay_rate=0.02),
    "time_based_decay_epoch": dict(initial_learning_rate=0.1, decay_rate=0.3, steps_per_epoch=17),
    "step_decay": dict(initial_learning_rate=0.2, factor=0.3, step_size=2, steps_per_epoch=17),
    "piecewise_step_decay": dict(
        initial_learning_rate=0.2, factor=0.3, step_size=2, steps_per_epoch=17, epochs=90
    ),
    "exponential_decay": dict(initial_learning_rate=0.1, decay_rate=3e-4),
    "exponential_decay_epoch": dict(initial_learning_rate=0.1, decay_rate=0.1, steps_per_epoch=17),
    "polynomial_decay": dict(
        initial_learning_rate=0.1, decay_steps=1000, end_learning_rate=0.002, power=1.5
    ),
    "cosine_decay": dict(initial_learning_rate=0.1, decay_steps=1200, alpha=0.05),
    "cosine_decay_warmup": dict(
        initial_learning_rate=0.01, decay_steps=1000, alpha=0.05, warmup_target=0.2, warmup_steps=60
    ),
    "cosine_decay_restarts": dict(
        initial_learning_rate=0.1, first_decay_steps=90, t_mul=2.0, m_mul=0.6, alpha=0.02
    ),
    "cosine_decay_restarts_t1": dict(
        initial_learning_rate=0.1, first_decay_steps=90, t_mul=1.0, m_mul=0.9, alpha=0.0
    ),
}


def _name(case):
    return next(n for n in sorted(codegen.SCHEDULES, key=len, reverse=True) if case.startswith(n))


@pytest.mark.parametrize("case", sorted(CASES))
def test_generated_code_matches_numpy_curve(case):
    name, params = _name(case), CASES[case]
    assert codegen.max_relative_error(name, STEPS, **params) < 1e-6


def test_numpy_curves_count_steps_or_whole_epochs():
    t = STEPS.astype(float)
    np.testing.assert_allclose(
        codegen.numpy_curve("time_based_decay", t, **CASES["time_based_decay"]),
        0.1 / (1 + 0.02 * t),
    )
    np.testing.assert_allclose(
        codegen.numpy_curve("time_based_decay", t, **CASES["time_based_decay_epoch"]),
        0.1 / (1 + 0.3 * np.floor(t / 17)),
    )
    np.testing.assert_allclose(
        codegen.numpy_curve("step_decay", t, **CASES["step_decay"]),
        0.2 * 0.3 ** np.floor(np.floor(t / 17) / 2),
    )


def test_numpy_curves_are_the_schedules_closed_forms_under_keras_names():
    t = STEPS.astype(float)
    np.testing.assert_array_equal(
        codegen.numpy_curve("polynomial_decay", t, **CASES["polynomial_decay"]),
        schedules.polynomial_decay(t, 0.1, 1000, end_lr=0.002, power=1.5),
    )
    np.testing.assert_array_equal(
        codegen.numpy_curve("cosine_decay", t, **CASES["cosine_decay_warmup"]),
        schedules.cosine_decay(t, 0.01, 1000, 0.05, warmup_target=0.2, warmup_steps=60),
    )
    np.testing.assert_array_equal(
        codegen.numpy_curve("cosine_decay_restarts", t, **CASES["cosine_decay_restarts"]),
        schedules.cosine_decay_restarts(t, 0.1, 90, t_mul=2.0, m_mul=0.6, alpha=0.02),
    )


def test_exponential_code_keeps_float32_precision_where_the_direct_form_drifts():
    steps = np.arange(5000)
    exact = 0.1 * np.exp(-1e-4 * steps)
    direct = keras.optimizers.schedules.ExponentialDecay(0.1, 1, math.exp(-1e-4))
    assert (
        np.max(np.abs(np.asarray(direct(steps)) - exact)) / 0.1 > 1e-5
    )  # the drift the lesson shows
    assert (
        codegen.max_relative_error(
            "exponential_decay", steps, initial_learning_rate=0.1, decay_rate=1e-4
        )
        < 3e-7
    )


def test_piecewise_boundaries_are_inclusive():
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay([9], [1.0, 0.5])
    assert float(schedule(9)) == 1.0 and float(schedule(10)) == 0.5
    code = codegen.keras_code("piecewise_step_decay", **CASES["piecewise_step_decay"])
    assert "i * 34 - 1" in code


@pytest.mark.parametrize(
    "name, params, argument",
    [
        ("one_cycle", dict(initial_learning_rate=0.1), "name"),
        ("time_based_decay", dict(initial_learning_rate=0.1, decay_rate=-1), "decay_rate"),
        (
            "step_decay",
            dict(initial_learning_rate=0.1, factor=0.5, step_size=1, steps_per_epoch=0),
            "steps_per_epoch",
        ),
        # lrlab.schedules says initial_lr / end_lr; the message uses the Keras name the caller passed
        ("constant", dict(initial_learning_rate=0.0), "initial_learning_rate"),
        ("cosine_decay", dict(initial_learning_rate=-0.1, decay_steps=10), "initial_learning_rate"),
        (
            "polynomial_decay",
            dict(initial_learning_rate=0.1, decay_steps=10, end_learning_rate=-1.0),
            "end_learning_rate",
        ),
    ],
)
def test_errors_name_the_argument_the_caller_passed(name, params, argument):
    for call in (
        lambda: codegen.keras_code(name, **params),
        lambda: codegen.numpy_curve(name, STEPS, **params),
    ):
        with pytest.raises(ValueError, match=f"`{argument}`.*Received: {argument}="):
            call()
