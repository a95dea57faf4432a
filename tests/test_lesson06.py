"""Lesson 06: the `warmup_schedule` class exercise and `lrlab.warmup.LinearWarmup`."""

import numpy as np
import pytest

from lrlab import exercises, grading


def _answer(source):
    namespace = {"__name__": "__exercise__"}
    exec(source, namespace)
    return namespace["WarmupSchedule"]


def _check(source):
    return exercises.check("warmup_schedule", _answer(source))


REFERENCE = grading.solution_source("warmup_schedule")


def _variant(old, new):
    assert old in REFERENCE, old
    return REFERENCE.replace(old, new)


def test_reference_passes():
    result = _check(REFERENCE)
    assert result.passed, result.message


def test_stub_is_not_attempted():
    result = _check(grading.student_source("warmup_schedule"))
    assert result.status == exercises.NOT_ATTEMPTED


@pytest.mark.parametrize(
    "old, new, expected_words",
    [
        # off by one: the target is reached one step early
        ("done = ops.minimum(step, self.warmup_steps) / self.warmup_steps",
         "done = ops.minimum(step + 1, self.warmup_steps) / self.warmup_steps", "at step 0"),
        # off by one the other way: the ramp ends at step warmup_steps - 1
        ("done = ops.minimum(step, self.warmup_steps) / self.warmup_steps",
         "done = ops.minimum(step, self.warmup_steps - 1) / (self.warmup_steps - 1)", "climbs by"),
        # no clamp: keeps climbing after warm-up
        ("done = ops.minimum(step, self.warmup_steps) / self.warmup_steps",
         "done = step / self.warmup_steps", "stays at warmup_target"),
        # ramps from 0 instead of initial_learning_rate
        ("return self.initial_learning_rate + (self.warmup_target - self.initial_learning_rate) * done",
         "return self.warmup_target * done", "step 0"),
    ],
)
def test_wrong_formulas_fail_with_hint(old, new, expected_words):
    result = _check(_variant(old, new))
    assert result.status == exercises.FAILED
    assert expected_words in result.message


def test_graph_unsafe_answer_fails_without_traceback():
    source = _variant(
        "step = ops.cast(step, \"float32\")\n        done = ops.minimum(step, self.warmup_steps) / self.warmup_steps",
        "step = float(step)\n        done = min(step, self.warmup_steps) / self.warmup_steps",
    )
    result = _check(source)
    assert result.status == exercises.FAILED
    assert "graph mode" in result.message and "Traceback" not in result.message


def test_missing_get_config_gets_friendly_verdict():
    start = REFERENCE.index("    def get_config(self):")
    result = _check(REFERENCE[:start].rstrip() + "\n")
    assert result.status == exercises.FAILED
    assert "no get_config()" in result.message


def test_get_config_still_a_stub():
    start = REFERENCE.index("    def get_config(self):")
    source = REFERENCE[:start] + "    def get_config(self):\n        raise NotImplementedError\n"
    result = _check(source)
    assert result.status == exercises.FAILED and "get_config" in result.message


def test_get_config_with_wrong_keys_fails():
    result = _check(_variant('"warmup_steps": self.warmup_steps,', '"steps": self.warmup_steps,'))
    assert result.status == exercises.FAILED and "get_config() returned" in result.message


def test_unregistered_class_fails():
    source = REFERENCE.replace('@keras.saving.register_keras_serializable(package="lrlab_exercises")\n', "")
    assert "register_keras_serializable" not in source
    result = _check(source)
    assert result.status == exercises.FAILED and "not registered" in result.message


def test_not_a_schedule_subclass_fails():
    source = REFERENCE.replace("class WarmupSchedule(keras.optimizers.schedules.LearningRateSchedule):",
                               "class WarmupSchedule:").replace("        super().__init__()\n", "")
    source = source.replace('@keras.saving.register_keras_serializable(package="lrlab_exercises")\n', "")
    result = _check(source)
    assert result.status == exercises.FAILED and "LearningRateSchedule" in result.message


def test_crashing_call_is_a_verdict():
    result = _check(_variant('step = ops.cast(step, "float32")', 'step = ops.cast(step, "float32") / undefined_name'))
    assert result.status == exercises.FAILED and "NameError" in result.message


def test_linear_warmup_matches_keras_cosine_warmup_and_round_trips():
    import keras

    from lrlab import warmup

    steps = np.arange(0, 1200, 7)
    ours = warmup.LinearWarmup(keras.optimizers.schedules.CosineDecay(0.2, 1000, alpha=0.05), 30, 0.01)
    keras_builtin = keras.optimizers.schedules.CosineDecay(0.01, 1000, alpha=0.05, warmup_target=0.2, warmup_steps=30)
    got = np.asarray(ours(steps))
    expected = [float(keras_builtin(int(s))) for s in steps[::10]]
    np.testing.assert_allclose(got[::10], expected, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(got[steps < 30], warmup.linear_warmup(steps[steps < 30], 0.01, 0.2, 30), rtol=1e-6)
    rebuilt = warmup.LinearWarmup.from_config(ours.get_config())
    np.testing.assert_allclose(np.asarray(rebuilt(steps)), got, rtol=1e-7)
    constant_after = warmup.LinearWarmup(0.5, 10)
    assert float(constant_after(5)) == pytest.approx(0.25) and float(constant_after(50)) == pytest.approx(0.5)


def test_linear_warmup_validates_arguments():
    from lrlab import warmup

    with pytest.raises(ValueError, match="warmup_steps"):
        warmup.LinearWarmup(0.1, 0)
    with pytest.raises(ValueError, match="after"):
        warmup.LinearWarmup(-0.1, 5)
    with pytest.raises(ValueError, match="warmup_target"):
        warmup.linear_warmup(3, 0.0, 0.0, 5)
