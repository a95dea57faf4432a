"""The course's checkers (`lrlab.checkers`) are not vacuous.

For every exercise, once: the reference solution passes, the untouched notebook stub is "not
attempted", and the generated solution cell runs on its own and passes. Then, checker by
checker, its table of plausible wrong answers fails with a verdict (never a traceback), and
the premises of its cases hold.
"""

import json
import math
import warnings

import keras
import numpy as np
import pytest

from lrlab import checkers, diagnosis, exercises, finder, grading, models, schedules, solutions
from lrlab.checkers import good_lr_window, range_test_curve
from lrlab.exercises import check


@pytest.fixture(scope="module", autouse=True)
def _capstone_trained_once_per_config():
    """Training is a pure function of the optimizer's config (the model and data are seeded):
    remember each result, so the reference plan is trained once, not once per test."""
    train, results = models.train_capstone, {}

    def remembered(optimizer):
        try:
            config = {k: v for k, v in optimizer.get_config().items() if k != "name"}
            key = (type(optimizer).__qualname__, json.dumps(config, sort_keys=True, default=repr))
        except Exception:  # a config Keras cannot write: train without remembering
            return train(optimizer)
        if key not in results:
            results[key] = train(optimizer)
        return results[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(models, "train_capstone", remembered)
        yield


def _defined_by(source, exercise_id):
    namespace = {"__name__": "__exercise__"}
    exec(source, namespace)
    return namespace[exercises.EXERCISES[exercise_id].name]


# ---- every exercise ------------------------------------------------------------------------------

@pytest.mark.parametrize("exercise_id", sorted(exercises.EXERCISES))
def test_reference_solution_passes(exercise_id):
    answer = getattr(solutions, exercises.EXERCISES[exercise_id].name)
    result = check(exercise_id, answer)
    assert result.passed, result


@pytest.mark.parametrize("exercise_id", sorted(exercises.EXERCISES))
def test_generated_stub_is_not_attempted(exercise_id):
    result = check(exercise_id, _defined_by(grading.student_source(exercise_id), exercise_id))
    assert result.status == exercises.NOT_ATTEMPTED and not result.passed


@pytest.mark.parametrize("exercise_id", sorted(exercises.EXERCISES))
def test_solution_cell_runs_on_its_own_and_passes(exercise_id):
    result = check(exercise_id, _defined_by(grading.solution_source(exercise_id), exercise_id))
    assert result.passed, result


# ---- plausible wrong answers, one table per function checker -------------------------------------

def _keras2_keep_decay(kwargs):
    new = dict(kwargs)
    if "lr" in new:
        new["learning_rate"] = float(new.pop("lr"))
    return new


def _keras2_keep_lr_key(kwargs):
    new = dict(kwargs)
    decay = new.pop("decay", 0.0)
    if decay:
        new["lr"] = keras.optimizers.schedules.InverseTimeDecay(new["lr"], 1, decay)
    return new


def _keras2_no_float(kwargs):
    new = dict(kwargs)
    if "lr" in new:
        new["learning_rate"] = new.pop("lr")
    decay = new.pop("decay", 0.0)
    if decay:
        new["learning_rate"] = keras.optimizers.schedules.InverseTimeDecay(new["learning_rate"], 1, decay)
    return new


def _keras2_with(schedule_fn, mutate=False, keep_zero_decay=False):
    def answer(kwargs):
        new = kwargs if mutate else dict(kwargs)
        if "lr" in new:
            new["learning_rate"] = new.pop("lr")
        lr = float(new["learning_rate"])
        decay = new.get("decay", 0.0) if keep_zero_decay else new.pop("decay", 0.0)
        new["learning_rate"] = schedule_fn(lr, decay) if decay else lr
        return new

    return answer


def _inverse_time(lr, k):
    return keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=k)


