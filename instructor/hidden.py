"""Hidden cases: run only by the autograder, never shipped to students.

`verify(exercise_id, answer)` runs the exercise's visible checker (`lrlab.exercises.lessonNN`,
the cases students see under `check`) and then its hidden cases (`HIDDEN_CASES` in
`instructor.lessonNN`): other inputs, with expected values from the pure `lrlab` modules (an
independent reference, not the student's namespace). The class grader (`instructor.judge`)
runs `hidden_verify` in its own process on what a sandboxed run of the student's code returned.
"""

from instructor import solutions
from lrlab import exercises
from lrlab.exercises import framework

__all__ = ["hidden_verify", "combined", "verify"]

_HINT = "this is one of the autograder's hidden cases: test your function on other inputs than the visible ones."


def hidden_verify(exercise_id):
    """The checker of the exercise's hidden cases, a `verify(call)`; None if it has none."""
    cases = solutions.hidden_cases(exercise_id)
    if not cases:
        return None
    return exercises.numeric_cases(
        exercise_id, [(args, expected, _HINT) for args, expected in cases]
    )


def combined(visible, hidden):
    """One verdict from the visible cases' `CheckResult` and the hidden ones' (None: no hidden cases)."""
    if not visible.passed or hidden is None or hidden.passed:
        return visible
    return exercises.CheckResult(
        visible.exercise_id,
        exercises.FAILED,
        f"the visible cases pass, but not all hidden ones: {hidden.message}",
    )


def verify(exercise_id, answer):
    """The autograder's verdict on `answer`: a `CheckResult`, passed only if the visible and the
    hidden cases pass (in this process; the class grader replays a sandbox's results instead)."""
    visible = exercises.check(exercise_id, answer)
    hidden = hidden_verify(exercise_id)
    if not visible.passed or hidden is None:
        return visible
    spec = exercises.EXERCISES[exercise_id]
    call = lambda *args: framework.call_answer(spec, answer, args)
    return combined(visible, framework.judge(exercise_id, call, verify=hidden))
