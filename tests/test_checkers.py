"""The course's checkers (`lrlab.exercises.lessonNN`) are not vacuous.

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
from reference_code import telling_code

from instructor import cells, solutions
from lrlab import data, diagnosis, exercises, models, schedules
from lrlab.exercises import check, framework, lesson03, lesson04, lesson05, lesson07, lesson08
from lrlab.exercises.lesson04 import good_lr_window, range_test_curve


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


_REFERENCE_CURVE_READER = _defined_by(cells.solution_source("classify_curve"), "classify_curve")
_REFERENCE_RESUME = _defined_by(cells.solution_source("resume_training"), "resume_training")


# ---- every exercise ------------------------------------------------------------------------------

# These two checkers train a model for each answer: their tables run in the full suite (`make test`),
# not in the one-minute loop (`make test-fast`).
TRAINING_CHECKERS = {"plan_learning_rate", "resume_training"}
SLOW = pytest.mark.slow


def each_exercise():
    return [
        pytest.param(e, marks=SLOW if e in TRAINING_CHECKERS else ())
        for e in sorted(exercises.EXERCISES)
    ]


@pytest.mark.parametrize("exercise_id", each_exercise())
def test_generated_stub_is_not_attempted(exercise_id):
    result = check(exercise_id, _defined_by(cells.student_source(exercise_id), exercise_id))
    assert result.status == exercises.NOT_ATTEMPTED and not result.passed


@pytest.mark.parametrize("exercise_id", each_exercise())
def test_solution_cell_runs_on_its_own_and_passes(exercise_id):
    result = check(exercise_id, _defined_by(cells.solution_source(exercise_id), exercise_id))
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
        new["learning_rate"] = keras.optimizers.schedules.InverseTimeDecay(
            new["learning_rate"], 1, decay
        )
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


def _curve_rules(
    losses,
    *,
    nan_safe=True,
    spike=3.0,
    noise=0.05,
    share=0.25,
    min_drop=0.2,
    slow_first=False,
    ends_above=True,
    unstable="unstable",
    scale=None,
):
    """The lesson's rules with one knob turned: most wrong (and some right) readers are this."""
    first, last = losses[0], losses[-1]
    ref = first if scale is None else scale  # scale: a fixed number instead of the first loss
    bad = (not np.all(np.isfinite(losses))) if nan_safe else False
    if bad or (ends_above and last > first) or losses.max() > spike * ref:
        return "diverged"
    changes = np.diff(losses)
    rises, falls = changes[changes > 0].sum(), -changes[changes < 0].sum()
    drop = (first - last) / first
    if slow_first and drop < min_drop:
        return "too slow"
    if rises > share * (rises + falls) and rises > noise * ref:
        return unstable
    return "too slow" if drop < min_drop else "good"


def _curve_nan_blind(losses):
    # Comparisons with NaN are False: NaN curves slip through as "too slow" or "good".
    return _curve_rules(losses, nan_safe=False)


def _curve_first_vs_last(losses):
    if not np.all(np.isfinite(losses)) or losses[-1] > losses[0]:
        return "diverged"
    return "too slow" if (losses[0] - losses[-1]) / losses[0] < 0.2 else "good"


def _curve_slow_before_unstable(losses):
    return _curve_rules(losses, slow_first=True)


def _curve_no_noise_floor(losses):
    return _curve_rules(losses, noise=0.0)


def _curve_any_rise_is_unstable(losses):
    return _curve_rules(losses, noise=0.0, share=0.0)


def _curve_a_climb_is_divergence(losses):
    return _curve_rules(losses, unstable="diverged")


def _curve_only_nan_diverges(losses):
    # A loss that climbs steadily to twice its start is called "unstable" (or worse, "good").
    return _curve_rules(losses, ends_above=False, spike=np.inf)


def _curve_absolute_thresholds(losses):
    # Thresholds in loss units (as if every loss started near 1), not relative to the first loss.
    return _curve_rules(losses, scale=1.0)


def _curve_demands_99_percent(losses):
    return _curve_rules(losses, min_drop=0.99)


def _reference_curve_reader(losses):
    # The reference solution as a student's cell defines it, once (lrlab's own reader and the
    # instructor's are off while classify_curve is checked: tests/test_shortcuts.py).
    return _REFERENCE_CURVE_READER(losses)


def _curve_old_word(losses):
    # The word lesson 03 used to give this label; it now names weights that zig-zag while converging.
    label = _reference_curve_reader(losses)
    return "oscillating" if label == "unstable" else label


def _curve_largest_single_rise(losses):
    # Another sound statistic: the largest single climb, relative to the first loss.
    first, last = losses[0], losses[-1]
    if not np.all(np.isfinite(losses)) or last > first or losses.max() > 3 * first:
        return "diverged"
    if np.diff(losses).max() > 0.1 * first:
        return "unstable"
    return "too slow" if last > 0.8 * first else "good"


def _curve_counts_rising_epochs(losses):
    # Spikes above 1.5x the start are divergence; then count the epochs that rise by > 2%.
    first = losses[0]
    if (
        np.isnan(losses).any()
        or np.isinf(losses).any()
        or losses[-1] > first
        or np.max(losses) > 1.5 * first
    ):
        return "diverged"
    if np.mean(np.diff(losses) > 0.02 * first) > 0.4:
        return "unstable"
    return "good" if losses.min() < 0.5 * first and losses[-1] < 0.5 * first else "too slow"


def _piecewise(lr0, f, s, spe, epochs, shift=-1, unit=None, drops=None, first=0):
    """PiecewiseConstantDecay with a boundary `shift` steps from each drop's first step."""
    every = s * (spe if unit is None else unit)
    drops = (epochs - 1) // s if drops is None else drops
    return keras.optimizers.schedules.PiecewiseConstantDecay(
        [i * every + shift for i in range(1, drops + 1)],
        [lr0 * f ** (i + first) for i in range(drops + 1)],
    )


def _exp_decay(lr0, decay_steps, rate, staircase=True):
    return keras.optimizers.schedules.ExponentialDecay(lr0, decay_steps, rate, staircase=staircase)


def _finite(lrs, losses):
    keep = np.isfinite(losses)
    return lrs[keep], losses[keep]