def _curve_nan_blind(losses):
    # Comparisons with NaN are False: NaN curves slip through as "too slow" or "good".
    first, last = losses[0], losses[-1]
    if last > first or losses.max() > 3 * first:
        return "diverged"
    changes = np.diff(losses)
    rises, falls = changes[changes > 0].sum(), -changes[changes < 0].sum()
    if rises > 0.25 * (rises + falls) and rises > 0.05 * first:
        return "oscillating"
    return "too slow" if (first - last) / first < 0.2 else "good"


def _curve_first_vs_last(losses):
    if not np.all(np.isfinite(losses)) or losses[-1] > losses[0]:
        return "diverged"
    return "too slow" if (losses[0] - losses[-1]) / losses[0] < 0.2 else "good"


def _curve_slow_before_oscillating(losses):
    first, last = losses[0], losses[-1]
    if not np.all(np.isfinite(losses)) or last > first or losses.max() > 3 * first:
        return "diverged"
    if (first - last) / first < 0.2:
        return "too slow"
    changes = np.diff(losses)
    return "oscillating" if np.any(changes > 0) else "good"


def _curve_no_spike_rule(losses):
    first, last = losses[0], losses[-1]
    if not np.all(np.isfinite(losses)) or last > first:
        return "diverged"
    changes = np.diff(losses)
    rises, falls = changes[changes > 0].sum(), -changes[changes < 0].sum()
    if rises > 0.25 * (rises + falls):
        return "oscillating"
    return "too slow" if (first - last) / first < 0.2 else "good"


def _curve_any_rise_oscillates(losses):
    if not np.all(np.isfinite(losses)) or losses[-1] > losses[0] or losses.max() > 3 * losses[0]:
        return "diverged"
    if np.any(np.diff(losses) > 0):
        return "oscillating"
    return "too slow" if (losses[0] - losses[-1]) / losses[0] < 0.2 else "good"


def _finite(lrs, losses):
    keep = np.isfinite(losses)
    return lrs[keep], losses[keep]


