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
    "adam_steps",
    "stable_lr_limit",
    "log_uniform",
    "time_based_decay",
    "step_decay",
    "exponential_decay",
]


def test_the_fixed_course_ids_are_registered():
    assert set(FIXED_IDS) <= set(exercises.EXERCISES)


def _raises(gradients, learning_rate):
    return {}[learning_rate]


def _loops(gradients, learning_rate):
    while True:
        pass


def _swallows(gradients, learning_rate):
    while True:
        try:
            pass
        except Exception:
            pass


@pytest.mark.parametrize(
    "answer, words",
    [
        (_raises, "raised KeyError"),
        (lambda gradients, learning_rate: "-learning_rate", "returned str"),
        (lambda gradients, learning_rate: None, "returned NoneType"),
        (lambda gradients, learning_rate: gradients * np.nan, "returned nan"),
        (lambda gradients: gradients, "raised TypeError"),  # wrong signature
        (42, "got int 42"),
        (None, "got NoneType"),
    ],
)
def test_broken_answers_get_friendly_verdicts(answer, words):
    result = check("adam_steps", answer)
    assert result.status == "failed" and words in result.message
    assert "Traceback" not in repr(result)


@pytest.mark.parametrize("runaway", [_loops, _swallows])
def test_runaway_answers_time_out(monkeypatch, runaway):
    monkeypatch.setitem(
        exercises.EXERCISES,
        "adam_steps",
        dataclasses.replace(exercises.EXERCISES["adam_steps"], timeout=0.2),
    )
    result = check("adam_steps", runaway)
    assert result.status == "failed" and "did not finish within 0.2 s" in result.message


def test_timeout_works_off_the_main_thread_too(monkeypatch):
    monkeypatch.setitem(
        exercises.EXERCISES,
        "adam_steps",
        dataclasses.replace(exercises.EXERCISES["adam_steps"], timeout=0.2),
    )
    box = {}
    before = threading.active_count()
    worker = threading.Thread(target=lambda: box.update(result=check("adam_steps", _swallows)))
    worker.start()
    worker.join(5)
    assert "did not finish" in box["result"].message
    assert threading.active_count() == before  # the runaway loop was stopped, not left spinning
    box.clear()
    namespace = {}
    exec(cells.solution_source("adam_steps"), namespace)  # the reference, as a student's cell
    worker = threading.Thread(
        target=lambda: box.update(result=check("adam_steps", namespace["adam_steps"]))
    )
    worker.start()
    worker.join(5)
    assert box["result"].passed


def test_unknown_id_raises_value_error_listing_known_ids():
    with pytest.raises(
        ValueError, match=r"`exercise_id`.*adam_steps.*Received: exercise_id='adam'"
    ):
        check("adam", solutions.reference("adam_steps"))


def test_answers_do_not_see_mutated_inputs():
    namespace = {}
    exec(cells.solution_source("adam_steps"), namespace)  # the reference, as a student's cell

    def mutating(gradients, learning_rate):
        changes = namespace["adam_steps"](gradients, learning_rate)
        gradients *= -1.0  # the checker compares with its own copy of the case
        return changes

    assert check("adam_steps", mutating).passed  # each case gets fresh copies of its arrays


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
