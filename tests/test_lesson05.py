"""Lesson 05: the schedule explorer, generated Keras code, and the classic-schedule exercises."""

import math

import numpy as np
import pytest

from lrlab import codegen, exercises, grading, keras_schedules, schedules

STEPS = np.arange(1500)
CASES = {
    "constant": dict(initial_learning_rate=0.3),
    "time_based_decay": dict(initial_learning_rate=0.1, decay_rate=0.02),
    "time_based_decay_epoch": dict(initial_learning_rate=0.1, decay_rate=0.3, steps_per_epoch=17),
    "step_decay": dict(initial_learning_rate=0.2, factor=0.3, step_size=2, steps_per_epoch=17),
    "piecewise_step_decay": dict(initial_learning_rate=0.2, factor=0.3, step_size=2, steps_per_epoch=17, epochs=90),
    "exponential_decay": dict(initial_learning_rate=0.1, decay_rate=3e-4),
    "exponential_decay_epoch": dict(initial_learning_rate=0.1, decay_rate=0.1, steps_per_epoch=17),
    "polynomial_decay": dict(initial_learning_rate=0.1, decay_steps=1000, end_learning_rate=0.002, power=1.5),
    "cosine_decay": dict(initial_learning_rate=0.1, decay_steps=1200, alpha=0.05),
    "cosine_decay_warmup": dict(initial_learning_rate=0.01, decay_steps=1000, alpha=0.05, warmup_target=0.2, warmup_steps=60),
    "cosine_decay_restarts": dict(initial_learning_rate=0.1, first_decay_steps=90, t_mul=2.0, m_mul=0.6, alpha=0.02),
    "cosine_decay_restarts_t1": dict(initial_learning_rate=0.1, first_decay_steps=90, t_mul=1.0, m_mul=0.9, alpha=0.0),
}


def _name(case):
    return next(n for n in sorted(codegen.SCHEDULES, key=len, reverse=True) if case.startswith(n))


@pytest.mark.parametrize("case", sorted(CASES))
def test_generated_code_matches_numpy_curve(case):
    name, params = _name(case), CASES[case]
    assert codegen.max_relative_error(name, STEPS, **params) < 1e-6


def test_numpy_curves_against_closed_forms():
    t = STEPS.astype(float)
    np.testing.assert_allclose(codegen.numpy_curve("time_based_decay", t, **CASES["time_based_decay"]), 0.1 / (1 + 0.02 * t))
    np.testing.assert_allclose(
        codegen.numpy_curve("step_decay", t, **CASES["step_decay"]), 0.2 * 0.3 ** np.floor(np.floor(t / 17) / 2))
    np.testing.assert_allclose(
        codegen.numpy_curve("polynomial_decay", t, **CASES["polynomial_decay"]),
        (0.1 - 0.002) * (1 - np.minimum(t, 1000) / 1000) ** 1.5 + 0.002)
    warm = codegen.numpy_curve("cosine_decay", t, **CASES["cosine_decay_warmup"])
    assert warm[0] == pytest.approx(0.01) and warm[60] == pytest.approx(0.2) and warm[-1] == pytest.approx(0.2 * 0.05)
    restarts = codegen.numpy_curve("cosine_decay_restarts", t, **CASES["cosine_decay_restarts"])
    assert restarts[90] == pytest.approx(0.1 * (0.6 * 0.98 + 0.02))  # second cycle starts at m_mul


def test_exponential_code_keeps_float32_precision_where_the_direct_form_drifts():
    import keras

    steps = np.arange(5000)
    exact = 0.1 * np.exp(-1e-4 * steps)
    direct = keras.optimizers.schedules.ExponentialDecay(0.1, 1, math.exp(-1e-4))
    assert np.max(np.abs(np.asarray(direct(steps)) - exact)) / 0.1 > 1e-5  # the drift the lesson shows
    assert codegen.max_relative_error("exponential_decay", steps, initial_learning_rate=0.1, decay_rate=1e-4) < 3e-7


def test_piecewise_boundaries_are_inclusive():
    import keras

    schedule = keras.optimizers.schedules.PiecewiseConstantDecay([9], [1.0, 0.5])
    assert float(schedule(9)) == 1.0 and float(schedule(10)) == 0.5
    code = codegen.keras_code("piecewise_step_decay", **CASES["piecewise_step_decay"])
    assert "i * 34 - 1" in code


def test_keras_code_errors_name_the_argument():
    with pytest.raises(ValueError, match="name"):
        codegen.keras_code("one_cycle", initial_learning_rate=0.1)
    with pytest.raises(ValueError, match="decay_rate"):
        codegen.keras_code("time_based_decay", initial_learning_rate=0.1, decay_rate=-1)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        codegen.numpy_curve("step_decay", STEPS, initial_learning_rate=0.1, factor=0.5, step_size=1, steps_per_epoch=0)