WRONG = {
    "sgd_step": {
        "wrong sign": lambda w, grad, lr: w + lr * grad,
        "forgot the learning rate": lambda w, grad, lr: w - grad,
        "returns the change, not the new weights": lambda w, grad, lr: lr * grad,
        "sign of the gradient only": lambda w, grad, lr: w - lr * np.sign(grad),
        "breaks on arrays": lambda w, grad, lr: float(np.mean(w - lr * grad)),
    },
    "largest_stable_lr": {
        "the monotone limit, not the stability limit": lambda c: 1.0 / c,
        "2 c": lambda c: 2.0 * c,
        "c / 2": lambda c: c / 2.0,
        "always 2": lambda c: 2.0,
    },
    "time_based_decay": {
        "off by one step": lambda step, lr0, k: lr0 / (1 + k * (step + 1)),
        "multiplies": lambda step, lr0, k: lr0 * (1 + k * step),
        "exponential instead": lambda step, lr0, k: lr0 * math.exp(-k * step),
        "compounds per step": lambda step, lr0, k: lr0 / (1 + k) ** step,
        "forgot the 1": lambda step, lr0, k: lr0 / (k * step) if step else lr0,
    },
    "step_decay": {
        "round instead of floor": lambda epoch, lr0, f, s: lr0 * f ** round(epoch / s),
        "off by one epoch": lambda epoch, lr0, f, s: lr0 * f ** math.floor((epoch + 1) / s),
        "ceil instead of floor": lambda epoch, lr0, f, s: lr0 * f ** math.ceil(epoch / s),
        "no floor: smooth decay": lambda epoch, lr0, f, s: lr0 * f ** (epoch / s),
        "multiplies by the drop count": lambda epoch, lr0, f, s: lr0 * f * math.floor(epoch / s),
    },
    "exponential_decay": {
        "base 10 instead of e": lambda step, lr0, k: lr0 * 10 ** (-k * step),
        "wrong sign": lambda step, lr0, k: lr0 * math.exp(k * step),
        "k ** t": lambda step, lr0, k: lr0 * k**step,
        "off by one step": lambda step, lr0, k: lr0 * math.exp(-k * (step + 1)),
        "time-based instead": lambda step, lr0, k: lr0 / (1 + k * step),
    },
    "log_uniform": {
        "uniform, not log-uniform": lambda low, high, n, rng: rng.uniform(low, high, n),
        "ignores rng": lambda low, high, n, rng: np.exp(np.random.uniform(np.log(low), np.log(high), n)),
        "n - 1 samples": lambda low, high, n, rng: np.exp(rng.uniform(np.log(low), np.log(high), n - 1)),
        "exponents are the bounds": lambda low, high, n, rng: 10 ** rng.uniform(low, high, n),
        "only the lower half, repeated": lambda low, high, n, rng: np.sort(
            np.exp(rng.uniform(np.log(low), np.log(high), n)))[: n // 2].repeat(2),
        "a grid, not random (ignores rng)": lambda low, high, n, rng: np.geomspace(low, high, n),
    },
    "keras2_to_keras3": {
        "keeps decay (silently ignored)": _keras2_keep_decay,
        "keeps the lr key": _keras2_keep_lr_key,
        "leaves an int learning rate": _keras2_no_float,
        "exponential instead of inverse-time": _keras2_with(
            lambda lr, k: keras.optimizers.schedules.ExponentialDecay(lr, decay_steps=1, decay_rate=1 - k)),
        "decay counted per 100 steps": _keras2_with(
            lambda lr, k: keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=100, decay_rate=k)),
        "drops the decay": _keras2_with(lambda lr, k: lr),
        "mutates its input": _keras2_with(_inverse_time, mutate=True),
        "keeps decay=0": _keras2_with(_inverse_time, keep_zero_decay=True),
        "returns None": lambda kwargs: None,
        "returns an optimizer": lambda kwargs: keras.optimizers.SGD(learning_rate=0.1),
    },
    "classify_curve": {
        "ignores NaN": _curve_nan_blind,
        "only first vs last": _curve_first_vs_last,
        "too slow checked before oscillating": _curve_slow_before_oscillating,
        "a spike is not divergence (and no noise floor)": _curve_no_spike_rule,
        "any rise means oscillating": _curve_any_rise_oscillates,
        "capitalised labels": lambda losses: diagnosis.classify_loss_curve(losses).capitalize(),
        "always good": lambda losses: "good",
        "returns a number": lambda losses: 1,
    },
    "pick_lr": {
        "LR at the minimum loss": lambda lrs, losses: float(lrs[np.nanargmin(losses)]),
        "LR at the minimum, NaN-naive": lambda lrs, losses: float(lrs[np.argmin(losses)]),
        "LR where the loss explodes (largest loss)":
            lambda lrs, losses: float(_finite(lrs, losses)[0][np.argmax(_finite(lrs, losses)[1])]),
        "first LR": lambda lrs, losses: float(lrs[0]),
        "last LR": lambda lrs, losses: float(lrs[-1]),
        "first LR whose loss exceeds the start": lambda lrs, losses: float(lrs[np.flatnonzero(~(losses <= losses[0]))[0]]),
        "half the minimum's LR": lambda lrs, losses: float(lrs[np.nanargmin(losses)] / 2),
        "ten times the minimum's LR": lambda lrs, losses: float(lrs[np.nanargmin(losses)] * 10),
        "steepest *rise* (sign error)":
            lambda lrs, losses: float(_finite(lrs, losses)[0][np.argmax(np.gradient(_finite(lrs, losses)[1]))]),
        "a fixed favourite, 1e-3": lambda lrs, losses: 1e-3,
        "the loss instead of the LR": lambda lrs, losses: float(np.nanmin(losses)),
    },
}


