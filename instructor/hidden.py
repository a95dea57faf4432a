"""Hidden cases: run only by the autograder, never shipped to students.

`verify(exercise_id, answer)` runs the exercise's visible checker (`lrlab.checkers`, the cases
students see under `check`) and then the hidden cases below: other inputs, with expected values
from the pure `lrlab` modules (an independent reference, not the student's namespace). The
autograder calls it in a fresh process (`instructor.cleanroom`), where nothing the student's
other cells did can have rebound `check`, `lrlab` or NumPy.
"""

import dataclasses

import numpy as np

from lrlab import exercises, landscapes, schedules

__all__ = ["HIDDEN_CASES", "verify", "assert_passes"]

_W = np.array([[0.3, -1.2], [4.0, 0.0]])
_G = np.array([[-0.5, 0.25], [1.5, -2.0]])
_HINT = "this is one of the autograder's hidden cases: test your function on other inputs than the visible ones."

# exercise id -> [(args, expected)]; only exercises whose answer is a plain function of numbers.
HIDDEN_CASES = {
    "sgd_step": [
        ((3.0, -0.25, 0.2), 3.05),
        ((_W, _G, 0.05), _W - 0.05 * _G),
        ((-1.5, 0.0, 10.0), -1.5),
    ],
    "largest_stable_lr": [((c,), landscapes.stability_limit(c)) for c in (0.01, 123.0, 2.0)],
    "time_based_decay": [
        ((t, 0.5, k), schedules.time_based_decay(t, 0.5, k)) for t, k in ((3, 0.25), (250, 0.004))
    ],
    "step_decay": [
        ((e, 0.3, f, s), schedules.step_decay(e, 0.3, f, s))
        for e, f, s in ((49, 0.9, 7), (6, 0.5, 7), (100, 0.1, 50))
    ],
    "exponential_decay": [
        ((t, 0.05, k), schedules.exponential_decay(t, 0.05, k)) for t, k in ((123, 0.003), (2, 1.5))
    ],
}


def verify(exercise_id, answer):
    """The autograder's verdict on `answer`: a `CheckResult`, passed only if the visible and the hidden cases pass."""
    result = exercises.check(exercise_id, answer)
    cases = HIDDEN_CASES.get(exercise_id)
    if not result.passed or not cases:
        return result
    hidden = exercises.EXERCISES[exercise_id]
    verify_hidden = exercises.numeric_cases(
        exercise_id, [(args, expected, _HINT) for args, expected in cases]
    )
    spec = dataclasses.replace(hidden, verify=verify_hidden)
    exercises.EXERCISES[exercise_id] = spec
    try:
        hidden_result = exercises.check(exercise_id, answer)
    finally:
        exercises.EXERCISES[exercise_id] = hidden
    if hidden_result.passed:
        return result
    return exercises.CheckResult(
        exercise_id,
        exercises.FAILED,
        f"the visible cases pass, but not all hidden ones: {hidden_result.message}",
    )


def assert_passes(exercise_id, answer):
    """For nbgrader's hidden-test block: print the verdict, and raise AssertionError unless it passed."""
    result = verify(exercise_id, answer)
    print(result)
    if not result.passed:
        raise AssertionError(str(result))
