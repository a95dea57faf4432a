"""The exercise checkers are not vacuous, and never show a traceback or hang.

For every exercise: the reference solution passes, the untouched notebook stub is "not
attempted", and plausible wrong answers fail. Then the framework's robustness.
"""

import math
import threading

import numpy as np
import pytest

from lrlab import exercises, grading, solutions
from lrlab.exercises import check

FIXED_IDS = ["sgd_step", "largest_stable_lr", "log_uniform", "time_based_decay", "step_decay", "exponential_decay"]


@pytest.mark.parametrize("exercise_id", sorted(exercises.EXERCISES))
def test_reference_solution_passes(exercise_id):
    answer = getattr(solutions, exercises.EXERCISES[exercise_id].name)
    result = check(exercise_id, answer)
    assert result.passed, result


@pytest.mark.parametrize("exercise_id", sorted(exercises.EXERCISES))
def test_generated_stub_is_not_attempted(exercise_id):
    namespace = {}
    exec(grading.student_source(exercise_id), namespace)
    result = check(exercise_id, namespace[exercises.EXERCISES[exercise_id].name])
    assert result.status == "not attempted" and not result.passed


@pytest.mark.parametrize("exercise_id", sorted(exercises.EXERCISES))
def test_solution_cell_runs_on_its_own_and_passes(exercise_id):
    namespace = {}
    exec(grading.solution_source(exercise_id), namespace)
    assert check(exercise_id, namespace[exercises.EXERCISES[exercise_id].name]).passed


def test_the_fixed_course_ids_are_registered():
    assert set(FIXED_IDS) <= set(exercises.EXERCISES)


