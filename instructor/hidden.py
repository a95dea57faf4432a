"""Hidden cases: run only by the autograder, never shipped to students.

`verify(exercise_id, answer)` runs the exercise's visible checker (`lrlab.exercises.lessonNN`,
the cases students see under `check`) and then its hidden cases (`HIDDEN_CASES` in
`instructor.lessonNN`): other inputs, with expected values from the pure `lrlab` modules (an
independent reference, not the student's namespace). The
autograder calls it in a fresh process (`instructor.cleanroom`), where nothing the student's
other cells did can have rebound `check`, `lrlab` or NumPy.
"""

import dataclasses

from instructor import solutions
from lrlab import exercises

__all__ = ["verify", "assert_passes"]

_HINT = "this is one of the autograder's hidden cases: test your function on other inputs than the visible ones."


def verify(exercise_id, answer):
    """The autograder's verdict on `answer`: a `CheckResult`, passed only if the visible and the hidden cases pass."""
    result = exercises.check(exercise_id, answer)
    cases = solutions.hidden_cases(exercise_id)
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