def test_bridges_equal_formulas():
    steps = np.arange(2000)
    np.testing.assert_allclose(keras_schedules.time_based_decay_schedule(0.1, 0.01)(steps),
                               schedules.time_based_decay(steps, 0.1, 0.01), rtol=1e-6)
    np.testing.assert_allclose(keras_schedules.step_decay_schedule(0.1, 0.5, 3, 22)(steps),
                               schedules.step_decay(steps // 22, 0.1, 0.5, 3), rtol=1e-6)
    np.testing.assert_allclose(keras_schedules.exponential_decay_schedule(0.1, 0.2, 22)(steps),
                               schedules.exponential_decay(steps // 22, 0.1, 0.2), rtol=1e-5)


# ---- the explorer ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def explorer():
    from lrlab.widgets import ScheduleExplorer

    return ScheduleExplorer(schedule="exponential_decay", epochs=12, steps_per_epoch=15)


def _exec_code(code):
    namespace = {}
    exec(code, namespace)
    return namespace["learning_rate"]


@pytest.mark.parametrize("name", sorted(codegen.SCHEDULES))
def test_explorer_code_reproduces_plotted_curve(explorer, name):
    before_code, before_image = explorer.code, explorer.image.value
    explorer.controls["schedule"].value = name
    if name == explorer.controls["schedule"].options[0][1] and before_code == explorer.code:
        explorer.controls["initial_lr"].value = 0.05
    plotted = np.asarray(explorer.step_line.get_ydata())
    steps = np.arange(len(plotted))
    np.testing.assert_allclose(plotted, codegen.numpy_curve(explorer.name, steps, **explorer.params))
    got = codegen.keras_values(_exec_code(explorer.code), steps)
    np.testing.assert_allclose(got, plotted, rtol=1e-6, atol=1e-6 * plotted.max())
    assert explorer.code != before_code and explorer.image.value != before_image
    assert "matches" in explorer.status.value and explorer.error < 1e-6
    np.testing.assert_allclose(explorer.epoch_line.get_ydata(), plotted[::15])


def test_explorer_controls_change_curve_code_and_status(explorer):
    explorer.controls["schedule"].value = "time_based_decay"
    explorer.controls["per"].value = "step"
    smooth, code, status = np.array(explorer.step_line.get_ydata()), explorer.code, explorer.status.value
    explorer.controls["per"].value = "epoch"
    stairs = np.array(explorer.step_line.get_ydata())
    assert "staircase=True" in explorer.code and "staircase" not in code and explorer.status.value != status
    assert stairs[14] == stairs[0] and smooth[14] < smooth[0]
    explorer.controls["steps_per_epoch"].value = 30
    assert len(explorer.step_line.get_ydata()) == 12 * 30 and "decay_steps=30" in explorer.code
    explorer.controls["decay_rate"].value = 0.1
    assert "decay_rate=0.1" in explorer.code
    assert explorer.controls["factor"].disabled and not explorer.controls["decay_rate"].disabled


def test_explorer_refresh_is_fast(explorer):
    explorer.latencies.clear()
    for value in (0.02, 0.05, 0.2, 0.5, 0.8):
        explorer.controls["initial_lr"].value = value
    assert np.median(explorer.latencies) < 0.25  # 100 ms target on an idle machine; shared CI is slower


# ---- exercises --------------------------------------------------------------------------------

def _student(exercise_id, source=None):
    namespace = {}
    exec(source or grading.student_source(exercise_id), namespace)
    return exercises.check(exercise_id, namespace[exercises.EXERCISES[exercise_id].name])


@pytest.mark.parametrize("exercise_id", ["time_based_decay", "step_decay", "exponential_decay"])
def test_reference_passes_and_stub_not_attempted(exercise_id):
    assert _student(exercise_id, grading.solution_source(exercise_id)).passed
    assert _student(exercise_id).status == exercises.NOT_ATTEMPTED


@pytest.mark.parametrize(
    "exercise_id, body",
    [
        ("time_based_decay", "return initial_lr * (1 + decay_rate * step)"),
        ("time_based_decay", "return initial_lr / (1 + decay_rate * (step + 1))"),
        ("time_based_decay", "return initial_lr * math.exp(-decay_rate * step)"),
        ("step_decay", "return initial_lr * factor ** round(epoch / step_size)"),
        ("step_decay", "return initial_lr * factor ** math.floor((epoch + 1) / step_size)"),
        ("step_decay", "return initial_lr * factor ** (epoch / step_size)"),
        ("exponential_decay", "return initial_lr * math.exp(decay_rate * step)"),
        ("exponential_decay", "return initial_lr * 10 ** (-decay_rate * step)"),
        ("exponential_decay", "return initial_lr * decay_rate ** step"),
    ],
)
def test_wrong_answers_fail(exercise_id, body):
    source = grading.student_source(exercise_id).replace("raise NotImplementedError", body)
    if "math." in body and "import math" not in source:
        source = "import math\n" + source
    result = _student(exercise_id, source)
    assert result.status == exercises.FAILED and "Hint" in result.message