WRONG = {
    "sgd_step": [
        lambda w, grad, lr: w + lr * grad,  # wrong sign
        lambda w, grad, lr: w - grad,  # forgot the learning rate
        lambda w, grad, lr: lr * grad,  # returns the change, not the new weights
        lambda w, grad, lr: w - lr * np.sign(grad),  # sign of the gradient only
        lambda w, grad, lr: float(np.mean(w - lr * grad)),  # breaks on arrays
    ],
    "largest_stable_lr": [
        lambda c: 1.0 / c,  # the monotone limit, not the stability limit
        lambda c: 2.0 * c,
        lambda c: c / 2.0,
        lambda c: 2.0,
    ],
    "time_based_decay": [
        lambda step, lr0, k: lr0 / (1 + k * (step + 1)),  # off by one step
        lambda step, lr0, k: lr0 * (1 + k * step),  # multiplies
        lambda step, lr0, k: lr0 * math.exp(-k * step),  # exponential instead
        lambda step, lr0, k: lr0 / (1 + k) ** step,
        lambda step, lr0, k: lr0 / (k * step) if step else lr0,  # forgot the 1
    ],
    "step_decay": [
        lambda epoch, lr0, f, s: lr0 * f ** round(epoch / s),  # round instead of floor
        lambda epoch, lr0, f, s: lr0 * f ** math.floor((epoch + 1) / s),  # off by one epoch
        lambda epoch, lr0, f, s: lr0 * f ** math.ceil(epoch / s),
        lambda epoch, lr0, f, s: lr0 * f ** (epoch / s),  # no floor: smooth decay
        lambda epoch, lr0, f, s: lr0 * f * math.floor(epoch / s),
    ],
    "exponential_decay": [
        lambda step, lr0, k: lr0 * 10 ** (-k * step),  # base 10 instead of e
        lambda step, lr0, k: lr0 * math.exp(k * step),  # wrong sign
        lambda step, lr0, k: lr0 * k**step,
        lambda step, lr0, k: lr0 * math.exp(-k * (step + 1)),  # off by one step
        lambda step, lr0, k: lr0 / (1 + k * step),  # time-based instead
    ],
    "log_uniform": [
        lambda low, high, n, rng: rng.uniform(low, high, n),  # uniform, not log-uniform
        lambda low, high, n, rng: np.exp(np.random.uniform(np.log(low), np.log(high), n)),  # ignores rng
        lambda low, high, n, rng: np.exp(rng.uniform(np.log(low), np.log(high), n - 1)),  # n - 1 samples
        lambda low, high, n, rng: 10 ** rng.uniform(low, high, n),  # exponents are the bounds
        lambda low, high, n, rng: np.sort(np.exp(rng.uniform(np.log(low), np.log(high), n)))[: n // 2].repeat(2),
        lambda low, high, n, rng: np.geomspace(low, high, n),  # a grid, not random (ignores rng)
    ],
}


@pytest.mark.parametrize(
    "exercise_id, answer", [(eid, fn) for eid, fns in WRONG.items() for fn in fns],
)
def test_plausible_wrong_answers_fail(exercise_id, answer):
    result = check(exercise_id, answer)
    assert result.status == "failed", result


def test_a_correct_log_uniform_in_base_10_also_passes():
    answer = lambda low, high, n, rng: 10 ** rng.uniform(np.log10(low), np.log10(high), n)  # noqa: E731
    assert check("log_uniform", answer).passed


def test_verdict_shows_the_failing_case_expected_value_and_hint():
    text = repr(check("step_decay", lambda epoch, lr0, f, s: lr0 * f ** round(epoch / s)))
    assert "step_decay(" in text and "expected" in text and "Hint:" in text and "floor" in text


def _raises(w, grad, lr):
    return {}[w]


def _loops(w, grad, lr):
    while True:
        pass


def _swallows(w, grad, lr):
    while True:
        try:
            pass
        except Exception:
            pass


@pytest.mark.parametrize(
    "answer, words",
    [
        (_raises, "raised KeyError"),
        (lambda w, grad, lr: "w - lr * grad", "returned str"),
        (lambda w, grad, lr: None, "returned NoneType"),
        (lambda w, grad, lr: float("nan"), "returned nan"),
        (lambda w: w, "raised TypeError"),  # wrong signature
        (42, "got int 42"),
        (None, "got NoneType"),
    ],
)
def test_broken_answers_get_friendly_verdicts(answer, words):
    result = check("sgd_step", answer)
    assert result.status == "failed" and words in result.message
    assert "Traceback" not in repr(result)


@pytest.mark.parametrize("runaway", [_loops, _swallows])
def test_runaway_answers_time_out(monkeypatch, runaway):
    monkeypatch.setitem(exercises.EXERCISES, "sgd_step", exercises.EXERCISES["sgd_step"].__class__(
        "sgd_step", exercises.EXERCISES["sgd_step"].verify, timeout=0.2))
    result = check("sgd_step", runaway)
    assert result.status == "failed" and "did not finish within 0.2 s" in result.message


def test_timeout_works_off_the_main_thread_too(monkeypatch):
    monkeypatch.setitem(exercises.EXERCISES, "sgd_step", exercises.EXERCISES["sgd_step"].__class__(
        "sgd_step", exercises.EXERCISES["sgd_step"].verify, timeout=0.2))
    box = {}
    before = threading.active_count()
    worker = threading.Thread(target=lambda: box.update(result=check("sgd_step", _swallows)))
    worker.start()
    worker.join(5)
    assert "did not finish" in box["result"].message
    assert threading.active_count() == before  # the runaway loop was stopped, not left spinning
    box.clear()
    worker = threading.Thread(target=lambda: box.update(result=check("sgd_step", solutions.sgd_step)))
    worker.start()
    worker.join(5)
    assert box["result"].passed


def test_unknown_id_raises_value_error_listing_known_ids():
    with pytest.raises(ValueError, match=r"`exercise_id`.*sgd_step.*Received: exercise_id='sgd'"):
        check("sgd", solutions.sgd_step)


def test_answers_do_not_see_mutated_inputs():
    def mutating(w, grad, lr):
        if isinstance(w, np.ndarray):
            w -= lr * grad
            return w
        return w - lr * grad

    assert check("sgd_step", mutating).passed  # each case gets fresh copies of its arrays