@pytest.mark.parametrize(
    "exercise_id, answer",
    [pytest.param(eid, fn, id=f"{eid}: {name}") for eid, table in WRONG.items() for name, fn in table.items()],
)
def test_plausible_wrong_answers_fail_with_a_hint(exercise_id, answer):
    result = check(exercise_id, answer)
    assert result.status == exercises.FAILED, result
    assert "Hint" in result.message or "expected" in result.message, result
    assert "Traceback" not in result.message


def test_every_function_checker_has_a_table_of_wrong_answers():
    class_or_training = {"warmup_schedule", "plan_learning_rate"}  # their tables are below
    assert set(WRONG) == set(exercises.EXERCISES) - class_or_training


# ---- sgd_step and the numeric checkers -----------------------------------------------------------

def test_verdict_shows_the_failing_case_expected_value_and_hint():
    text = repr(check("step_decay", lambda epoch, lr0, f, s: lr0 * f ** round(epoch / s)))
    assert "step_decay(" in text and "expected" in text and "Hint:" in text and "floor" in text


# ---- log_uniform -------------------------------------------------------------------------------

def test_a_correct_log_uniform_in_base_10_also_passes():
    answer = lambda low, high, n, rng: 10 ** rng.uniform(np.log10(low), np.log10(high), n)  # noqa: E731
    assert check("log_uniform", answer).passed


# ---- keras2_to_keras3 ------------------------------------------------------------------------------

def test_reference_keras2_output_builds_a_quiet_keras3_optimizer_that_decays_like_keras2():
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


def test_a_keras2_answer_written_differently_also_passes():
    def answer(kwargs):
        out = {k: v for k, v in kwargs.items() if k not in ("lr", "decay")}
        lr = float(kwargs.get("lr", kwargs.get("learning_rate")))
        k = kwargs.get("decay", 0)
        out["learning_rate"] = (lambda step: lr / (1 + k * np.asarray(step, float))) if k else lr
        return out

    assert check("keras2_to_keras3", answer).passed


def test_keras2_is_registered_with_a_longer_timeout_for_the_first_keras_call():
    assert exercises.EXERCISES["keras2_to_keras3"].timeout >= 10


# ---- classify_curve ------------------------------------------------------------------------------

def test_reference_classify_curve_agrees_with_the_library_on_many_curves():
    rng = np.random.default_rng(0)
    for _ in range(300):
        curve = np.abs(rng.normal(2.0, 1.0)) + 0.1 + np.cumsum(rng.normal(-0.1, 0.3, size=8))
        curve = np.concatenate([[abs(curve[0]) + 0.1], np.abs(curve[1:])])
        assert solutions.classify_curve(curve) == diagnosis.classify_loss_curve(curve)


def test_every_label_appears_among_the_classify_curve_cases():
    labels = {diagnosis.classify_loss_curve(curve) for curve, _ in checkers._CURVE_CASES}
    assert labels == set(diagnosis.DIAGNOSES)
    assert any(not math.isfinite(v) for curve, _ in checkers._CURVE_CASES for v in curve)


# ---- pick_lr: synthetic range-test curves with known good regions -------------------------------

PICK_LR_CURVES = [curve for _, curve, _ in checkers._PICK_LR_CASES]

RIGHT_PICKS = {
    "the minimum's LR / 10": lambda lrs, losses: float(lrs[np.nanargmin(losses)] / 10),
    "finder valley": lambda lrs, losses: finder.RangeTestResult(lrs, losses).suggestion("valley"),
    "finder steepest": lambda lrs, losses: finder.RangeTestResult(lrs, losses).suggestion("steepest"),
}


@pytest.mark.parametrize("name", sorted(RIGHT_PICKS))
def test_other_sound_pick_lr_rules_pass(name):
    assert check("pick_lr", RIGHT_PICKS[name]).passed, name


