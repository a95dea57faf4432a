"""Lesson 07's capstone exercise `plan_learning_rate`: the checker trains the plan and judges it."""

import keras
import pytest

from lrlab import exercises, grading, solutions
from lrlab.exercises import CAPSTONE, check


def _plan(make):
    """A student answer: plan_learning_rate(steps_per_epoch, epochs) -> make()."""
    return lambda steps_per_epoch, epochs: make()


def test_reference_plan_passes():
    result = check("plan_learning_rate", solutions.plan_learning_rate)
    assert result.passed, result.message


def test_reference_plan_clears_the_target_with_a_margin():
    spe, epochs = CAPSTONE["steps_per_epoch"], CAPSTONE["epochs"]
    accuracies, _ = exercises.train_capstone(solutions.plan_learning_rate(spe, epochs))
    assert accuracies[-1] >= CAPSTONE["target_accuracy"] + 0.03


def test_the_budget_is_what_the_checker_trains():
    (x, _), _ = exercises.capstone_data()
    assert -(-len(x) // CAPSTONE["batch_size"]) == CAPSTONE["steps_per_epoch"]


def test_untouched_stub_is_not_attempted():
    namespace = {}
    exec(grading.student_source("plan_learning_rate"), namespace)
    result = check("plan_learning_rate", namespace["plan_learning_rate"])
    assert result.status == "not attempted"


def test_too_small_a_learning_rate_fails_with_a_hint():
    result = check("plan_learning_rate", _plan(lambda: keras.optimizers.Adam(1e-6)))
    assert result.status == "failed"
    assert "too small" in result.message


def test_too_large_a_learning_rate_fails():
    result = check("plan_learning_rate", _plan(lambda: keras.optimizers.Adam(100.0)))
    assert result.status == "failed"
    assert "too large" in result.message


def test_a_diverging_plan_gets_a_friendly_verdict():
    result = check("plan_learning_rate", _plan(lambda: keras.optimizers.SGD(1e3)))
    assert result.status == "failed"
    assert "diverged" in result.message and "too large" in result.message


@pytest.mark.parametrize(
    "answer, words",
    [
        (_plan(lambda: 0.01), "expected a Keras optimizer"),
        (_plan(lambda: "adam"), "expected a Keras optimizer"),
        (_plan(lambda: keras.optimizers.Adam), "create one"),
        (_plan(lambda: keras.optimizers.SGD(float("nan"))), "finite"),
        (_plan(lambda: keras.optimizers.SGD(100)), "raised ValueError"),  # an int LR: Keras refuses it
        (
            _plan(lambda: keras.optimizers.SGD(keras.optimizers.schedules.PiecewiseConstantDecay([10], [0.1, -0.1]))),
            "step 11",
        ),
        (_plan(lambda: keras.optimizers.SGD(0.0)), "0 at every step"),
        (lambda spe: keras.optimizers.Adam(), "raised TypeError"),
    ],
)
def test_broken_plans_get_friendly_verdicts(answer, words):
    result = check("plan_learning_rate", answer)
    assert result.status == "failed"
    assert words in result.message
    assert "Traceback" not in result.message