WRONG = {
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
    # step_decay_schedule(initial_lr, factor, step_size, steps_per_epoch, epochs) -> a Keras schedule
    "step_decay_schedule": {
        "PiecewiseConstantDecay at the drop steps (inclusive boundary: one step late)": lambda *case: (
            _piecewise(*case, shift=0)
        ),
        "PiecewiseConstantDecay one step too early": lambda *case: _piecewise(*case, shift=-2),
        "PiecewiseConstantDecay with boundaries in epochs": lambda *case: _piecewise(
            *case, unit=1, shift=0
        ),
        "PiecewiseConstantDecay covering only the first drop": lambda *case: _piecewise(
            *case, drops=1
        ),
        "PiecewiseConstantDecay, values one drop ahead": lambda *case: _piecewise(*case, first=1),
        "ExponentialDecay without staircase (smooth)": lambda lr0, f, s, spe, epochs: _exp_decay(
            lr0, s * spe, f, staircase=False
        ),
        "ExponentialDecay, decay_steps in epochs": lambda lr0, f, s, spe, epochs: _exp_decay(
            lr0, s, f
        ),
        "ExponentialDecay, decay_steps = steps_per_epoch (step_size forgotten)": lambda lr0, f, s, spe, epochs: (
            _exp_decay(lr0, spe, f)
        ),
        "ExponentialDecay, rate inverted": lambda lr0, f, s, spe, epochs: _exp_decay(
            lr0, s * spe, 1 / f
        ),
        "InverseTimeDecay staircase (wrong shape between drops)": lambda lr0, f, s, spe, epochs: (
            keras.optimizers.schedules.InverseTimeDecay(lr0, s * spe, 1 / f - 1, staircase=True)
        ),
        "a float": lambda lr0, f, s, spe, epochs: lr0,
        "a plain function of the step": lambda lr0, f, s, spe, epochs: (
            lambda step: schedules.step_decay(step // spe, lr0, f, s)
        ),
        "a LearningRateScheduler callback": lambda lr0, f, s, spe, epochs: (
            keras.callbacks.LearningRateScheduler(
                lambda epoch: schedules.step_decay(epoch, lr0, f, s)
            )
        ),
    },
    "log_uniform": {
        "uniform, not log-uniform": lambda low, high, n, rng: rng.uniform(low, high, n),
        "ignores rng": lambda low, high, n, rng: np.exp(
            np.random.uniform(np.log(low), np.log(high), n)
        ),
        "n - 1 samples": lambda low, high, n, rng: np.exp(
            rng.uniform(np.log(low), np.log(high), n - 1)
        ),
        "exponents are the bounds": lambda low, high, n, rng: 10 ** rng.uniform(low, high, n),
        "only the lower half, repeated": lambda low, high, n, rng: np.sort(
            np.exp(rng.uniform(np.log(low), np.log(high), n))
        )[: n // 2].repeat(2),
        "a grid, not random (ignores rng)": lambda low, high, n, rng: np.geomspace(low, high, n),
        # Pass on [1e-5, 1] alone; the other ranges catch them.
        "ignores high (log(1) = 0)": lambda low, high, n, rng: np.exp(
            rng.uniform(np.log(low), 0.0, n)
        ),
        "ignores low (1e-5 built in)": lambda low, high, n, rng: np.exp(
            rng.uniform(np.log(1e-5), np.log(high), n)
        ),
        "hard-coded exponents -5..0": lambda low, high, n, rng: 10 ** rng.uniform(-5, 0, n),
        "four decades below high": lambda low, high, n, rng: high * 10 ** rng.uniform(-4, 0, n),
        # Mixed log bases, and other wrong shapes of the distribution.
        "exp of log10 bounds": lambda low, high, n, rng: np.exp(
            rng.uniform(np.log10(low), np.log10(high), n)
        ),
        "10 ** of natural-log bounds": lambda low, high, n, rng: (
            10 ** rng.uniform(np.log(low), np.log(high), n)
        ),
        "low * exp(uniform(0, log10(high/low)))": lambda low, high, n, rng: (
            low * np.exp(rng.uniform(0, np.log10(high / low), n))
        ),
        "the exponent, not the learning rate": lambda low, high, n, rng: rng.uniform(
            np.log(low), np.log(high), n
        ),
        "whole decades only (floor of the exponent)": lambda low, high, n, rng: (
            10 ** np.floor(rng.uniform(np.log10(low), np.log10(high), n))
        ),
        "uniform in sqrt": lambda low, high, n, rng: (
            rng.uniform(np.sqrt(low), np.sqrt(high), n) ** 2
        ),
        "normal in log, clipped": lambda low, high, n, rng: np.clip(
            np.exp(rng.normal(np.log(low * high) / 2, np.log(high / low) / 6, n)), low, high
        ),
        "rounded to 3 decimals": lambda low, high, n, rng: np.round(
            np.exp(rng.uniform(np.log(low), np.log(high), n)), 3
        ),
        "a fresh generator inside": lambda low, high, n, rng: np.exp(
            np.random.default_rng(0).uniform(np.log(low), np.log(high), n)
        ),
    },
    "keras2_to_keras3": {
        "keeps decay (silently ignored)": _keras2_keep_decay,
        "keeps the lr key": _keras2_keep_lr_key,
        "leaves an int learning rate": _keras2_no_float,
        "exponential instead of inverse-time": _keras2_with(
            lambda lr, k: keras.optimizers.schedules.ExponentialDecay(
                lr, decay_steps=1, decay_rate=1 - k
            )
        ),
        "decay counted per 100 steps": _keras2_with(
            lambda lr, k: keras.optimizers.schedules.InverseTimeDecay(
                lr, decay_steps=100, decay_rate=k
            )
        ),
        "drops the decay": _keras2_with(lambda lr, k: lr),
        "mutates its input": _keras2_with(_inverse_time, mutate=True),
        "keeps decay=0": _keras2_with(_inverse_time, keep_zero_decay=True),
        "returns None": lambda kwargs: None,
        "returns an optimizer": lambda kwargs: keras.optimizers.SGD(learning_rate=0.1),
        "a plain function of the step": _keras2_with(
            lambda lr, k: lambda step: lr / (1 + k * step)
        ),
        "decays per epoch (staircase)": _keras2_with(
            lambda lr, k: keras.optimizers.schedules.InverseTimeDecay(
                lr, decay_steps=1, decay_rate=k * 10, staircase=True
            )
        ),
        "drops momentum": lambda kwargs: {
            "learning_rate": float(kwargs.get("lr", kwargs.get("learning_rate")))
        },
    },
    "classify_curve": {
        "ignores NaN": _curve_nan_blind,
        "only first vs last": _curve_first_vs_last,
        "too slow checked before unstable": _curve_slow_before_unstable,
        "no noise floor: tiny wiggles read as unstable": _curve_no_noise_floor,
        "any rise means unstable": _curve_any_rise_is_unstable,
        "any large climb means diverged": _curve_a_climb_is_divergence,
        "only NaN or a huge spike diverges (ignores ending above the start)": _curve_only_nan_diverges,
        "absolute thresholds, not relative to the first loss": _curve_absolute_thresholds,
        "good only if 99% of the loss is gone": _curve_demands_99_percent,
        "the old word 'oscillating'": _curve_old_word,
        "capitalised labels": lambda losses: _reference_curve_reader(losses).capitalize(),
        "always good": lambda losses: "good",
        "always unstable": lambda losses: "unstable",
        "returns a number": lambda losses: 1,
        "returns None": lambda losses: None,
    },
    "pick_lr": {
        "LR at the minimum loss": lambda lrs, losses: float(lrs[np.nanargmin(losses)]),
        "LR at the minimum, NaN-naive": lambda lrs, losses: float(lrs[np.argmin(losses)]),
        "LR where the loss explodes (largest loss)": lambda lrs, losses: float(
            _finite(lrs, losses)[0][np.argmax(_finite(lrs, losses)[1])]
        ),
        "first LR": lambda lrs, losses: float(lrs[0]),
        "last LR": lambda lrs, losses: float(lrs[-1]),
        "first LR whose loss exceeds the start": lambda lrs, losses: float(
            lrs[np.flatnonzero(~(losses <= losses[0]))[0]]
        ),
        "half the minimum's LR": lambda lrs, losses: float(lrs[np.nanargmin(losses)] / 2),
        "ten times the minimum's LR": lambda lrs, losses: float(lrs[np.nanargmin(losses)] * 10),
        "steepest *rise* (sign error)": lambda lrs, losses: float(
            _finite(lrs, losses)[0][np.argmax(np.gradient(_finite(lrs, losses)[1]))]
        ),
        "a fixed favourite, 1e-3": lambda lrs, losses: 1e-3,
        "the loss instead of the LR": lambda lrs, losses: float(np.nanmin(losses)),
        "the minimum's LR / 10, NaN-naive": lambda lrs, losses: float(lrs[np.argmin(losses)] / 10),
        "steepest, NaN-naive": lambda lrs, losses: float(lrs[np.argmin(np.gradient(losses))]),
        "the middle of the tried range": lambda lrs, losses: float(lrs[len(lrs) // 2]),
        "the first LR whose loss is below the start": lambda lrs, losses: float(
            lrs[np.flatnonzero(losses < losses[0])[0]]
        ),
        "the largest LR whose loss is below the start": lambda lrs, losses: float(
            _finite(lrs, losses)[0][_finite(lrs, losses)[1] < losses[0]][-1]
        ),
        "where the test stopped / 10": lambda lrs, losses: float(_finite(lrs, losses)[0][-1] / 10),
        "90% of the way down the fall": lambda lrs, losses: float(
            lrs[np.flatnonzero(losses <= losses[0] - 0.9 * (losses[0] - np.nanmin(losses)))[0]]
        ),
        "a fixed favourite, 0.01": lambda lrs, losses: 0.01,
        "the index, not the LR": lambda lrs, losses: int(np.nanargmin(losses)),
    },
}


@pytest.mark.parametrize(
    "exercise_id, answer",
    [
        pytest.param(eid, fn, id=f"{eid}: {name}")
        for eid, table in WRONG.items()
        for name, fn in table.items()
    ],
)
def test_plausible_wrong_answers_fail_with_a_hint(exercise_id, answer):
    result = check(exercise_id, answer)
    assert result.status == exercises.FAILED, result
    assert "Hint" in result.message or "expected" in result.message, result
    assert "Traceback" not in result.message


def test_every_function_checker_has_a_table_of_wrong_answers():
    # their tables are below
    class_or_training = {
        "warmup_schedule",
        "plan_learning_rate",
        "layerwise_optimizer",  # its tables: tests/test_exercises_lesson08.py
        "resume_training",
        "wsd_schedule",
        "sharpness_from_hvp",  # its table: tests/test_exercises_lesson09.py
        "adam_steps",  # its tables: tests/test_exercises_lesson01.py
        "stable_lr_limit",  # its tables: tests/test_exercises_lesson03.py
        "effective_learning_rate",  # its tables: tests/test_exercises_lesson10.py
    }
    assert set(WRONG) == set(exercises.EXERCISES) - class_or_training


# ---- the numeric checkers ------------------------------------------------------------------------


def test_verdict_shows_the_failing_case_expected_value_and_hint():
    text = repr(check("step_decay", lambda epoch, lr0, f, s: lr0 * f ** round(epoch / s)))
    assert "step_decay(9, 0.1, 0.5, 10)" in text and "expected" in text and "Hint:" in text
    assert "last epoch before the first drop" in text


# What a hint must not contain: the reference expression, or code that passes the case.
GIVEAWAYS = {
    "time_based_decay": ["/ (1 +", "1 + k", "k * t", "k*t", "decay_rate * step"],
    "step_decay": ["floor", "** ", "**floor", "// step_size", "int("],
    "exponential_decay": ["exp(", "np.", "math.", "e **", "-k * t", "-k*t"],
    "step_decay_schedule": [
        "staircase=",
        "ExponentialDecay(",
        "PiecewiseConstantDecay(",
        "- 1",
        "* steps_per_epoch",
        "decay_steps=",
    ],
}


@pytest.mark.parametrize(
    "exercise_id, answer",
    [
        pytest.param(eid, fn, id=f"{eid}: {name}")
        for eid in GIVEAWAYS
        for name, fn in WRONG[eid].items()
    ],
)
def test_lesson_05_hints_point_at_the_failing_case_without_giving_the_answer(exercise_id, answer):
    message = check(exercise_id, answer).message
    assert not [code for code in GIVEAWAYS[exercise_id] if code in message], message


def test_warmup_hints_write_no_code():
    for _, source, _ in WRONG_WARMUP:
        message = check("warmup_schedule", _defined_by(source, "warmup_schedule")).message
        assert "ops.minimum" not in message and "ops.cast(" not in message, message


# ---- step_decay_schedule: a Keras schedule object right at every step ----------------------------


def _step_decay_subclass(lr0, f, s, spe, epochs):
    from keras import ops

    class StepDecay(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            drops = ops.floor(ops.cast(step, "float32") / (s * spe))
            return lr0 * ops.power(f, drops)

    return StepDecay()


RIGHT_STEP_SCHEDULES = {
    "ExponentialDecay(staircase=True)": lambda lr0, f, s, spe, epochs: _exp_decay(lr0, s * spe, f),
    "PiecewiseConstantDecay, boundaries one step before each drop": lambda *case: _piecewise(*case),
    "PiecewiseConstantDecay with boundaries past the budget": lambda *case: _piecewise(
        *case, drops=40
    ),
    "a LearningRateSchedule subclass": _step_decay_subclass,
}


@pytest.mark.parametrize("name", sorted(RIGHT_STEP_SCHEDULES))
def test_other_right_step_decay_schedules_pass(name):
    assert check("step_decay_schedule", RIGHT_STEP_SCHEDULES[name]).passed, name


def test_step_decay_schedule_cases_probe_every_boundary_and_several_steps_per_epoch():
    assert len({spe for _, _, _, spe, _ in lesson05._STEP_SCHEDULE_CASES}) >= 3
    for _, _, s, spe, epochs in lesson05._STEP_SCHEDULE_CASES:
        steps = lesson05._step_schedule_telling_steps(s, spe, epochs)
        drops = range(s * spe, spe * epochs, s * spe)
        assert len(drops) >= 2  # at least two drops inside the budget
        assert all({b - 1, b, b + 1} & set(range(spe * epochs)) <= set(steps) for b in drops)
        assert max(steps) == spe * epochs - 1


def test_step_decay_schedule_hints_say_which_way_the_boundary_is_off():
    late = check(
        "step_decay_schedule",
        WRONG["step_decay_schedule"][
            "PiecewiseConstantDecay at the drop steps (inclusive boundary: one step late)"
        ],
    ).message
    early = check(
        "step_decay_schedule",
        WRONG["step_decay_schedule"]["PiecewiseConstantDecay one step too early"],
    ).message
    assert (
        "at step 66 returned 0.1, expected 0.05" in late
        and "still gives the LR from before" in late
    )
    assert "at step 65 returned 0.05, expected 0.1" in early and "already dropped" in early


# ---- log_uniform -------------------------------------------------------------------------------

RIGHT_LOG_UNIFORMS = {
    "natural log": lambda low, high, n, rng: np.exp(rng.uniform(np.log(low), np.log(high), n)),
    "base 10": lambda low, high, n, rng: 10 ** rng.uniform(np.log10(low), np.log10(high), n),
    "base 2": lambda low, high, n, rng: 2 ** rng.uniform(np.log2(low), np.log2(high), n),
    "np.power, size=": lambda low, high, n, rng: np.power(
        10.0, rng.uniform(np.log10(low), np.log10(high), size=n)
    ),
    "low * (high/low) ** U": lambda low, high, n, rng: low * (high / low) ** rng.random(n),
    "exp(log low + (log high - log low) U)": lambda low, high, n, rng: np.exp(
        np.log(low) + (np.log(high) - np.log(low)) * rng.random(n)
    ),
    "a loop of math.exp, as a list": lambda low, high, n, rng: [
        math.exp(rng.uniform(math.log(low), math.log(high))) for _ in range(n)
    ],
    "sorted": lambda low, high, n, rng: np.sort(np.exp(rng.uniform(np.log(low), np.log(high), n))),
}


@pytest.mark.parametrize("name", sorted(RIGHT_LOG_UNIFORMS))
def test_every_correct_log_uniform_passes(name):
    result = check("log_uniform", RIGHT_LOG_UNIFORMS[name])
    assert result.passed, result


def test_log_uniform_is_checked_on_ranges_that_catch_a_missing_bound():
    ranges = [(low, high) for low, high, _ in lesson04._LOG_UNIFORM_CASES]
    assert any(high != 1.0 for _, high in ranges) and any(low > 1e-5 for low, _ in ranges)
    assert any(np.isclose(high / low, 10) for low, high in ranges)  # a single decade
    assert any(low < 1 < high for low, high in ranges)  # straddles 1: log(low) < 0 < log(high)
    # The two "ignores a bound" answers pass on the first range alone: the other ranges are needed.
    first = lesson04._LOG_UNIFORM_CASES[0]
    for name in ("ignores high (log(1) = 0)", "ignores low (1e-5 built in)"):
        samples = WRONG["log_uniform"][name](*first[:3], np.random.default_rng(0))
        assert (
            framework.first_problem(
                [
                    lesson04._log_uniform_shape_and_range,
                    lesson04._log_uniform_reaches_both_ends,
                    lesson04._log_uniform_even_over_decades,
                ],
                samples,
                first,
            )
            is None
        ), name


def test_log_uniform_verdicts_name_the_range_and_never_write_the_answer():
    for name, answer in WRONG["log_uniform"].items():
        message = check("log_uniform", answer).message
        assert "log_uniform(" in message, name
        for giveaway in ("exp(", "log(", "log10(", "rng.uniform(", "10 **", "10**"):
            assert giveaway not in message, (name, giveaway, message)


# ---- keras2_to_keras3 ------------------------------------------------------------------------------


def test_reference_keras2_output_builds_a_quiet_keras3_optimizer_that_decays_like_keras2():
    kwargs = {"lr": 0.1, "decay": 0.01, "momentum": 0.9}
    new = solutions.reference("keras2_to_keras3")(kwargs)
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


class _Keras2Decay(keras.optimizers.schedules.LearningRateSchedule):
    """Keras 2's time-based decay, written by hand as a schedule (a right answer)."""

    def __init__(self, lr, k):
        self.lr, self.k = lr, k

    def __call__(self, step):
        return self.lr / (1.0 + self.k * keras.ops.cast(step, "float32"))


def _keras2_written_differently(kwargs, make_schedule, explicit_defaults=False):
    out = {k: v for k, v in kwargs.items() if k not in ("lr", "decay")}
    lr = float(kwargs.get("lr", kwargs.get("learning_rate")))
    k = kwargs.get("decay", 0)
    out["learning_rate"] = make_schedule(lr, k) if k else lr
    if explicit_defaults:
        out.setdefault("momentum", 0.0)
        out.setdefault("nesterov", False)
    return out


RIGHT_KERAS2 = {
    "a hand-written LearningRateSchedule": lambda kwargs: _keras2_written_differently(
        kwargs, _Keras2Decay
    ),
    "InverseTimeDecay with keyword arguments": lambda kwargs: _keras2_written_differently(
        kwargs,
        lambda lr, k: keras.optimizers.schedules.InverseTimeDecay(
            initial_learning_rate=lr, decay_steps=1, decay_rate=k, staircase=False
        ),
    ),
    "SGD's defaults written out": lambda kwargs: _keras2_written_differently(
        kwargs, _inverse_time, explicit_defaults=True
    ),
    "decay_steps=10 with decay_rate=10*k (the same curve)": lambda kwargs: (
        _keras2_written_differently(
            kwargs, lambda lr, k: keras.optimizers.schedules.InverseTimeDecay(lr, 10, 10 * k)
        )
    ),
}


@pytest.mark.parametrize("name", sorted(RIGHT_KERAS2))
def test_keras2_answers_written_differently_also_pass(name):
    assert check("keras2_to_keras3", RIGHT_KERAS2[name]).passed


def test_a_plain_function_of_the_step_fails_because_keras3_cannot_train_with_it():
    # Keras 3 calls a callable learning rate with no argument: such an answer cannot train.
    answer = lambda kwargs: _keras2_written_differently(
        kwargs, lambda lr, k: lambda step: lr / (1 + k * np.asarray(step, float))
    )
    result = check("keras2_to_keras3", answer)
    assert not result.passed
    assert "no argument" in result.message and "step 0" in result.message, result.message


def test_keras2_is_registered_with_a_longer_timeout_for_the_first_keras_call():
    assert exercises.EXERCISES["keras2_to_keras3"].timeout >= 10


# ---- classify_curve ------------------------------------------------------------------------------


def test_reference_classify_curve_agrees_with_the_library_on_many_curves():
    rng = np.random.default_rng(0)
    for _ in range(300):
        curve = np.abs(rng.normal(2.0, 1.0)) + 0.1 + np.cumsum(rng.normal(-0.1, 0.3, size=8))
        curve = np.concatenate([[abs(curve[0]) + 0.1], np.abs(curve[1:])])
        assert solutions.reference("classify_curve")(curve) == diagnosis.classify_loss_curve(curve)


def test_every_label_appears_among_the_classify_curve_cases():
    labels = {diagnosis.classify_loss_curve(curve) for curve, _, _ in lesson03._CURVE_CASES}
    assert labels == set(diagnosis.DIAGNOSES)
    assert any(not math.isfinite(v) for curve, _, _ in lesson03._CURVE_CASES for v in curve)


def test_classify_curve_accepts_both_labels_only_for_spikes_that_stall():
    # Both "too large" labels, and only on the real curves that spiked and then sat at the start.
    ambiguous = [curve for curve, also, _ in lesson03._CURVE_CASES if also]
    assert len(ambiguous) == 2
    for curve, also, _ in lesson03._CURVE_CASES:
        accepted = set(lesson03._curve_accepts(np.array(curve), also))
        assert accepted <= set(diagnosis.DIAGNOSES)
        assert accepted in (
            {"too slow"},
            {"good"},
            {"unstable"},
            {"diverged"},
            {"unstable", "diverged"},
        )


# Sound readers of a loss curve: each must pass (the example first: a spike above 1.5x the
# start counts as divergence).
RIGHT_CURVE_READERS = {
    "spike above 1.5x the start is diverged": lambda losses: _curve_rules(losses, spike=1.5),
    "spike above 20x the start is diverged (lr = 10 reads unstable)": lambda losses: _curve_rules(
        losses, spike=20.0
    ),
    "no spike rule at all (spikes that stall read unstable)": lambda losses: _curve_rules(
        losses, spike=np.inf
    ),
    "stricter climb share (15%) and noise floor (2%)": lambda losses: _curve_rules(
        losses, share=0.15, noise=0.02
    ),
    "looser climb share (35%) and noise floor (10%)": lambda losses: _curve_rules(
        losses, share=0.35, noise=0.1
    ),
    "good after a 10% drop": lambda losses: _curve_rules(losses, min_drop=0.1),
    "good only after a 50% drop": lambda losses: _curve_rules(losses, min_drop=0.5),
    "largest single climb instead of the climbs' share": _curve_largest_single_rise,
    "counts rising epochs, spike above 1.5x diverged": _curve_counts_rising_epochs,
}


@pytest.mark.parametrize("name", sorted(RIGHT_CURVE_READERS))
def test_sound_classify_curve_readers_pass(name):
    result = check("classify_curve", RIGHT_CURVE_READERS[name])
    assert result.passed, result


def test_classify_curve_hints_point_at_the_case_not_the_code():
    for _, _, hint in lesson03._CURVE_CASES:
        assert not any(
            code in hint for code in ("np.", "isfinite", "isnan", "return", "==", "diff(", "if ")
        ), hint
    text = check("classify_curve", _curve_slow_before_unstable).message
    assert "lr = 3" in text and "too large, not too small" in text
    text = check("classify_curve", _curve_old_word).message
    assert "'unstable'" in text and "zig-zag" in text


# ---- pick_lr: synthetic range-test curves with known good regions -------------------------------

PICK_LR_CURVES = [curve for _, curve, _ in lesson04._PICK_LR_CASES]

RIGHT_PICKS = {
    "the minimum's LR / 10": lambda lrs, losses: float(lrs[np.nanargmin(losses)] / 10),
    "the minimum's LR / 3": lambda lrs, losses: float(lrs[np.nanargmin(losses)] / 3),
    "the minimum's LR / 30": lambda lrs, losses: float(lrs[np.nanargmin(losses)] / 30),
    "halfway down the fall": lambda lrs, losses: float(
        lrs[np.flatnonzero(losses <= losses[0] - 0.5 * (losses[0] - np.nanmin(losses)))[0]]
    ),
    "steepest per step, finite part": lambda lrs, losses: float(
        _finite(lrs, losses)[0][np.argmin(np.diff(_finite(lrs, losses)[1]))]
    ),
    "steepest with nanargmin": lambda lrs, losses: float(lrs[np.nanargmin(np.gradient(losses))]),
}


@pytest.mark.parametrize("name", sorted(RIGHT_PICKS))
def test_other_sound_pick_lr_rules_pass(name):
    assert check("pick_lr", RIGHT_PICKS[name]).passed, name


def test_pick_lr_hints_say_which_side_the_answer_fell():
    too_small = check("pick_lr", lambda lrs, losses: float(lrs[0])).message
    past_bottom = check("pick_lr", lambda lrs, losses: float(lrs[np.nanargmin(losses)])).message
    assert "hardly started to fall" in too_small
    assert "at or past the lowest loss" in past_bottom


def test_pick_lr_verdicts_never_write_the_answer():
    for name, answer in WRONG["pick_lr"].items():
        message = check("pick_lr", answer).message
        for giveaway in ("np.gradient(", "argmin(", "isfinite(", "/ 10", "steepest descent"):
            assert giveaway not in message, (name, giveaway, message)


def test_pick_lr_nan_and_non_numbers_get_verdicts_not_tracebacks():
    assert "expected a number" in check("pick_lr", lambda lrs, losses: float("nan")).message
    assert "expected a number" in check("pick_lr", lambda lrs, losses: "0.01").message


def test_pick_lr_curves_look_like_range_tests():
    for lrs, losses in PICK_LR_CURVES:
        finite = losses[np.isfinite(losses)]
        assert np.all(np.diff(lrs) > 0)
        assert finite[-1] > 4 * losses[0] or not np.all(
            np.isfinite(losses)
        )  # ends where the finder stops
        low, high, bottom = good_lr_window(lrs, losses)
        assert lrs[0] < low < high < bottom < lrs[-1]
        assert high / low > 5  # a real window, not a needle


def test_good_lr_window_of_a_hand_made_curve():
    lrs = np.geomspace(1e-4, 1.0, 41)  # 10 points per decade
    losses = np.r_[
        np.full(10, 2.0),
        np.linspace(2.0, 0.5, 16)[1:],
        [0.6, 1.0, 3.0, 9.0, np.inf],
        np.full(11, np.nan),
    ]
    low, high, bottom = good_lr_window(lrs, losses)
    assert bottom == pytest.approx(lrs[24])  # loss 0.5
    assert high == pytest.approx(lrs[24] / 3)
    assert low == pytest.approx(lrs[11])  # loss 1.8: the first <= 2 - 0.1 * (2 - 0.5) = 1.85


def test_range_test_curve_nan_tail():
    lrs, losses = range_test_curve(
        np.geomspace(1e-5, 1, 80), 1.0, 0.1, -2.5, 0.35, -0.9, nan_tail=True
    )
    stop = np.flatnonzero(~np.isfinite(losses))[0]
    assert len(lrs) == 80 and np.isinf(losses[stop]) and np.all(np.isnan(losses[stop + 1 :]))
    assert np.all(losses[:stop] <= 4 * losses[0])


# ---- warmup_schedule: a class that trains, saves and loads -----------------------------------------

WARMUP_REFERENCE = cells.solution_source("warmup_schedule")
_RAMP = "done = ops.minimum(step, self.warmup_steps) / self.warmup_steps"
_RETURN = (
    "return self.initial_learning_rate + (self.warmup_target - self.initial_learning_rate) * done"
)
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
    (
        "off by one: the target is reached one step early",
        _warmup_variant(
            (_RAMP, "done = ops.minimum(step + 1, self.warmup_steps) / self.warmup_steps")
        ),
        "at step 0",
    ),
    (
        "off by one the other way: the ramp ends at step warmup_steps - 1",
        _warmup_variant(
            (_RAMP, "done = ops.minimum(step, self.warmup_steps - 1) / (self.warmup_steps - 1)")
        ),
        "climbs by",
    ),
    (
        "no clamp: keeps climbing after warm-up",
        _warmup_variant((_RAMP, "done = step / self.warmup_steps")),
        "stays at warmup_target",
    ),
    (
        "ramps from 0 instead of initial_learning_rate",
        _warmup_variant((_RETURN, "return self.warmup_target * done")),
        "step 0",
    ),
    (
        "graph-unsafe: float() and min() on the step",
        _warmup_variant(
            (
                'step = ops.cast(step, "float32")\n        ' + _RAMP,
                "step = float(step)\n        done = min(step, self.warmup_steps) / self.warmup_steps",
            )
        ),
        "graph mode",
    ),
    ("no get_config", WARMUP_REFERENCE[:_GET_CONFIG].rstrip() + "\n", "no get_config()"),
    (
        "get_config still a stub",
        WARMUP_REFERENCE[:_GET_CONFIG]
        + "    def get_config(self):\n        raise NotImplementedError\n",
        "get_config",
    ),
    (
        "get_config with a wrong key",
        _warmup_variant(('"warmup_steps": self.warmup_steps,', '"steps": self.warmup_steps,')),
        "get_config() returned",
    ),
    ("not registered", _warmup_variant((_REGISTER, "")), "not registered"),
    (
        "not a LearningRateSchedule subclass",
        _warmup_variant(
            (
                "class WarmupSchedule(keras.optimizers.schedules.LearningRateSchedule):",
                "class WarmupSchedule:",
            ),
            ("        super().__init__()\n", ""),
            (_REGISTER, ""),
        ),
        "LearningRateSchedule",
    ),
    (
        "crashes when called",
        _warmup_variant(
            (
                'step = ops.cast(step, "float32")',
                'step = ops.cast(step, "float32") / undefined_name',
            )
        ),
        "NameError",
    ),
]


@pytest.mark.parametrize(
    "source, words", [pytest.param(s, w, id=name) for name, s, w in WRONG_WARMUP]
)
def test_wrong_warmup_schedules_fail_with_a_verdict(source, words):
    result = check("warmup_schedule", _defined_by(source, "warmup_schedule"))
    assert result.status == exercises.FAILED, result
    assert words in result.message and "Traceback" not in result.message


# ---- plan_learning_rate: the checker reads the plan at three budgets, then trains it once ---------
@SLOW
def test_reference_plan_clears_the_target_with_a_margin():
    spe, epochs = models.CAPSTONE["steps_per_epoch"], models.CAPSTONE["epochs"]
    accuracies, losses = models.train_capstone(
        solutions.reference("plan_learning_rate")(spe, epochs)
    )
    assert accuracies[-1] >= models.CAPSTONE["target_accuracy"] + 0.03
    assert (
        len(accuracies) == epochs and len(losses) == epochs + 1
    )  # the loss before training, then per epoch
    (x, y), _ = data.capstone_data()
    model = models.capstone_model()
    model.compile("sgd", "sparse_categorical_crossentropy")
    assert losses[0] == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-5)
    assert diagnosis.classify_loss_curve(losses) == "good"


def test_the_plan_budgets_differ_from_the_capstone_in_steps_per_epoch_and_epochs():
    capstone, *others = lesson07._PLAN_BUDGETS
    assert capstone == (
        models.CAPSTONE["steps_per_epoch"],
        models.CAPSTONE["epochs"],
    )  # the one trained
    assert len(others) == 2
    for spe, epochs in others:
        assert spe != capstone[0] and epochs != capstone[1]
    totals = sorted(spe * epochs for spe, epochs in lesson07._PLAN_BUDGETS)
    assert totals[0] < capstone[0] * capstone[1] < totals[-1]  # one shorter budget, one longer


@SLOW
def test_the_plan_lrs_are_what_fit_uses():
    """The checker reads the LR of every step in graph mode; it must equal the schedule called
    eagerly step by step, and what a real fit uses (recorded per batch)."""
    from lrlab import callbacks

    schedule = keras.optimizers.schedules.CosineDecay(0.0, 20, warmup_target=0.1, warmup_steps=4)
    lrs = lesson07._plan_lrs(keras.optimizers.SGD(schedule), 24)
    np.testing.assert_allclose(
        lrs, [float(schedule(step)) for step in range(24)], rtol=1e-6, atol=1e-12
    )
    model = models.digits_mlp(optimizer=keras.optimizers.SGD(schedule))
    recorder = callbacks.LearningRateRecorder()
    model.fit(
        np.zeros((48, 64), "float32"),
        np.zeros(48, "int32"),
        batch_size=8,
        epochs=4,
        verbose=0,
        callbacks=[recorder],
    )
    np.testing.assert_allclose(recorder.batch_lrs, lrs, rtol=1e-6, atol=1e-12)
    np.testing.assert_array_equal(
        lesson07._plan_lrs(keras.optimizers.Adam(0.02), 5), np.full(5, 0.02, "float32")
    )


def _plan(make):
    """A student answer that ignores its arguments: plan_learning_rate(steps_per_epoch, epochs) -> make()."""
    return lambda steps_per_epoch, epochs: make()


def _warmup_cosine(peak, optimizer=keras.optimizers.Adam, warmup_epochs=1, **kwargs):
    """A student answer: warm-up over `warmup_epochs`, then a cosine decay to 0 at the budget's last step."""

    def plan(steps_per_epoch, epochs):
        warmup = warmup_epochs * steps_per_epoch
        schedule = keras.optimizers.schedules.CosineDecay(
            0.0, epochs * steps_per_epoch - warmup, warmup_target=peak, warmup_steps=warmup
        )
        return optimizer(schedule, **kwargs)

    return plan


def _budget(make_schedule, optimizer=keras.optimizers.Adam, **kwargs):
    """A student answer: optimizer(make_schedule(total_steps, steps_per_epoch, epochs))."""
    return lambda spe, epochs: optimizer(make_schedule(spe * epochs, spe, epochs), **kwargs)


class _GraphUnsafeSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """A Python `if` on the step: fine when called with an int, fails on a symbolic tensor."""

    def __call__(self, step):
        return 0.01 if step < 30 else 0.001


class _OneCycle(keras.optimizers.schedules.LearningRateSchedule):
    """One-cycle written with keras.ops, as a student would: a half-cosine from max_lr / 25 up to
    max_lr over the first 30% of the steps, then down to max_lr / 2.5e5 at the last step."""

    def __init__(self, max_lr, total_steps):
        self.max_lr, self.total_steps = max_lr, total_steps

    def __call__(self, step):
        ops = keras.ops
        t = ops.cast(step, "float32")
        top = 0.3 * (self.total_steps - 1)

        def anneal(a, b, u):
            return b + (a - b) / 2 * (1 + ops.cos(np.pi * ops.clip(u, 0.0, 1.0)))

        rising = anneal(self.max_lr / 25, self.max_lr, t / top)
        falling = anneal(self.max_lr, self.max_lr / 2.5e5, (t - top) / (self.total_steps - 1 - top))
        return ops.where(t < top, rising, falling)


def _raises(spe, epochs):
    return keras.optimizers.Adam(1.0 / (spe - spe))


# (what is wrong, the answer, words the verdict must contain)
WRONG_PLANS = [
    # what lesson 07 teaches: a plan for the budget it is given, decaying by its last step
    (
        "a constant Adam(0.01), which alone would reach the target",
        _plan(lambda: keras.optimizers.Adam(0.01)),
        ["never changes"],
    ),
    (
        "a constant SGD with momentum",
        _plan(lambda: keras.optimizers.SGD(0.1, momentum=0.9)),
        ["never changes"],
    ),
    (
        "a cosine hard-coded for the capstone's 150 steps",
        _plan(lambda: keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(0.01, 150))),
        ["ignores the budget"],
    ),
    (
        "warm-up + cosine hard-coded for the capstone",
        _plan(
            lambda: keras.optimizers.Adam(
                keras.optimizers.schedules.CosineDecay(
                    0.0, 120, warmup_target=0.01, warmup_steps=30
                )
            )
        ),
        ["ignores the budget"],
    ),
    (
        "a time-based decay whose rate ignores the budget",
        _plan(
            lambda: keras.optimizers.Adam(keras.optimizers.schedules.InverseTimeDecay(0.01, 1, 0.1))
        ),
        ["ignores the budget"],
    ),
    (
        "a decay ending 10 budgets later",
        _budget(
            lambda total, spe, epochs: keras.optimizers.schedules.CosineDecay(0.01, 10 * total)
        ),
        ["the last of", "not come down"],
    ),
    (
        "a warm-up that lasts the whole budget",
        _budget(
            lambda total, spe, epochs: keras.optimizers.schedules.CosineDecay(
                0.0, total, warmup_target=0.01, warmup_steps=total
            )
        ),
        ["the last of", "not come down"],
    ),
    (
        "a decay only to half the peak",
        _budget(
            lambda total, spe, epochs: keras.optimizers.schedules.PolynomialDecay(
                0.01, total, 0.005
            )
        ),
        ["50% of its peak"],
    ),
    (
        "a decay finishing after 1 epoch",
        _budget(lambda total, spe, epochs: keras.optimizers.schedules.CosineDecay(0.01, spe)),
        ["stays there"],
    ),
    (
        "a decay counting epochs as steps",
        _budget(lambda total, spe, epochs: keras.optimizers.schedules.CosineDecay(0.01, epochs)),
        ["stays there"],
    ),
    (
        "a decay that assumes 5 epochs",
        _budget(lambda total, spe, epochs: keras.optimizers.schedules.CosineDecay(0.01, 5 * spe)),
        ["plan_learning_rate(40, 15)", "stays there"],
    ),
    (
        "a schedule that only works eagerly (a Python `if` on the step)",
        _plan(lambda: keras.optimizers.Adam(_GraphUnsafeSchedule())),
        ["graph mode"],
    ),
    # the size of the LR: a sound shape, judged by training at the capstone's budget
    ("too small a peak", _warmup_cosine(1e-5), ["too small"]),
    ("too large a peak", _warmup_cosine(100.0), ["too large"]),
    ("a peak that diverges", _warmup_cosine(1e3, keras.optimizers.SGD), ["diverged", "too large"]),
    # not an optimizer, or not a usable one
    ("a float", _plan(lambda: 0.01), ["expected a Keras optimizer"]),
    ("a string", _plan(lambda: "adam"), ["expected a Keras optimizer"]),
    ("the class", _plan(lambda: keras.optimizers.Adam), ["call it to create one"]),
    ("a NaN learning rate", _plan(lambda: keras.optimizers.SGD(float("nan"))), ["finite"]),
    (
        "an int learning rate, which Keras refuses",
        _plan(lambda: keras.optimizers.SGD(100)),
        ["raised ValueError"],
    ),
    (
        "a negative learning rate after step 10",
        _plan(
            lambda: keras.optimizers.SGD(
                keras.optimizers.schedules.PiecewiseConstantDecay([10], [0.1, -0.1])
            )
        ),
        ["step 11"],
    ),
    ("a zero learning rate", _plan(lambda: keras.optimizers.SGD(0.0)), ["0 at every step"]),
    ("the wrong signature", lambda spe: keras.optimizers.Adam(), ["raised TypeError"]),
    ("an exception", _raises, ["raised ZeroDivisionError"]),
]


@SLOW
@pytest.mark.parametrize(
    "answer, words", [pytest.param(a, w, id=name) for name, a, w in WRONG_PLANS]
)
def test_wrong_plans_fail_with_a_verdict(answer, words):
    result = check("plan_learning_rate", answer)
    assert result.status == exercises.FAILED, result
    assert all(word in result.message for word in words), result
    assert "Traceback" not in result.message


def _step_decay(total, spe, epochs):
    """LR / 10 after 60% and again after 80% of the epochs (PiecewiseConstantDecay keeps the old
    value at a boundary step, so a drop at the start of epoch n needs the boundary n * spe - 1)."""
    drops = [epochs * 3 // 5 * spe - 1, epochs * 4 // 5 * spe - 1]
    return keras.optimizers.schedules.PiecewiseConstantDecay(drops, [0.01, 0.001, 0.0001])


# Other sound plans: each passes (each trained once, on the capstone's budget).
RIGHT_PLANS = {
    "warm-up + cosine, SGD with momentum 0.9": _warmup_cosine(
        0.1, keras.optimizers.SGD, momentum=0.9
    ),
    "cosine without warm-up, Adam": _budget(
        lambda total, spe, epochs: keras.optimizers.schedules.CosineDecay(0.01, total)
    ),
    "linear decay to 0, Adam": _budget(
        lambda total, spe, epochs: keras.optimizers.schedules.PolynomialDecay(0.01, total, 0.0)
    ),
    "step decay at 60% and 80% of the epochs, Adam": _budget(_step_decay),
    "one-cycle as a schedule, Adam": _budget(lambda total, spe, epochs: _OneCycle(0.02, total)),
}


@SLOW
@pytest.mark.parametrize("name", sorted(RIGHT_PLANS))
def test_other_sound_plans_pass(name):
    result = check("plan_learning_rate", RIGHT_PLANS[name])
    assert result.passed, result


def test_the_one_cycle_plan_is_lrlabs_one_cycle():
    from lrlab import cyclical

    total = 150
    lrs = lesson07._plan_lrs(keras.optimizers.Adam(_OneCycle(0.02, total)), total)
    np.testing.assert_allclose(
        lrs, cyclical.one_cycle(np.arange(total), total, 0.02), rtol=1e-4, atol=1e-9
    )


def test_the_step_decay_plan_drops_at_the_start_of_its_epochs():
    lrs = lesson07._plan_lrs(keras.optimizers.Adam(_step_decay(150, 30, 5)), 150)
    np.testing.assert_allclose(
        lrs[[0, 89, 90, 119, 120, 149]], [0.01, 0.01, 0.001, 0.001, 0.0001, 0.0001], rtol=1e-6
    )


# ---- every exercise: a hint points at what to check, it never writes the answer (issue 16, item 4) -


def _wrong_answers(exercise_id):
    """Every wrong answer the tables above hold for this exercise, plus two any checker must
    reject (so an exercise added later is covered too)."""
    answers = list(WRONG.get(exercise_id, {}).values())
    if exercise_id == "warmup_schedule":
        answers += [_defined_by(source, exercise_id) for _, source, _ in WRONG_WARMUP]
    if exercise_id == "plan_learning_rate":
        answers += [answer for _, answer, _ in WRONG_PLANS]
    if exercise_id == "resume_training":
        answers += [answer for answer, _ in RESUME_WRONG]
    if exercise_id == "wsd_schedule":
        answers += [_defined_by(source, exercise_id) for _, source, _ in WRONG_WSD]
    return answers + [lambda *args, **kwargs: None, lambda *args, **kwargs: "not an answer"]


@pytest.mark.parametrize("exercise_id", each_exercise())
def test_no_verdict_for_a_wrong_answer_contains_the_reference_expression(exercise_id):
    keys = telling_code(exercise_id)
    if exercise_id == "stable_lr_limit":  # the extraction finds the answer's telling lines
        assert {"np.linalg.eigvalsh(hessian)[-1]", "2*(1+momentum)/steepest"} <= keys
    for answer in _wrong_answers(exercise_id):
        result = check(exercise_id, answer)
        assert result.status == exercises.FAILED, result
        verdict = "".join(result.message.split())
        leaked = sorted(key for key in keys if key in verdict)
        assert not leaked, f"the verdict writes the answer {leaked}: {result.message}"


# ==== lesson 08: resume_training (layerwise_optimizer: tests/test_exercises_lesson08.py) ==========
# The reference-passes / stub-not-attempted / solution-cell tests above cover both ids.

# ---- resume_training ---------------------------------------------------------------------------


def _no_initial_epoch(path, x, y, batch_size, initial_epoch, epochs, callbacks):
    model = keras.models.load_model(path)
    model.fit(
        x, y, batch_size=batch_size, epochs=epochs - initial_epoch, callbacks=callbacks, verbose=0
    )
    return model


def _all_epochs_again(path, x, y, batch_size, initial_epoch, epochs, callbacks):
    model = keras.models.load_model(path)
    model.fit(x, y, batch_size=batch_size, epochs=epochs, callbacks=callbacks, verbose=0)
    return model


def _epochs_as_a_count(path, x, y, batch_size, initial_epoch, epochs, callbacks):
    model = keras.models.load_model(path)
    model.fit(
        x,
        y,
        batch_size=batch_size,
        initial_epoch=initial_epoch,
        epochs=epochs - initial_epoch,
        callbacks=callbacks,
        verbose=0,
    )
    return model


def _recompiled(path, x, y, batch_size, initial_epoch, epochs, callbacks):
    model = keras.models.load_model(
        path
    )  # then a new optimizer with the same schedule: step 0 again
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    model.compile(keras.optimizers.SGD(schedule), "sparse_categorical_crossentropy")
    model.fit(
        x,
        y,
        batch_size=batch_size,
        initial_epoch=initial_epoch,
        epochs=epochs,
        callbacks=callbacks,
        verbose=0,
    )
    return model


def _weights_only(path, x, y, batch_size, initial_epoch, epochs, callbacks):
    old = keras.models.load_model(path)
    model = keras.models.clone_model(old)  # rebuilt from the architecture: a fresh optimizer
    model.set_weights(old.get_weights())
    model.compile(
        keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5)),
        "sparse_categorical_crossentropy",
    )
    model.fit(
        x,
        y,
        batch_size=batch_size,
        initial_epoch=initial_epoch,
        epochs=epochs,
        callbacks=callbacks,
        verbose=0,
    )
    return model


def _no_callbacks(path, x, y, batch_size, initial_epoch, epochs, callbacks):
    model = keras.models.load_model(path)
    model.fit(x, y, batch_size=batch_size, initial_epoch=initial_epoch, epochs=epochs, verbose=0)
    return model


def _wrong_batch_size(path, x, y, batch_size, initial_epoch, epochs, callbacks):
    model = keras.models.load_model(path)
    model.fit(
        x,
        y,
        batch_size=batch_size // 2,
        initial_epoch=initial_epoch,
        epochs=epochs,
        callbacks=callbacks,
        verbose=0,
    )
    return model


def _returns_nothing(path, x, y, batch_size, initial_epoch, epochs, callbacks):
    _REFERENCE_RESUME(path, x, y, batch_size, initial_epoch, epochs, callbacks)


def _returns_history(path, x, y, batch_size, initial_epoch, epochs, callbacks):
    model = keras.models.load_model(path)
    return model.fit(
        x,
        y,
        batch_size=batch_size,
        initial_epoch=initial_epoch,
        epochs=epochs,
        callbacks=callbacks,
        verbose=0,
    )


def _raises_io(path, *args):
    return keras.models.load_model(path + ".missing")


RESUME_WRONG = [
    (_no_initial_epoch, "initial_epoch"),
    (_all_epochs_again, "trained 12 steps, expected 6"),
    (_epochs_as_a_count, "trained no step"),
    (_recompiled, "started again at 0"),
    (_weights_only, "started again at 0"),
    (_no_callbacks, "pass `callbacks`"),
    (_wrong_batch_size, "expected 6"),
    (_returns_nothing, "return the model"),
    (_returns_history, "return the model"),
    (_raises_io, "raised ValueError"),
]


@SLOW
@pytest.mark.parametrize("answer, words", RESUME_WRONG, ids=lambda a: getattr(a, "__name__", ""))
def test_resume_wrong_answers_fail_with_the_right_hint(answer, words):
    result = check("resume_training", answer)
    assert result.status == exercises.FAILED, result
    assert words in result.message, result.message


def _epoch_by_epoch(path, x, y, batch_size, initial_epoch, epochs, callbacks):
    model = keras.saving.load_model(path)
    for epoch in range(initial_epoch, epochs):
        model.fit(
            x,
            y,
            batch_size=batch_size,
            initial_epoch=epoch,
            epochs=epoch + 1,
            callbacks=list(callbacks),
            shuffle=False,
            verbose=0,
        )
    return model


@SLOW
def test_resume_an_honest_alternative_passes():
    result = check("resume_training", _epoch_by_epoch)
    assert result.passed, result


@SLOW
def test_the_resume_checkers_expected_lrs_are_those_of_an_uninterrupted_run():
    from lrlab import fine_tuning

    x, y = lesson08._resume_data()
    batch, epochs = lesson08._RESUME["batch_size"], lesson08._RESUME["epochs"]
    per_epoch = -(-len(x) // batch)
    for _, learning_rate, extra_callbacks, expected_lr, _ in lesson08._resume_cases():
        recorder = fine_tuning.StepLearningRateRecorder()
        lesson08._resume_model(learning_rate()).fit(
            x,
            y,
            batch_size=batch,
            epochs=epochs,
            verbose=0,
            callbacks=extra_callbacks() + [recorder],
        )
        assert recorder.steps == list(range(epochs * per_epoch))
        np.testing.assert_allclose(
            recorder.learning_rates,
            [expected_lr(t, t // per_epoch) for t in recorder.steps],
            rtol=1e-6,
        )


# ==== lesson 09: wsd_schedule ===========================================================================

# ---- wsd_schedule: wrong answers fail with a hint, right ones written differently pass -------------

WSD_REFERENCE = cells.solution_source("wsd_schedule")


def _wsd_variant(old, new):
    assert old in WSD_REFERENCE, old
    return WSD_REFERENCE.replace(old, new)


def _wsd_with_call(body):
    """The reference with `__call__`'s body replaced by `body` (8-space indented lines)."""
    start = WSD_REFERENCE.index("    def __call__(self, step):\n") + len(
        "    def __call__(self, step):\n"
    )
    stop = WSD_REFERENCE.index("    def get_config(self):")
    return WSD_REFERENCE[:start] + body + "\n" + WSD_REFERENCE[stop:]


_WSD_IF_ON_STEP = """\
        w, s, d, peak = self.warmup_steps, self.stable_steps, self.decay_steps, self.peak_learning_rate
        if step < w:
            return peak * step / w
        if step <= w + s:
            return peak
        if step < w + s + d:
            return peak * (w + s + d - step) / d
        return 0.0"""

# (what is wrong, the cell's source, words the verdict must contain)
WRONG_WSD = [
    (
        "peak a step late",
        _wsd_variant("step / self.warmup_steps", "step / (self.warmup_steps + 1)"),
        "one step late",
    ),
    (
        "peak a step early",
        _wsd_variant("step / self.warmup_steps", "(step + 1) / self.warmup_steps"),
        "one step early",
    ),
    (
        "decay starts a step late (boundary off by one)",
        _wsd_variant(
            "end = self.warmup_steps + self.stable_steps + self.decay_steps",
            "end = self.warmup_steps + self.stable_steps + self.decay_steps + 1",
        ),
        "decay starts one step late",
    ),
    (
        "decay starts a step early (boundary off by one)",
        _wsd_variant("(end - step) / self.decay_steps", "(end - step - 1) / self.decay_steps"),
        "decay starts one step early",
    ),
    ("decays to the wrong floor", _wsd_variant("0.0, 1.0)", "0.1, 1.0)"), "instead of 0"),
    (
        "no floor at all: goes negative",
        _wsd_variant(
            "ops.clip((end - step) / self.decay_steps, 0.0, 1.0)",
            "ops.minimum((end - step) / self.decay_steps, 1.0)",
        ),
        "negative",
    ),
    (
        "ramp never capped at the peak",
        _wsd_variant(
            "ops.minimum(step / self.warmup_steps, 1.0)", "step / self.warmup_steps"
        ).replace(
            "ops.clip((end - step) / self.decay_steps, 0.0, 1.0)",
            "ops.maximum((end - step) / self.decay_steps, 0.0)",
        ),
        "stays at the peak",
    ),
    (
        "cosine cooldown instead of linear",
        _wsd_variant(
            "cool = ops.clip((end - step) / self.decay_steps, 0.0, 1.0)",
            "cool = 0.5 * (1 + ops.cos(3.141592653589793 * ops.clip((step - end + "
            "self.decay_steps) / self.decay_steps, 0.0, 1.0)))",
        ),
        "cooldown falls in a straight line",
    ),
    (
        "no warm-up",
        _wsd_variant("warm = ops.minimum(step / self.warmup_steps, 1.0)", "warm = 1.0"),
        "at step 0 the LR is 0",
    ),
    ("Python if on the step", _wsd_with_call(_WSD_IF_ON_STEP), "graph mode"),
    (
        "no get_config",
        WSD_REFERENCE[: WSD_REFERENCE.index("    def get_config(self):")].rstrip() + "\n",
        "no get_config()",
    ),
    (
        "get_config with a wrong key",
        _wsd_variant('"decay_steps": self.decay_steps,', '"steps": self.decay_steps,'),
        "get_config() returned",
    ),
    ("not registered", WSD_REFERENCE.replace(_REGISTER, ""), "not registered"),
    (
        "not a schedule",
        WSD_REFERENCE.replace(
            "class WSDSchedule(keras.optimizers.schedules.LearningRateSchedule):",
            "class WSDSchedule:",
        )
        .replace("        super().__init__()\n", "")
        .replace(_REGISTER, ""),
        "LearningRateSchedule",
    ),
    (
        "crashes",
        _wsd_variant(
            'step = ops.cast(step, "float32")', 'step = ops.cast(step, "float32") / undefined_name'
        ),
        "NameError",
    ),
]


@pytest.mark.parametrize("source, words", [pytest.param(s, w, id=name) for name, s, w in WRONG_WSD])
def test_wrong_wsd_schedules_fail_with_a_helpful_hint(source, words):
    result = check("wsd_schedule", _defined_by(source, "wsd_schedule"))
    assert result.status == exercises.FAILED, result
    assert words in result.message, result.message
    assert "Traceback" not in result.message


RIGHT_WSD = [
    (
        "warm-up left uncapped: the clipped cooldown caps it",
        _wsd_variant("ops.minimum(step / self.warmup_steps, 1.0)", "step / self.warmup_steps"),
    ),
    (
        "ops.where by phase",
        _wsd_with_call("""\
        step = ops.cast(step, "float32")
        w, s, d = self.warmup_steps, self.stable_steps, self.decay_steps
        lr = ops.where(step < w, self.peak_learning_rate * step / w, self.peak_learning_rate)
        lr = ops.where(step > w + s, self.peak_learning_rate * (w + s + d - step) / d, lr)
        return ops.maximum(lr, 0.0)"""),
    ),
    (
        "tf ops, one expression",
        _wsd_with_call("""\
        import tensorflow as tf
        step = tf.cast(step, tf.float32)
        up = step / self.warmup_steps
        down = (self.warmup_steps + self.stable_steps + self.decay_steps - step) / self.decay_steps
        return self.peak_learning_rate * tf.maximum(0.0, tf.minimum(tf.minimum(up, 1.0), down))"""),
    ),
    (
        "extra name argument in the config",
        _wsd_variant(
            "def __init__(self, peak_learning_rate, warmup_steps, stable_steps, decay_steps):",
            "def __init__(self, peak_learning_rate, warmup_steps, stable_steps, decay_steps, name=None):",
        ).replace(
            '            "decay_steps": self.decay_steps,\n',
            '            "decay_steps": self.decay_steps,\n            "name": None,\n',
        ),
    ),
]


@pytest.mark.parametrize("source", [pytest.param(s, id=name) for name, s in RIGHT_WSD])
def test_right_wsd_schedules_written_differently_pass(source):
    result = check("wsd_schedule", _defined_by(source, "wsd_schedule"))
    assert result.passed, result.message