def test_pick_lr_hints_say_which_side_the_answer_fell():
    too_small = check("pick_lr", lambda lrs, losses: float(lrs[0])).message
    past_bottom = check("pick_lr", lambda lrs, losses: float(lrs[np.nanargmin(losses)])).message
    assert "hardly started to fall" in too_small
    assert "at or past the lowest loss" in past_bottom


def test_pick_lr_nan_and_non_numbers_get_verdicts_not_tracebacks():
    assert "expected a number" in check("pick_lr", lambda lrs, losses: float("nan")).message
    assert "expected a number" in check("pick_lr", lambda lrs, losses: "0.01").message


def test_pick_lr_curves_look_like_range_tests():
    for lrs, losses in PICK_LR_CURVES:
        finite = losses[np.isfinite(losses)]
        assert np.all(np.diff(lrs) > 0)
        assert finite[-1] > 4 * losses[0] or not np.all(np.isfinite(losses))  # ends where the finder stops
        low, high, bottom = good_lr_window(lrs, losses)
        assert lrs[0] < low < high < bottom < lrs[-1]
        assert high / low > 5  # a real window, not a needle


def test_good_lr_window_of_a_hand_made_curve():
    lrs = np.geomspace(1e-4, 1.0, 41)  # 10 points per decade
    losses = np.r_[np.full(10, 2.0), np.linspace(2.0, 0.5, 16)[1:], [0.6, 1.0, 3.0, 9.0, np.inf], np.full(11, np.nan)]
    low, high, bottom = good_lr_window(lrs, losses)
    assert bottom == pytest.approx(lrs[24])  # loss 0.5
    assert high == pytest.approx(lrs[24] / 3)
    assert low == pytest.approx(lrs[11])  # loss 1.8: the first <= 2 - 0.1 * (2 - 0.5) = 1.85


def test_range_test_curve_nan_tail():
    lrs, losses = range_test_curve(np.geomspace(1e-5, 1, 80), 1.0, 0.1, -2.5, 0.35, -0.9, nan_tail=True)
    stop = np.flatnonzero(~np.isfinite(losses))[0]
    assert len(lrs) == 80 and np.isinf(losses[stop]) and np.all(np.isnan(losses[stop + 1:]))
    assert np.all(losses[:stop] <= 4 * losses[0])


# ---- warmup_schedule: a class that trains, saves and loads -----------------------------------------

WARMUP_REFERENCE = grading.solution_source("warmup_schedule")
_RAMP = "done = ops.minimum(step, self.warmup_steps) / self.warmup_steps"
_RETURN = "return self.initial_learning_rate + (self.warmup_target - self.initial_learning_rate) * done"
_REGISTER = '@keras.saving.register_keras_serializable(package="lrlab_exercises")\n'
_GET_CONFIG = WARMUP_REFERENCE.index("    def get_config(self):")


def _warmup_variant(*replacements):
    source = WARMUP_REFERENCE
    for old, new in replacements:
        assert old in source, old
        source = source.replace(old, new)
    return source


