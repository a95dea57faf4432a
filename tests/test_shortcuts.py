"""An answer has to be the student's own: while an exercise is checked, the lrlab objects that
answer it are off (`Exercise.off`), and so is the instructor's reference solution.

For every exercise and each of its off objects: the object itself, a subclass of it, a function
or class that wraps it (called directly, through an alias imported earlier, or as a
functools.partial), each fails with a verdict that names the object; so does the instructor's
reference solution; and the objects work again once the check is over.
"""

import functools

import keras
import numpy as np
import pytest

from instructor import solutions
from lrlab import exercises, search
from lrlab.exercises import check, framework

OFF = [(e, dotted) for e, spec in sorted(exercises.EXERCISES.items()) for dotted in spec.off]


def _wrappers(exercise_id, obj):
    """Answers that hand the work to `obj`, in the shape the exercise asks for."""
    if exercises.EXERCISES[exercise_id].kind == "class":

        class Subclass(obj):  # the off object under another name
            pass

        class Wrapper(keras.optimizers.schedules.LearningRateSchedule):
            def __init__(self, *args, **kwargs):
                self.inner = obj(*args, **kwargs)

            def __call__(self, step):
                return self.inner(step)

            def get_config(self):
                return self.inner.get_config()

        return {"subclass": Subclass, "wrapper": Wrapper}
    alias = obj  # as after `from lrlab.x import y as alias` in an earlier cell

    def wrapper(*args):
        return alias(*args)

    return {"wrapper": wrapper, "partial": functools.partial(obj)}


def _assert_refused(result, dotted):
    assert not result.passed, result
    assert f"`{dotted}` is off while this exercise is checked" in result.message, result
    assert "Traceback" not in result.message


def test_every_exercise_that_an_lrlab_object_answers_names_it():
    named = {e for e, _ in OFF}
    assert {
        "log_uniform",
        "classify_curve",
        "stable_lr_limit",
        "adam_steps",  # Keras's own Adam
        "layerwise_optimizer",
    } <= named
    assert {"step_decay_schedule", "wsd_schedule", "step_decay", "time_based_decay"} <= named
    assert "exponential_decay" in named
    assert "sharpness_from_hvp" in named  # the lesson's meter and its power iteration
    for _, dotted in OFF:
        framework._resolve(dotted)  # every name is real


@pytest.mark.parametrize("exercise_id, dotted", OFF)
def test_the_off_object_itself_is_refused(exercise_id, dotted):
    _assert_refused(check(exercise_id, framework._resolve(dotted)), dotted)


@pytest.mark.parametrize("exercise_id, dotted", OFF)
@pytest.mark.parametrize("how", ["wrapper", "subclass", "partial"])
def test_an_answer_built_on_the_off_object_is_refused(exercise_id, dotted, how):
    obj = framework._resolve(dotted)
    kind = exercises.EXERCISES[exercise_id].kind
    answers = _wrappers(exercise_id, obj) if kind == "function" or isinstance(obj, type) else {}
    if how not in answers:
        pytest.skip(f"no {how} of {dotted} has the shape of {exercise_id}'s answer")
    _assert_refused(check(exercise_id, answers[how]), dotted)


@pytest.mark.parametrize("exercise_id", sorted(exercises.EXERCISES))
def test_the_instructors_solution_is_refused(exercise_id):
    # The same code as a student's cell passes: test_checkers.py's
    # test_solution_cell_runs_on_its_own_and_passes.
    refused = check(exercise_id, solutions.reference(exercise_id))
    assert not refused.passed and "instructor's reference solution" in refused.message, refused


def test_an_answer_that_calls_the_instructors_solution_is_refused():
    reference = solutions.reference("adam_steps")  # imported before, as by the grader

    def adam_steps(gradients, learning_rate):
        return reference(gradients, learning_rate)

    _assert_refused(check("adam_steps", adam_steps), "instructor.lesson01.adam_steps")
    first = solutions.reference("adam_steps")(np.array([2.0]), 0.5)[0]
    assert first == pytest.approx(-0.5, rel=1e-5)  # and works again after the check


def test_off_objects_work_again_after_the_check_and_others_stay_on_during_it():
    before = search.log_uniform(1e-3, 1.0, 4, np.random.default_rng(0))
    _assert_refused(check("log_uniform", search.log_uniform), "lrlab.search.log_uniform")

    def honest(low, high, n, rng):  # uses lrlab.landscapes, which this exercise leaves on
        from lrlab import landscapes

        assert landscapes.stability_limit(2.0) == 1.0
        return np.exp(rng.uniform(np.log(low), np.log(high), n))

    assert check("log_uniform", honest).passed
    after = search.log_uniform(1e-3, 1.0, 4, np.random.default_rng(0))
    np.testing.assert_array_equal(before, after)
