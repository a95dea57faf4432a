"""Lesson 02's exercise `keras2_to_keras3`: the reference passes, the stub is not attempted,
plausible wrong answers fail, and the reference's output really trains like Keras 2 did."""

import warnings

import keras
import numpy as np
import pytest

from lrlab import exercises, grading, schedules, solutions
from lrlab.exercises import check

ID = "keras2_to_keras3"


def test_reference_solution_passes():
    result = check(ID, solutions.keras2_to_keras3)
    assert result.passed, result


def test_solution_cell_runs_on_its_own_and_passes():
    namespace = {}
    exec(grading.solution_source(ID), namespace)
    assert check(ID, namespace["keras2_to_keras3"]).passed


def test_untouched_stub_is_not_attempted():
    namespace = {}
    exec(grading.student_source(ID), namespace)
    result = check(ID, namespace["keras2_to_keras3"])
    assert result.status == "not attempted" and not result.passed


def test_reference_output_builds_a_quiet_keras3_optimizer_that_decays_like_keras2():
    kwargs = {"lr": 0.1, "decay": 0.01, "momentum": 0.9}
    new = solutions.keras2_to_keras3(kwargs)
    assert kwargs == {"lr": 0.1, "decay": 0.01, "momentum": 0.9}  # input untouched
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizer = keras.optimizers.SGD(**new)
    assert not [w for w in caught if issubclass(w.category, UserWarning)]
    assert float(optimizer.momentum) == pytest.approx(0.9)
    for step in (0, 7, 250):
        optimizer.iterations.assign(step)
        expected = schedules.time_based_decay(step, 0.1, 0.01)  # Keras 2: lr / (1 + decay * t)
        assert float(optimizer.learning_rate) == pytest.approx(expected, rel=1e-6)


def test_the_keras2_spellings_in_the_cases_really_fail_or_are_ignored_in_keras3():
    # The premise of the exercise, checked against the installed Keras.
    with pytest.raises(ValueError, match="lr"):
        keras.optimizers.SGD(lr=0.1)
    with pytest.raises(ValueError, match="learning_rate"):
        keras.optimizers.SGD(learning_rate=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizer = keras.optimizers.SGD(learning_rate=0.1, decay=0.01)
    assert any("decay" in str(w.message) for w in caught)
    optimizer.iterations.assign(100)
    assert float(optimizer.learning_rate) == pytest.approx(0.1)  # never decays


def _keep_decay(kwargs):
    new = dict(kwargs)
    if "lr" in new:
        new["learning_rate"] = float(new.pop("lr"))
    return new


def _keep_lr_key(kwargs):
    new = dict(kwargs)
    decay = new.pop("decay", 0.0)
    if decay:
        new["lr"] = keras.optimizers.schedules.InverseTimeDecay(new["lr"], 1, decay)
    return new


def _no_float(kwargs):
    new = dict(kwargs)
    if "lr" in new:
        new["learning_rate"] = new.pop("lr")
    decay = new.pop("decay", 0.0)
    if decay:
        new["learning_rate"] = keras.optimizers.schedules.InverseTimeDecay(new["learning_rate"], 1, decay)
    return new


def _make(schedule_fn, mutate=False, keep_zero_decay=False):
    def answer(kwargs):
        new = kwargs if mutate else dict(kwargs)
        if "lr" in new:
            new["learning_rate"] = new.pop("lr")
        lr = float(new["learning_rate"])
        decay = new.get("decay", 0.0) if keep_zero_decay else new.pop("decay", 0.0)
        new["learning_rate"] = schedule_fn(lr, decay) if decay else lr
        return new

    return answer


_inverse = lambda lr, k: keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=k)

WRONG = {
    "keeps decay (silently ignored)": _keep_decay,
    "keeps the lr key": _keep_lr_key,
    "leaves an int learning rate": _no_float,
    "exponential instead of inverse-time": _make(
        lambda lr, k: keras.optimizers.schedules.ExponentialDecay(lr, decay_steps=1, decay_rate=1 - k)),
    "decay counted per 100 steps": _make(
        lambda lr, k: keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=100, decay_rate=k)),
    "drops the decay": _make(lambda lr, k: lr),
    "mutates its input": _make(_inverse, mutate=True),
    "keeps decay=0": _make(_inverse, keep_zero_decay=True),
    "returns None": lambda kwargs: None,
    "returns an optimizer": lambda kwargs: keras.optimizers.SGD(learning_rate=0.1),
}


@pytest.mark.parametrize("answer", WRONG.values(), ids=WRONG.keys())
def test_plausible_wrong_answers_fail(answer):
    result = check(ID, answer)
    assert result.status == "failed", result
    assert "Traceback" not in result.message


def test_a_correct_answer_written_differently_also_passes():
    def answer(kwargs):
        out = {k: v for k, v in kwargs.items() if k not in ("lr", "decay")}
        lr = float(kwargs.get("lr", kwargs.get("learning_rate")))
        k = kwargs.get("decay", 0)
        out["learning_rate"] = (lambda step: lr / (1 + k * np.asarray(step, float))) if k else lr
        return out

    assert check(ID, answer).passed


def test_registered_with_a_longer_timeout_for_the_first_keras_call():
    assert exercises.EXERCISES[ID].timeout >= 10