# (what is wrong, the cell's source, words the verdict must contain)
WRONG_WARMUP = [
    ("off by one: the target is reached one step early",
     _warmup_variant((_RAMP, "done = ops.minimum(step + 1, self.warmup_steps) / self.warmup_steps")), "at step 0"),
    ("off by one the other way: the ramp ends at step warmup_steps - 1",
     _warmup_variant((_RAMP, "done = ops.minimum(step, self.warmup_steps - 1) / (self.warmup_steps - 1)")),
     "climbs by"),
    ("no clamp: keeps climbing after warm-up",
     _warmup_variant((_RAMP, "done = step / self.warmup_steps")), "stays at warmup_target"),
    ("ramps from 0 instead of initial_learning_rate",
     _warmup_variant((_RETURN, "return self.warmup_target * done")), "step 0"),
    ("graph-unsafe: float() and min() on the step",
     _warmup_variant(('step = ops.cast(step, "float32")\n        ' + _RAMP,
                      "step = float(step)\n        done = min(step, self.warmup_steps) / self.warmup_steps")),
     "graph mode"),
    ("no get_config", WARMUP_REFERENCE[:_GET_CONFIG].rstrip() + "\n", "no get_config()"),
    ("get_config still a stub",
     WARMUP_REFERENCE[:_GET_CONFIG] + "    def get_config(self):\n        raise NotImplementedError\n", "get_config"),
    ("get_config with a wrong key",
     _warmup_variant(('"warmup_steps": self.warmup_steps,', '"steps": self.warmup_steps,')), "get_config() returned"),
    ("not registered", _warmup_variant((_REGISTER, "")), "not registered"),
    ("not a LearningRateSchedule subclass",
     _warmup_variant(("class WarmupSchedule(keras.optimizers.schedules.LearningRateSchedule):", "class WarmupSchedule:"),
                     ("        super().__init__()\n", ""), (_REGISTER, "")),
     "LearningRateSchedule"),
    ("crashes when called",
     _warmup_variant(('step = ops.cast(step, "float32")', 'step = ops.cast(step, "float32") / undefined_name')),
     "NameError"),
]


@pytest.mark.parametrize("source, words", [pytest.param(s, w, id=name) for name, s, w in WRONG_WARMUP])
def test_wrong_warmup_schedules_fail_with_a_verdict(source, words):
    result = check("warmup_schedule", _defined_by(source, "warmup_schedule"))
    assert result.status == exercises.FAILED, result
    assert words in result.message and "Traceback" not in result.message


# ---- plan_learning_rate: the checker trains the plan on the capstone and judges it --------------

def test_reference_plan_clears_the_target_with_a_margin():
    spe, epochs = models.CAPSTONE["steps_per_epoch"], models.CAPSTONE["epochs"]
    accuracies, _ = models.train_capstone(solutions.plan_learning_rate(spe, epochs))
    assert accuracies[-1] >= models.CAPSTONE["target_accuracy"] + 0.03


def _plan(make):
    """A student answer: plan_learning_rate(steps_per_epoch, epochs) -> make()."""
    return lambda steps_per_epoch, epochs: make()


# (what is wrong, the answer, words the verdict must contain)
WRONG_PLANS = [
    ("too small a learning rate", _plan(lambda: keras.optimizers.Adam(1e-6)), ["too small"]),
    ("too large a learning rate", _plan(lambda: keras.optimizers.Adam(100.0)), ["too large"]),
    ("diverges", _plan(lambda: keras.optimizers.SGD(1e3)), ["diverged", "too large"]),
    ("a float", _plan(lambda: 0.01), ["expected a Keras optimizer"]),
    ("a string", _plan(lambda: "adam"), ["expected a Keras optimizer"]),
    ("the class", _plan(lambda: keras.optimizers.Adam), ["create one"]),
    ("a NaN learning rate", _plan(lambda: keras.optimizers.SGD(float("nan"))), ["finite"]),
    ("an int learning rate, which Keras refuses", _plan(lambda: keras.optimizers.SGD(100)), ["raised ValueError"]),
    ("a negative learning rate after step 10",
     _plan(lambda: keras.optimizers.SGD(keras.optimizers.schedules.PiecewiseConstantDecay([10], [0.1, -0.1]))),
     ["step 11"]),
    ("a zero learning rate", _plan(lambda: keras.optimizers.SGD(0.0)), ["0 at every step"]),
    ("the wrong signature", lambda spe: keras.optimizers.Adam(), ["raised TypeError"]),
]


@pytest.mark.parametrize("answer, words", [pytest.param(a, w, id=name) for name, a, w in WRONG_PLANS])
def test_wrong_plans_fail_with_a_verdict(answer, words):
    result = check("plan_learning_rate", answer)
    assert result.status == exercises.FAILED, result
    assert all(word in result.message for word in words), result
    assert "Traceback" not in result.message
