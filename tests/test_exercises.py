"""The checking framework (`lrlab.exercises`): a verdict for every kind of broken answer,
never a traceback, never a hung kernel. The checkers themselves are tested in test_checkers.py.
"""

import dataclasses
import subprocess
import sys
import threading

import numpy as np
import pytest

from instructor import cells, solutions
from lrlab import exercises
from lrlab.exercises import check

FIXED_IDS = [
    "sgd_step",
    "largest_stable_lr",
    "log_uniform",
    "time_based_decay",
    "step_decay",
    "exponential_decay",
]


def test_the_fixed_course_ids_are_registered():
    assert set(FIXED_IDS) <= set(exercises.EXERCISES)


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
    monkeypatch.setitem(
        exercises.EXERCISES,
        "sgd_step",
        dataclasses.replace(exercises.EXERCISES["sgd_step"], timeout=0.2),
    )
    result = check("sgd_step", runaway)
    assert result.status == "failed" and "did not finish within 0.2 s" in result.message


def test_timeout_works_off_the_main_thread_too(monkeypatch):
    monkeypatch.setitem(
        exercises.EXERCISES,
        "sgd_step",
        dataclasses.replace(exercises.EXERCISES["sgd_step"], timeout=0.2),
    )
    box = {}
    before = threading.active_count()
    worker = threading.Thread(target=lambda: box.update(result=check("sgd_step", _swallows)))
    worker.start()
    worker.join(5)
    assert "did not finish" in box["result"].message
    assert threading.active_count() == before  # the runaway loop was stopped, not left spinning
    box.clear()
    namespace = {}
    exec(cells.solution_source("sgd_step"), namespace)  # the reference, as a student's cell
    worker = threading.Thread(
        target=lambda: box.update(result=check("sgd_step", namespace["sgd_step"]))
    )
    worker.start()
    worker.join(5)
    assert box["result"].passed


def test_unknown_id_raises_value_error_listing_known_ids():
    with pytest.raises(ValueError, match=r"`exercise_id`.*sgd_step.*Received: exercise_id='sgd'"):
        check("sgd", solutions.reference("sgd_step"))


def test_answers_do_not_see_mutated_inputs():
    def mutating(w, grad, lr):
        if isinstance(w, np.ndarray):
            w -= lr * grad
            return w
        return w - lr * grad

    assert check("sgd_step", mutating).passed  # each case gets fresh copies of its arrays


def test_guarded_turns_what_went_wrong_into_a_verdict():
    def long_error():
        raise ValueError("first line\n" + "x" * 500)

    with pytest.raises(
        exercises.Failure, match=r"^step\(\) raised ValueError: first line\. Try again\.$"
    ):
        exercises.guarded("step()", long_error, hint="Try again.")
    with pytest.raises(exercises.Failure, match="x{500}"):
        exercises.guarded("step()", long_error, first_line_only=False)
    with pytest.raises(exercises.NotAttempted):
        exercises.guarded("stub()", _not_implemented)
    assert exercises.guarded("add()", lambda a, b: a + b, 2, 3) == 5


def _not_implemented():
    raise NotImplementedError


def test_importing_exercises_registers_every_checker_without_tensorflow():
    code = (
        "import sys, lrlab, lrlab.schedules, lrlab.landscapes, lrlab.exercises as e; "
        "print(len(e.EXERCISES), 'tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(len(exercises.EXERCISES)), "False"]


def test_an_error_from_graph_mode_names_the_error_raised_in_the_students_code():
    import tensorflow as tf

    @tf.function
    def traced(step):
        return tf.cast(step, tf.float32) * tf.constant(2, tf.int64)  # float * int: TypeError

    with pytest.raises(exercises.Failure) as failure:
        exercises.guarded("WSDSchedule(...)(3) in graph mode", traced, tf.constant(3))
    message = str(failure.value)
    assert "in user code" not in message and "in graph mode: TypeError:" in message, message
    assert len(message) < 400
