"""The course's exercise checkers, registered with `lrlab.exercises` when this module is imported.

One checker per exercise id, in lesson order. Each is a `verify(call)` (see `lrlab.exercises`):
it runs the student's code through `call`, compares with expected values taken from the pure
`lrlab` modules (schedules, landscapes, diagnosis), and returns None or the first failure's
verdict. Long checks are split into stages, small functions each named for what it checks and
returning None or a verdict; a checker runs them in order and stops at the first problem.
"""

import functools
import math
import numbers

import numpy as np

from lrlab import diagnosis, landscapes, models, schedules
from lrlab.exercises import (
    EXERCISES,
    TimedOut,
    as_number,
    describe_call,
    error_text,
    exercise,
    guarded,
    mismatch,
    numeric_cases,
    run_with_timeout,
    short,
)

__all__ = ["good_lr_window", "range_test_curve"]


def _first_problem(stages, *args):
    """Run check stages in order; the first verdict (a non-empty string), or None."""
    for stage in stages:
        problem = stage(*args)
        if problem:
            return problem
    return None


# ---- lesson 01: one gradient-descent step ------------------------------------------------------

_w = np.array([0.5, -1.0, 2.0])
_g = np.array([0.2, -0.4, 1.0])
exercise("sgd_step", off=["lrlab.landscapes.gradient_descent"])(
    numeric_cases(
        "sgd_step",
        [
            # Hints say what to compare, never the code: this first case is the one most wrong answers fail.
            (
                (1.0, 0.5, 0.1),
                0.95,
                "the gradient 0.5 is positive, so the weight should end a little *below* "
                "its start 1.0, by a step the learning rate 0.1 makes small. Compare your "
                "result with 1.0: did it move the wrong way, move too far, or is it only "
                "the change rather than the new weight?",
            ),
            ((2.0, -3.0, 0.01), 2.03, "a negative gradient means the weight should grow."),
            (
                (0.0, 4.0, 0.5),
                -2.0,
                "with learning rate 0.5 the weight should move half as far as the "
                "gradient is large: does your step change when lr changes?",
            ),
            ((_w, _g, 0.3), _w - 0.3 * _g, "it should work elementwise on NumPy arrays too."),
        ],
    )
)

# ---- lesson 03: the stability limit -------------------------------------------------------------

_STABLE_LR_CURVATURES = (1.0, 4.0, 0.25, 50.0)


def _stable_lr_hint(lr, c):
    """What the student's learning rate does on L(w) = c/2 w², in the lesson's words."""
    if lr <= 0:
        return "a learning rate must be positive: a zero or negative one never moves towards the minimum."
    factor = 1 - lr * c
    said = f"at lr = {lr:.6g} and c = {c:g}, one step multiplies w by 1 - lr·c = {factor:+.4g}"
    if abs(factor) < 1:
        where = (
            " That is where w lands on the minimum in one step; a little above it, w overshoots "
            "but still converges."
            if abs(factor) < 1e-9
            else ""
        )
        return (
            f"{said}, whose size is below 1: this learning rate converges, and so do somewhat "
            f"larger ones.{where} The limit is the learning rate at which that size reaches 1."
        )
    return (
        f"{said}, whose size is above 1: this learning rate diverges, so the limit is smaller. "
        "Check how your answer changes with c: a steeper bowl needs smaller steps."
    )


@exercise("largest_stable_lr", off=["lrlab.landscapes.stability_limit"])
def _verify_largest_stable_lr(call):
    for c in _STABLE_LR_CURVATURES:
        where = describe_call("largest_stable_lr", (c,))
        got = as_number(call(c), where)
        expected = landscapes.stability_limit(c)
        if not math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-12):
            return mismatch(where, expected, got, _stable_lr_hint(got, c))
    return None


# ---- lesson 05: the classic schedules as formulas ---------------------------------------------
# Hints point at what the failing case tests, never at the expression that passes it.

_LR0 = 0.1
exercise(
    "time_based_decay",
    off=["lrlab.schedules.time_based_decay", "lrlab.keras_schedules.time_based_decay_schedule"],
)(
    numeric_cases(
        "time_based_decay",
        [
            ((t, _LR0, k), schedules.time_based_decay(t, _LR0, k), hint)
            for t, k, hint in [
                (
                    0,
                    0.5,
                    "at step 0 nothing has decayed yet, so the LR is the initial LR: is your step counted from 0?",
                ),
                (
                    1,
                    0.5,
                    "a decay makes the LR smaller as the step grows: check the direction of your change.",
                ),
                (
                    10,
                    0.01,
                    "check which counter your formula uses: t is the optimizer step (the `step` argument).",
                ),
                (
                    1000,
                    0.02,
                    "after many steps time-based decay is still well above 0: it falls like 1/t, far "
                    "more slowly than an exponential or a per-step compounding decay.",
                ),
                (7, 0.0, "with decay_rate 0 the LR never changes."),
            ]
        ],
    )
)

exercise(
    "step_decay", off=["lrlab.schedules.step_decay", "lrlab.keras_schedules.step_decay_schedule"]
)(
    numeric_cases(
        "step_decay",
        [
            ((e, _LR0, f, s), schedules.step_decay(e, _LR0, f, s), hint)
            for e, f, s, hint in [
                (0, 0.5, 10, "epoch 0 uses the initial LR."),
                (
                    9,
                    0.5,
                    10,
                    "epoch 9 is the last epoch before the first drop: the LR has not dropped yet.",
                ),
                (
                    10,
                    0.5,
                    10,
                    "epoch 10 = step_size is the first epoch after a drop: the LR has dropped exactly once.",
                ),
                (
                    11,
                    0.5,
                    10,
                    "between drops the LR stays put: epochs 10 to 19 all share one value.",
                ),
                (
                    14,
                    0.25,
                    10,
                    "by epoch 14 exactly one drop has happened: check how you turn epoch / step_size "
                    "into a whole number of drops.",
                ),
                (
                    15,
                    0.25,
                    10,
                    "epoch / step_size is 1.5 here, and only one drop has happened by epoch 15: check how "
                    "you turn it into a whole number of drops (1.4 and 1.5 must give the same count).",
                ),
                (
                    26,
                    0.7,
                    3,
                    "by epoch 26, with a drop every 3 epochs, 8 drops have happened, each one multiplying the "
                    "LR by factor: check your count of drops and what each drop does.",
                ),
            ]
        ],
    )
)

exercise(
    "exponential_decay",
    off=["lrlab.schedules.exponential_decay", "lrlab.keras_schedules.exponential_decay_schedule"],
)(
    numeric_cases(
        "exponential_decay",
        [
            ((t, _LR0, k), schedules.exponential_decay(t, _LR0, k), hint)
            for t, k, hint in [
                (0, 0.1, "at step 0 the LR is the initial LR."),
                (
                    1,
                    0.1,
                    "check the base of your exponential: over 1/decay_rate steps the LR falls by a factor "
                    "e (about 2.718), not 10.",
                ),
                (10, 0.1, "the LR must shrink as the step grows: check the sign of your exponent."),
                (
                    50,
                    0.02,
                    "decay_rate sets how fast the LR falls; it is not the base of a power. Here "
                    "decay_rate x step = 1, so the LR should have fallen by exactly a factor e.",
                ),
                (3, 0.0, "with decay_rate 0 the LR never changes."),
            ]
        ],
    )
)


# ---- lesson 05: predict, to the step, the LR of a Keras schedule object ------------------------

# initial_lr, factor, step_size (epochs), steps_per_epoch, epochs of training
_STEP_SCHEDULE_CASES = [
    (0.1, 0.5, 3, 22, 10),
    (0.2, 0.1, 2, 1, 9),  # one step per epoch: every step is a boundary's neighbour
    (0.05, 0.7, 1, 37, 4),  # a drop at every epoch
    (1.0, 0.25, 4, 10, 13),
]


def _step_schedule_where(case):
    return describe_call("step_decay_schedule", case)


def _step_schedule_telling_steps(step_size, steps_per_epoch, epochs):
    """Step 0, the last step, the middle of the first interval, and each drop's first step with
    both its neighbours: where a boundary off by one, a smooth curve or a wrong interval shows."""
    total, every = steps_per_epoch * epochs, step_size * steps_per_epoch
    picks = {0, 1, every // 2, total - 1}
    for drop in range(every, total, every):
        picks |= {drop - 1, drop, drop + 1}
    return sorted(p for p in picks if 0 <= p < total)


def _step_schedule_is_a_schedule(schedule, where):
    import keras

    if isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
        return None
    expected = (
        f"{where} returned {type(schedule).__name__} {short(schedule)}; "
        "expected a schedule object from keras.optimizers.schedules."
    )
    if isinstance(schedule, keras.callbacks.Callback):
        return (
            f"{expected} Hint: a callback acts once per epoch, between batches; this exercise asks for the "
            "object the optimizer itself calls at every step (section 5)."
        )
    if isinstance(schedule, numbers.Number):
        return f"{expected} Hint: a fixed learning rate never drops."
    return f"{expected} Hint: a plain function is not one; Keras 3 would call it with no argument."


def _step_schedule_hint(got, step, case):
    """Which way the schedule is wrong at `step`, without writing the answer."""
    lr0, factor, step_size, spe, _ = case
    every = step_size * spe
    epoch, drops = step // spe, step // every
    where = f"step {step} is in epoch {epoch} ({spe} steps per epoch), "
    if got > lr0 * (1 + 1e-5):
        return (
            "your LR went above initial_lr: each drop must multiply it by factor, which is below 1."
        )
    if got <= 0:
        return "your LR reached 0: a step decay only ever multiplies it by factor, so it stays above 0."
    made = math.log(got / lr0) / math.log(factor)  # how many drops your schedule has made
    if not math.isclose(made, round(made), abs_tol=1e-3):
        return (
            "a step decay only takes the values initial_lr, initial_lr times factor, times factor², ... and "
            "holds each one flat until the next drop; yours gives a value in between. Check that your "
            "schedule changes only at the drops, and by factor each time."
        )
    if step == 0:
        return "at step 0 no drop has happened yet: check the LR your schedule starts from."
    at_a_boundary = step % every in (0, 1, every - 1)
    if at_a_boundary and round(made) == drops - 1:
        return (
            where
            + f"after drop number {drops}, but your schedule still gives the LR from before that drop. "
            + "Check at which step "
            "each drop happens, and whether your schedule gives a boundary step the old or the new value."
        )
    if at_a_boundary and round(made) == drops + 1:
        return (
            where
            + f"before drop number {drops + 1}, but your schedule has already dropped. Check at which "
            "step each drop happens, and whether your schedule gives a boundary step the old or the new value."
        )
    return (
        where
        + f"so {drops} drop(s) have happened by then (one every {step_size} epochs), but your "
        f"schedule has made {round(made)}. Check how many optimizer steps lie between two drops."
    )


def _step_schedule_values(schedule, case, where):
    """The LR the optimizer uses at each telling step, compared with the step-decay formula."""
    import keras

    lr0, factor, step_size, spe, epochs = case
    optimizer = guarded(
        f"keras.optimizers.SGD(learning_rate={where})", keras.optimizers.SGD, schedule
    )
    for step in _step_schedule_telling_steps(step_size, spe, epochs):
        optimizer.iterations.assign(step)
        at = f"{where} at step {step}"
        got = as_number(guarded(at, lambda: float(optimizer.learning_rate)), at)
        expected = schedules.step_decay(step // spe, lr0, factor, step_size)
        if not math.isclose(got, expected, rel_tol=1e-5, abs_tol=1e-12):
            return mismatch(at, expected, got, _step_schedule_hint(got, step, case))
    return None


@exercise("step_decay_schedule", timeout=10.0, off=["lrlab.keras_schedules.step_decay_schedule"])
def _verify_step_decay_schedule(call):
    for case in _STEP_SCHEDULE_CASES:
        where = _step_schedule_where(case)
        schedule = call(*case)
        problem = _step_schedule_is_a_schedule(schedule, where) or _step_schedule_values(
            schedule, case, where
        )
        if problem:
            return problem
    return None


# ---- lesson 04: log-uniform samples for a random search ------------------------------------------

# Ranges chosen so that an answer that ignores `high` or `low`, or mixes log bases, fails on at
# least one: four decades ending at 1 (log(high) = 0), five straddling 1, one decade, a factor 4.
_LOG_UNIFORM_CASES = [(1e-5, 1.0, 2000), (1e-3, 10.0, 2000), (1e-2, 1e-1, 2000), (0.5, 2.0, 2000)]
# Kolmogorov-Smirnov critical value at the 1e-4 level, sqrt(-ln(1e-4 / 2) / 2) / sqrt(n): a
# correct answer drawing other random numbers fails about 1 time in 10,000 per case.
_KS_CRITICAL = math.sqrt(-math.log(1e-4 / 2) / 2)


def _ks_uniform(u):
    """Kolmogorov-Smirnov statistic of samples u against Uniform(0, 1), and where it is reached:
    (statistic, position p, share of the samples below p)."""
    u = np.sort(u)
    n = len(u)
    above, below = np.arange(1, n + 1) / n - u, u - np.arange(n) / n
    i, j = int(np.argmax(above)), int(np.argmax(below))
    if above[i] >= below[j]:
        return float(above[i]), float(u[i]), (i + 1) / n
    return float(below[j]), float(u[j]), j / n


def _log_uniform_where(case):
    low, high, n = case
    return f"log_uniform({low:g}, {high:g}, {n}, rng)"


def _log_uniform_shape_and_range(samples, case):
    low, high, n = case
    try:
        samples = np.asarray(samples, dtype=float)
    except (TypeError, ValueError):
        return f"{_log_uniform_where(case)} returned {type(samples).__name__}; expected an array of {n} numbers."
    if samples.shape != (n,):
        return (
            f"{_log_uniform_where(case)} returned shape {samples.shape}, expected ({n},). "
            "Hint: one call should give all n samples, as a 1-D array."
        )
    slack = 1e-9  # 10 ** log10(x) may round a hair past x
    if (
        not np.all(np.isfinite(samples))
        or samples.min() < low * (1 - slack)
        or samples.max() > high * (1 + slack)
    ):
        return (
            f"{_log_uniform_where(case)} returned values from {samples.min():.3g} to {samples.max():.3g}, "
            f"outside [{low:g}, {high:g}]. Hint: every sample must be a learning rate between low and high; "
            "check what your code makes of the two ends of the range."
        )
    return None


def _log_uniform_reaches_both_ends(samples, case):
    low, high, n = case
    position = (np.log(np.asarray(samples, dtype=float)) - math.log(low)) / (
        math.log(high) - math.log(low)
    )
    # Log-uniform puts 5% of the samples in each twentieth of the log range: about 100 of 2000.
    ends = [
        ("lowest", "low", position < 0.05, low, low * (high / low) ** 0.05),
        ("highest", "high", position > 0.95, low * (high / low) ** 0.95, high),
    ]
    for side, bound, inside, a, b in ends:
        if not np.any(inside):
            return (
                f"{_log_uniform_where(case)}: no sample fell in the {side} twentieth of the range "
                f"(from {a:.3g} to {b:.3g}), where log-uniform puts about 5%. "
                f"Hint: log-uniform samples reach every part of the log scale between low and high, this end "
                f"included; check how your code uses `{bound}`, and that it works for any range, not only [1e-05, 1]."
            )
    return None


def _log_uniform_even_over_decades(samples, case):
    low, high, n = case
    samples = np.asarray(samples, dtype=float)
    position = (np.log(samples) - math.log(low)) / (math.log(high) - math.log(low))
    statistic, where, share = _ks_uniform(position)
    if statistic > _KS_CRITICAL / math.sqrt(n):
        lr = low * (high / low) ** where  # `where` of the way along the log scale
        return (
            f"{_log_uniform_where(case)}: the samples are not spread evenly over the log scale: "
            f"{share:.0%} fell below {lr:.3g}, where log-uniform puts {where:.0%}. Hint: each factor of 10 "
            "(each decade) of the range should get the same share of samples; plot a histogram of your "
            "samples on a log axis."
        )
    return None


def _log_uniform_uses_only_rng(call, case):
    low, high, n = case
    samples = np.asarray(call(low, high, n, np.random.default_rng(0)), dtype=float)
    again = np.asarray(call(low, high, n, np.random.default_rng(0)), dtype=float)
    other = np.asarray(call(low, high, n, np.random.default_rng(1)), dtype=float)
    if not np.array_equal(samples, again) or np.array_equal(samples, other):
        return (
            f"{_log_uniform_where(case)} should depend only on `rng`: the same seed must give the same samples, "
            "and a different seed different ones. Hint: draw every random number from the generator passed "
            "in as `rng`, not from NumPy's global random state."
        )
    return None


@exercise("log_uniform", off=["lrlab.search.log_uniform"])
def _verify_log_uniform(call):
    stages = [
        _log_uniform_shape_and_range,
        _log_uniform_reaches_both_ends,
        _log_uniform_even_over_decades,
    ]
    for case in _LOG_UNIFORM_CASES:
        low, high, n = case
        problem = _first_problem(stages, call(low, high, n, np.random.default_rng(0)), case)
        if problem:
            return problem
    return _log_uniform_uses_only_rng(call, _LOG_UNIFORM_CASES[0])


# ---- lesson 02: Keras 2 optimizer arguments to Keras 3 ---------------------------------------

# (Keras 2 arguments, the Keras 3 arguments they mean, hint). A learning rate given as a pair
# (lr0, decay) means Keras 2's per-step time-based decay lr0 / (1 + decay * step).
_KERAS2_CASES = [
    (
        {"lr": 0.01},
        {"learning_rate": 0.01},
        "Keras 3 refuses one of the argument names Keras 2 accepted: which one, and what is it called now?",
    ),
    (
        {"learning_rate": 0.1, "momentum": 0.9},
        {"learning_rate": 0.1, "momentum": 0.9},
        "these are already Keras 3 arguments: nothing here needs to change.",
    ),
    (
        {"lr": 1, "momentum": 0.9, "nesterov": True},
        {"learning_rate": 1.0, "momentum": 0.9, "nesterov": True},
        "Keras 3 is stricter about the type of the learning rate than Keras 2 was, and every other "
        "argument must survive the translation.",
    ),
    (
        {"lr": 0.1, "decay": 0.0},
        {"learning_rate": 0.1},
        "`decay=0` meant no decay at all: what is left to translate?",
    ),
    (
        {"lr": 0.1, "decay": 0.01, "momentum": 0.9},
        {"learning_rate": (0.1, 0.01), "momentum": 0.9},
        "Keras 3 ignores `decay=`, so the decay has to live in the learning rate itself, as something "
        "Keras calls with the optimizer's step (lesson 02, section 5).",
    ),
    (
        {"learning_rate": 0.5, "decay": 0.001},
        {"learning_rate": (0.5, 0.001)},
        "Keras 2 decayed once per optimizer step (batch), from step 0: compare your learning rate "
        "with Keras 2's at the steps above.",
    ),
]
_KERAS2_STEPS = (0, 1, 10, 1000)  # where the learning rate is compared
_KERAS2_GRADIENTS = (1.0, -0.5, 2.0)  # a few real SGD steps, so momentum and nesterov count too


def _keras3_optimizer(where, kwargs, hint):
    """`keras.optimizers.SGD(**kwargs)` as `compile` would build it; (optimizer, None) or (None, verdict)."""
    import warnings

    import keras

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            optimizer = keras.optimizers.SGD(**kwargs)
        except Exception as error:
            message = str(error).strip().splitlines()[0] if str(error).strip() else ""
            return None, (
                f"{where}: keras.optimizers.SGD(**your_dict) raised {type(error).__name__}: "
                f"{message} Hint: {hint}"
            )
    ignored = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    if ignored:
        return None, (
            f'{where}: keras.optimizers.SGD(**your_dict) warned "{ignored[0][:160]}": '
            f"Keras 3 ignores that argument. Hint: {hint}"
        )
    return optimizer, None


def _keras2_expected_optimizer(expected):
    import keras

    kwargs = dict(expected)
    if isinstance(kwargs["learning_rate"], tuple):
        lr0, decay = kwargs["learning_rate"]
        kwargs["learning_rate"] = keras.optimizers.schedules.InverseTimeDecay(lr0, 1, decay)
    return keras.optimizers.SGD(**kwargs)


def _keras2_learning_rates(where, optimizer, expected, hint):
    """The learning rate Keras 3 trains with at each telling step must be Keras 2's."""
    for step in _KERAS2_STEPS:
        optimizer.iterations.assign(step)
        try:
            lr = float(optimizer.learning_rate)  # what every training step reads
        except Exception as error:
            return (
                f"{where}: Keras 3 could not read the learning rate at step {step}: "
                f"{error_text(error, first_line_only=True)} Keras calls a learning rate that is "
                f"a plain function with no argument, so it never sees the step. Hint: {hint}"
            )
        expected.iterations.assign(step)
        want = float(expected.learning_rate)
        if not math.isclose(lr, want, rel_tol=1e-5):
            return (
                f"{where}: with your arguments Keras 3 trains at step {step} with learning rate "
                f"{lr:.6g}; Keras 2 used {want:.6g}. Hint: {hint}"
            )
    return None


def _keras2_steps(where, optimizer, expected, hint):
    """A few real SGD steps from step 0 move a weight exactly as the intended optimizer does."""
    import keras

    optimizer.iterations.assign(0)
    expected.iterations.assign(0)
    got_w, want_w = keras.Variable(1.0), keras.Variable(1.0)
    for gradient in _KERAS2_GRADIENTS:
        try:
            optimizer.apply([keras.ops.convert_to_tensor(gradient)], [got_w])
        except Exception as error:
            return (
                f"{where}: a training step with your arguments raised "
                f"{error_text(error, first_line_only=True)} Hint: {hint}"
            )
        expected.apply([keras.ops.convert_to_tensor(gradient)], [want_w])
    got, want = float(got_w.numpy()), float(want_w.numpy())
    if not math.isclose(got, want, rel_tol=1e-5, abs_tol=1e-7):
        return (
            f"{where}: after {len(_KERAS2_GRADIENTS)} training steps with gradients "
            f"{list(_KERAS2_GRADIENTS)} a weight starting at 1 is at {got:.6g} with your arguments, "
            f"{want:.6g} with Keras 2's meaning of them. Hint: {hint}"
        )
    return None


@exercise("keras2_to_keras3", timeout=10.0)
def _verify_keras2_to_keras3(call):
    for given, expected, hint in _KERAS2_CASES:
        where = describe_call("keras2_to_keras3", (given,))
        original = dict(given)
        got = call(given)
        if given != original:
            return (
                f"{where} changed the dict it was given. "
                "Hint: leave the caller's dict as it was and return a new one."
            )
        if not isinstance(got, dict):
            return f"{where} returned {type(got).__name__} {short(got)}; expected a dict of keyword arguments."
        optimizer, problem = _keras3_optimizer(where, got, hint)
        if problem:
            return problem
        reference = _keras2_expected_optimizer(expected)
        problem = _keras2_learning_rates(where, optimizer, reference, hint) or _keras2_steps(
            where, optimizer, reference, hint
        )
        if problem:
            return problem
    return None


# ---- lesson 03: name a loss curve ------------------------------------------------------------

_nan, _inf = float("nan"), float("inf")

# (curve, other labels a sound rule may give, hint). The label `diagnosis.classify_loss_curve`
# gives is always accepted; a curve whose reading honestly depends on a threshold (a spike that
# is "unstable" to one rule and "diverged" to another) accepts both. No case sits near a
# boundary between too small and too large, so every wrong direction is caught.
_CURVE_CASES = [
    (
        [2.3, 1.5, 0.9, 0.55, 0.35, 0.25, 0.2],
        (),
        "the loss fell at every epoch, to a small fraction of its start: nothing is wrong here.",
    ),
    (
        [2.30, 2.295, 2.29, 2.286, 2.281, 2.277, 2.272],
        (),
        "the loss falls at every epoch but has lost only about 1% of its start: does your rule ask "
        "how much of the starting loss is gone?",
    ),
    (
        [2.3, 1.2, 2.0, 0.9, 1.8, 0.8, 1.6],
        (),
        "the loss keeps climbing back up between drops, yet it stays finite, never passes its start "
        "and ends below it: compare how much it climbs with how much it falls.",
    ),
    (
        [2.3, 8.0, 95.0, 4.1e3, _inf, _nan, _nan],
        (),
        "this curve ends in inf and NaN: training blew up. Every comparison with NaN is False, "
        "so a rule made only of comparisons lets NaN slip through.",
    ),
    (
        [2.3, 1.9, 1.6, _nan, _nan, _nan, _nan],
        (),
        "it fell nicely, then became NaN: one NaN is enough to call a run diverged, whatever came before.",
    ),
    (
        [2.3, 2.5, 2.8, 3.1, 3.5, 3.9, 4.4],
        (),
        "the loss rose at every epoch and ended almost twice as high as it began: it is running "
        "away, not bouncing around a level.",
    ),
    (
        [2.36, 3.71, 2.29, 2.32, 2.32, 2.32, 2.31, 2.29],
        ("diverged",),
        "a real curve at lr = 3: the loss jumped up by half in the first epoch, then sat near its "
        "start for good. That is a learning rate that is too large, not too small: look for the "
        "spike before deciding the curve barely moved.",
    ),
    (
        [2.36, 35.4, 3.25, 2.35, 2.35, 2.39, 2.35, 2.35],
        ("unstable",),
        "a real curve at lr = 10: the loss blew up fifteen-fold, then sat at its start. A learning "
        "rate far too large, even though the last loss is a hair below the first.",
    ),
    (
        [2.36, 1.72, 0.84, 0.40, 0.26, 0.18, 0.15, 0.13, 0.12],
        (),
        "a real curve at a good learning rate: a big, steady fall.",
    ),
    (
        [2.357, 2.356, 2.3568, 2.3556, 2.3566, 2.3555, 2.3562],
        (),
        "tiny wiggles on a flat curve: the climbs are a third of the movement, but each is under a "
        "thousandth of the loss, noise rather than instability, and the loss has barely moved.",
    ),
    (
        [0.9, 0.5, 0.55, 0.3, 0.32, 0.2, 0.21, 0.15],
        (),
        "a mostly falling curve with small bumps (each under a tenth of the start) that lost most "
        "of its loss: small bumps are not instability.",
    ),
    (
        [40.0, 22.0, 11.0, 6.0, 3.5, 2.2, 1.6],
        (),
        "the good shape again, at a larger scale (the loss starts at 40, as a regression's can): "
        "measure everything relative to the first loss, not against fixed numbers.",
    ),
    (
        [0.004, 0.001, 0.003, 0.0008, 0.0025, 0.0006, 0.002],
        (),
        "a bouncing curve at a small scale (the loss starts at 0.004): measure the climbs relative "
        "to the first loss, not against fixed numbers.",
    ),
]


def _curve_accepts(curve, also):
    """The labels accepted for `curve`: the library's reading plus the other sound ones."""
    return (diagnosis.classify_loss_curve(curve),) + tuple(also)


@exercise("classify_curve", off=["lrlab.diagnosis.classify_loss_curve"])
def _verify_classify_curve(call):
    for curve, also, hint in _CURVE_CASES:
        losses = np.array(curve)
        accepted = _curve_accepts(losses, also)
        where = f"classify_curve({short(losses)})"
        got = call(losses.copy())
        if not isinstance(got, str) or got not in diagnosis.DIAGNOSES:
            extra = (
                ' (this course does not say "oscillating": weights that zig-zag while they converge '
                '"converge with overshoot", and a loss curve that keeps climbing back up is "unstable")'
                if got == "oscillating"
                else ""
            )
            return (
                f"{where} returned {short(got)}; expected one of "
                f"{', '.join(map(repr, diagnosis.DIAGNOSES))}{extra}."
            )
        if got not in accepted:
            expected = " or ".join(map(repr, accepted))
            return f"{where} returned {got!r}, expected {expected}. Hint: {hint}"
    return None


# ---- lesson 06: a warm-up schedule CLASS that trains, saves and loads ---------------------------

_WARMUP = (0.01, 0.1, 8)  # initial_learning_rate, warmup_target, warmup_steps


def _warmup_lr(step):
    return schedules.linear_warmup(step, *_WARMUP)


def _save_and_load(schedule, steps_done):
    """Save a tiny model whose optimizer uses `schedule`, load it back; return the optimizer."""
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule), loss="mse")
    model.optimizer.build(model.trainable_variables)
    model.optimizer.iterations.assign(steps_done)
    return models.save_and_load(model).optimizer


def _warmup_values_at_the_telling_steps(schedule):
    start, target, n = _WARMUP
    hints = {
        0: "at step 0 the LR is initial_learning_rate.",
        1: "the LR climbs by (warmup_target - initial_learning_rate) / warmup_steps per step.",
        n
        - 1: "at step warmup_steps - 1 the warm-up is not over: the target is reached exactly at step warmup_steps.",
        n: "at step warmup_steps the LR reaches warmup_target (not one step earlier or later).",
        n + 1: "after warm-up the LR stays at warmup_target: "
        "check a step past warmup_steps, where it must stop climbing.",
        5 * n: "long after warm-up the LR stays at warmup_target.",
    }
    for step, hint in hints.items():
        where = f"WarmupSchedule({start:g}, {target:g}, {n})({step})"
        got = as_number(guarded(where, schedule, step), where)
        expected = _warmup_lr(step)
        if not math.isclose(got, expected, rel_tol=1e-5, abs_tol=1e-9):
            return mismatch(where, expected, got, hint)
    return None


_WARMUP_GRAPH_HINT = (
    "Inside fit `step` is a symbolic int64 tensor, not a number: lesson 06 section 3 lists "
    "what breaks on it (math, np, a Python `if`) and what works."
)


@exercise(
    "warmup_schedule",
    kind="class",
    answer_name="WarmupSchedule",
    timeout=30.0,
    off=["lrlab.keras_schedules.LinearWarmup", "lrlab.schedules.linear_warmup"],
)
def _verify_warmup_schedule(call):
    n = _WARMUP[2]
    arguments = dict(zip(["initial_learning_rate", "warmup_target", "warmup_steps"], _WARMUP))
    return _first_problem(
        [
            _is_a_schedule,
            _warmup_values_at_the_telling_steps,
            functools.partial(
                _works_in_graph_mode,
                expected_lr=_warmup_lr,
                steps=(n - 1,),
                hint=_WARMUP_GRAPH_HINT,
            ),
            functools.partial(
                _config_round_trips, arguments=arguments, expected_lr=_warmup_lr, step=3
            ),
            _is_registered,
            functools.partial(
                _survives_save_and_load,
                steps_done=5,
                expected_lr=_warmup_lr,
                steps=(0, n - 1, n, 2 * n),
            ),
        ],
        call(*_WARMUP),
    )


# ---- stages shared by the schedule-class exercises (warmup_schedule, wsd_schedule) -------------
# Each takes the student's schedule object first; `expected_lr(step)` is the library's formula.


def _close(got, want):
    return math.isclose(got, want, rel_tol=1e-5, abs_tol=1e-9)


def _is_a_schedule(schedule):
    import keras

    if not isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
        name = type(schedule).__name__
        return (
            f"{name}(...) should be a keras.optimizers.schedules.LearningRateSchedule: "
            f"write `class {name}(keras.optimizers.schedules.LearningRateSchedule):`."
        )
    return None


def _works_in_graph_mode(schedule, expected_lr, steps, hint):
    import tensorflow as tf

    # Inside fit the schedule is traced once with a symbolic int64 step (graph mode).
    traced = tf.function(lambda step: schedule(step))
    where = "calling your schedule inside a compiled train step (graph mode)"
    for step in steps:
        value = guarded(where, lambda s=step: float(traced(tf.constant(s, tf.int64))), hint=hint)
        if not _close(value, expected_lr(step)):
            return (
                f"{where} gave {value:.6g} at step {step}, expected {expected_lr(step):.6g}. {hint}"
            )
    return None


def _config_round_trips(schedule, arguments, expected_lr, step):
    """get_config must return every constructor argument (`arguments`: {name: value}) as a
    number, and a schedule rebuilt from it must give the same learning rate at `step`."""
    import keras

    cls = type(schedule)
    wanted = f"a dict of the {len(arguments)} constructor arguments"
    # Saving needs get_config, returning every constructor argument.
    if cls.get_config is keras.optimizers.schedules.LearningRateSchedule.get_config:
        return (
            "your class has no get_config(), so a model using it cannot be saved (model.save raises "
            f"NotImplementedError). Add get_config returning {wanted}."
        )
    try:
        config = run_with_timeout(schedule.get_config, (), 10)
    except NotImplementedError:
        return f"get_config() still raises NotImplementedError: return {wanted}."
    except Exception as error:
        return f"get_config() raised {error_text(error, first_line_only=True)}."
    if not isinstance(config, dict) or any(
        isinstance(config.get(key), bool)
        or not isinstance(config.get(key), numbers.Real)
        or not math.isclose(float(config[key]), value)
        for key, value in arguments.items()
    ):
        return (
            f"get_config() returned {short(config)}; expected the constructor arguments "
            f"{arguments}. Hint: Keras rebuilds the schedule as {cls.__name__}(**config)."
        )
    rebuilt = guarded(f"{cls.__name__}.from_config(get_config())", cls.from_config, config)
    got = as_number(guarded("the rebuilt schedule", rebuilt, step), f"the rebuilt schedule({step})")
    if not _close(got, expected_lr(step)):
        return "a schedule rebuilt with from_config(get_config()) gives different learning rates."
    return None


def _is_registered(schedule):
    import keras

    cls = type(schedule)
    if keras.saving.get_registered_name(cls) == cls.__name__:
        return (
            f"{cls.__name__} is not registered, so load_model cannot find it. Keep the decorator "
            "@keras.saving.register_keras_serializable(package=...) on the class."
        )
    return None


def _survives_save_and_load(schedule, steps_done, expected_lr, steps):
    """A model whose optimizer holds the schedule, saved after `steps_done` steps, loads back
    with the same schedule class, the step counter and the same LR at each of `steps`."""
    optimizer = guarded(
        "saving and loading a model that uses your schedule",
        _save_and_load,
        schedule,
        steps_done,
        hint="Check that get_config returns plain numbers.",
    )
    loaded = optimizer._learning_rate
    if not isinstance(loaded, type(schedule)):
        return (
            f"after model.save / load_model the optimizer's schedule is a {type(loaded).__name__}, "
            f"not your {type(schedule).__name__}."
        )
    if int(optimizer.iterations) != steps_done:
        return f"after load_model the step counter is {int(optimizer.iterations)}, expected {steps_done}."
    for step in steps:
        got = as_number(
            guarded("the loaded schedule", loaded, step), f"the loaded schedule({step})"
        )
        if not _close(got, expected_lr(step)):
            return f"the loaded schedule gives {got:.6g} at step {step}, expected {expected_lr(step):.6g}."
    return None


# ---- lesson 07 capstone: plan the learning rate for a model you have not seen ---------------

# Lesson 07 plans the LR *for a budget*: a peak, maybe a warm-up, and a decay that ends at the
# budget's last step. So the checker asks for a plan at three budgets, the capstone's (the one
# it trains) and two others differing from it in both steps per epoch and epochs, and reads the
# LR of every step at each before training once.
_PLAN_BUDGETS = [
    (models.CAPSTONE["steps_per_epoch"], models.CAPSTONE["epochs"]),
    (12, 4),  # 48 steps: shorter
    (40, 15),  # 600 steps: longer
]
_PLAN_END_FRACTION = 0.25  # at the last step the LR is at most this share of its peak...
_PLAN_SETTLED_AT = 0.6  # ...and it reaches its final level no earlier than this share of the budget
_PLAN_ZERO = 1e-4  # an LR below this share of the peak counts as zero
_PLAN_GRAPH_HINT = (
    "Hint: inside fit a schedule gets the step as a symbolic int64 tensor (graph mode); "
    "does yours use only keras.ops on it, with no math, NumPy or Python `if`?"
)


def _plan_lrs(optimizer, total_steps):
    """The plan's learning rate at steps 0 .. total_steps - 1, computed as `fit` computes it
    (a float LR gives a flat line)."""
    import tensorflow as tf

    from lrlab.callbacks import current_learning_rate, holds_schedule

    if not holds_schedule(optimizer):
        return np.full(total_steps, current_learning_rate(optimizer))
    schedule = optimizer._learning_rate
    # As fit calls it: in graph mode, on an int64 step, without AutoGraph (fit does not convert
    # a schedule's Python `if` either). One traced loop is also far faster than one eager call per step.
    every_step = tf.function(
        lambda: tf.map_fn(
            lambda step: tf.cast(schedule(step), tf.float32),
            tf.range(total_steps, dtype=tf.int64),
            fn_output_signature=tf.float32,
        ),
        autograph=False,
    )
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel(
        "ERROR"
    )  # a new trace per plan is expected: no "triggered tf.function retracing" warning
    try:
        return every_step().numpy().astype(float)
    finally:
        logger.setLevel(level)


def _plan_is_a_fresh_optimizer(optimizer, where):
    import keras

    if isinstance(optimizer, type) and issubclass(optimizer, keras.optimizers.Optimizer):
        return f"{where} returned the class {optimizer.__name__}, not an optimizer: call it to create one."
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        return (
            f"{where} returned {type(optimizer).__name__} {short(optimizer)}; expected a Keras optimizer "
            "(an instance from keras.optimizers)."
        )
    if optimizer.built:
        return f"{where} returned an optimizer that already trained another model; return a fresh one on every call."
    return None


def _plan_lrs_are_usable(lrs, where):
    bad = np.flatnonzero(~np.isfinite(lrs) | (lrs < 0))
    if bad.size:
        return (
            f"the learning rate of {where} at step {bad[0]} is {lrs[bad[0]]:.3g}; every step needs a finite "
            "learning rate >= 0 (0 only where a warm-up starts)."
        )
    if lrs.max() <= 0:
        return f"the learning rate of {where} is 0 at every step, so the model never changes."
    return None


def _plan_changes(curves):
    where, lrs = curves[0]
    if np.ptp(lrs) <= 1e-6 * lrs.max():
        return (
            f"the learning rate of {where} is {lrs[0]:.3g} at every step: it never changes. Hint: lesson 07's "
            "plans (warm-up + cosine, one-cycle, a decay) end with the LR far below its peak at the last step "
            "of the budget; what is your LR at the last step?"
        )
    return None


def _plan_depends_on_the_budget(curves):
    for i, (where_a, a) in enumerate(curves):
        for where_b, b in curves[i + 1 :]:
            n = min(len(a), len(b))
            if np.allclose(a[:n], b[:n], rtol=1e-6, atol=0.0):
                return (
                    f"{where_a} and {where_b} give the same learning rate at each of the first {n} steps: "
                    "your plan ignores the budget it is given. Hint: which of your numbers should come from "
                    "steps_per_epoch and epochs, so that the decay ends at the budget's last step?"
                )
    return None


def _plan_decays_by_the_last_step(where, lrs):
    peak, end = lrs.max(), lrs[-1]
    if end > _PLAN_END_FRACTION * peak * (1 + 1e-6):
        return (
            f"at step {len(lrs) - 1}, the last of {where}, the learning rate is {end:.3g}, "
            f"{end / peak:.0%} of its peak {peak:.3g}: it has not come down by the end of the budget. Hint: how far "
            "does your decay go, over how many steps counted from where, and how many steps does this budget have?"
        )
    return None


def _plan_uses_the_whole_budget(where, lrs):
    peak, end = lrs.max(), lrs[-1]
    level = max(end * 1.01, _PLAN_ZERO * peak)
    after = np.maximum.accumulate(lrs[::-1])[::-1]  # the largest LR from each step on
    settled = int(np.argmax(after <= level))
    if settled < _PLAN_SETTLED_AT * len(lrs):
        return (
            f"{where} brings the learning rate down to its final {end:.3g} by step {settled} of {len(lrs)} and "
            f"stays there for the last {1 - settled / len(lrs):.0%} of the budget, which barely trains. Hint: "
            "which number sets the length of your decay, and is it this budget?"
        )
    return None


def _plan_reaches_the_target(accuracies, losses, summary):
    """The verdict on a finished training run (`losses`: before training, then one per epoch):
    None when the last epoch reaches the target; else what the curves say about the LR (lesson 03)."""
    epochs, target = models.CAPSTONE["epochs"], models.CAPSTONE["target_accuracy"]
    if not np.all(np.isfinite(losses)):
        epoch = int(np.flatnonzero(~np.isfinite(losses))[0])
        return (
            f"training diverged: the loss became {losses[epoch]} in epoch {epoch} {summary}. "
            "Hint: the learning rate is far too large; a range test shows where the loss blows up."
        )
    if accuracies[-1] >= target:
        return None
    best = int(np.argmax(accuracies))
    verdict = (
        f"after {epochs} epochs the validation accuracy is {accuracies[-1]:.3f} (best {accuracies[best]:.3f}, "
        f"epoch {best + 1}); the goal is {target:.2f} {summary}."
    )
    reading = diagnosis.classify_loss_curve(losses)
    rise = max(losses) / losses[0]
    if reading == "diverged":
        hint = (
            f"the training loss rose to {rise:.3g} times its start, or ended above it: the learning rate "
            "(its peak) is too large."
        )
    elif reading == "unstable":
        hint = "the training loss climbed back up again and again: the learning rate (its peak) is too large."
    elif accuracies[best] - accuracies[-1] > 0.1:
        hint = "the accuracy fell after its best epoch: the learning rate (its peak) is too large."
    elif reading == "too slow":
        hint = (
            f"the training loss fell by only {1 - losses[-1] / losses[0]:.0%} of its start: the learning rate is "
            "too small for this budget."
        )
    else:
        hint = (
            "the model learns, but not enough: what does a range test say about your peak, and does the LR "
            "come down to near zero at the last step?"
        )
    return f"{verdict} Hint: {hint}"


@exercise("plan_learning_rate", timeout=30.0)
def _verify_plan_learning_rate(call):
    plans, curves = [], []
    for spe, epochs in _PLAN_BUDGETS:
        where = f"plan_learning_rate({spe}, {epochs})"
        optimizer = call(spe, epochs)
        problem = _plan_is_a_fresh_optimizer(optimizer, where)
        if problem:
            return problem
        lrs = guarded(
            f"computing the learning rate of {where} at each of its {spe * epochs} steps",
            _plan_lrs,
            optimizer,
            spe * epochs,
            hint=_PLAN_GRAPH_HINT,
        )
        problem = _plan_lrs_are_usable(lrs, where)
        if problem:
            return problem
        plans.append(optimizer)
        curves.append((f"{where} ({spe * epochs} steps)", lrs))
    problem = _plan_changes(curves) or _plan_depends_on_the_budget(curves)
    for where, lrs in curves:
        problem = (
            problem
            or _plan_decays_by_the_last_step(where, lrs)
            or _plan_uses_the_whole_budget(where, lrs)
        )
    if problem:
        return problem
    lrs = curves[0][1]
    summary = f"(your LR: {lrs[0]:.3g} at the start, {lrs.max():.3g} at its peak, {lrs[-1]:.3g} at the end)"
    # Not `guarded`: any error in training (NotImplementedError included) is the plan's failure.
    try:
        accuracies, losses = run_with_timeout(
            models.train_capstone, (plans[0],), EXERCISES["plan_learning_rate"].timeout
        )
    except TimedOut:
        return "training with your plan did not finish in time. Is your schedule doing heavy work on every step?"
    except Exception as error:
        return (
            f"training with your plan raised {type(error).__name__}: {str(error)[:300]}. "
            f"{_PLAN_GRAPH_HINT}"
        )
    return _plan_reaches_the_target(accuracies, losses, summary)


# ---- lesson 04: read a learning rate off a range-test curve ----------------------------------


def range_test_curve(lrs, start, end, centre, width, blowup, noise=0.0, seed=0, nan_tail=False):
    """A synthetic LR range-test curve: flat, a sigmoid fall of width `width` decades around
    10**centre, then a blow-up near 10**blowup; noisy if asked; cut where the finder would stop
    (the first loss above 4x the start), with inf then NaN after that point if `nan_tail`."""
    u = np.log10(lrs)
    losses = (
        start
        - (start - end) / (1 + np.exp(-(u - centre) / width))
        + end * np.exp((u - blowup) / 0.15)
    )
    if noise:
        losses = losses * (1 + noise * np.random.default_rng(seed).standard_normal(len(lrs)))
    stop = int(np.flatnonzero(losses > 4 * start)[0])
    if nan_tail:
        losses[stop] = np.inf
        losses[stop + 1 :] = np.nan
        return np.asarray(lrs, dtype=float), losses
    return np.asarray(lrs[: stop + 1], dtype=float), losses[: stop + 1]


def good_lr_window(lrs, losses):
    """(low, high, lr at the lowest loss): the LRs a range-test reader should pick from.

    low: where the loss has made 10% of its fall to the bottom (training is under way);
    high: the bottom's LR / 3, since the lowest point is already on the edge of blowing up.
    """
    finite = np.isfinite(losses)
    bottom = int(np.argmin(np.where(finite, losses, np.inf)))
    drop = losses[0] - losses[bottom]
    low = lrs[np.flatnonzero(losses[: bottom + 1] <= losses[0] - 0.1 * drop)[0]]
    return float(low), float(lrs[bottom] / 3), float(lrs[bottom])


_PICK_LR_CASES = [
    (
        "a clean curve (Adam-like)",
        range_test_curve(np.geomspace(1e-6, 10, 100), 2.3, 0.3, -3.0, 0.3, -1.2),
        "",
    ),
    (
        "a noisy curve (SGD-like)",
        range_test_curve(
            np.geomspace(1e-5, 10, 100), 2.3, 0.2, -1.3, 0.25, 0.2, noise=0.01, seed=1
        ),
        "small wiggles are noise: look at the trend.",
    ),
    (
        "a curve that ends in inf and NaN",
        range_test_curve(np.geomspace(1e-5, 1, 80), 1.0, 0.1, -2.5, 0.35, -0.9, nan_tail=True),
        "this curve ends in inf and NaN after the blow-up: check what your code does with them "
        "(NaN compares as neither smaller nor larger than anything, and np.argmin stops at the first NaN).",
    ),
    (
        "a short, coarse curve (binary loss)",
        range_test_curve(
            np.geomspace(1e-4, 10, 40), 0.69, 0.25, -1.8, 0.3, -0.2, noise=0.01, seed=2
        ),
        "",
    ),
    (
        "a curve whose good region is at tiny learning rates",
        range_test_curve(
            np.geomspace(1e-7, 1, 120),
            4.6,
            1.0,
            -4.0,
            0.4,
            -2.2,
            noise=0.005,
            seed=3,
            nan_tail=True,
        ),
        "the good region is not always near 1e-3: read it off the curve.",
    ),
]


def _pick_lr_why(got, lrs, low, bottom):
    """Which side of the good window the pick fell on, as a hint."""
    if not lrs[0] <= got <= lrs[-1]:
        return "that is not even on the curve: return one of the learning rates the test tried."
    if got < low:
        return (
            "at that learning rate the loss has hardly started to fall, so training would crawl. "
            "Pick where the loss falls steeply."
        )
    if got >= bottom:
        return (
            f"that is at or past the lowest loss (lr = {bottom:.3g}), where the loss is about to blow "
            "up. Pick where it is still falling, well before the bottom."
        )
    return (
        f"that is too close to the bottom of the curve (lr = {bottom:.3g}): training there is on "
        "the edge of diverging. Back off to where the loss is still falling steeply."
    )


@exercise("pick_lr", off=["lrlab.finder.RangeTestResult"])
def _verify_pick_lr(call):
    for name, (lrs, losses), hint in _PICK_LR_CASES:
        where = f"pick_lr(lrs, losses) on {name} (lrs {lrs[0]:.0e} to {lrs[-1]:.0e})"
        got = as_number(call(lrs.copy(), losses.copy()), where)
        low, high, bottom = good_lr_window(lrs, losses)
        if low <= got <= high:
            continue
        problem = (
            f"{where} returned {got:.3g}; a good pick here lies between {low:.3g} and {high:.3g}."
        )
        return f"{problem} Hint: {_pick_lr_why(got, lrs, low, bottom)} {hint}".rstrip()
    return None


# ---- lesson 08: layer-wise learning-rate decay -------------------------------------------------

_LAYERWISE_CASES = [  # (num_layers, base_lr, decay), hint
    (
        (4, 0.01, 0.5),
        "layer 0 is nearest the input and gets the smallest LR; the last layer gets base_lr.",
    ),
    ((1, 0.1, 0.3), "a single layer is the head: it gets base_lr."),
    ((3, 0.001, 1.0), "with decay 1 every layer gets base_lr."),
    ((2, 4.0, 0.5), "layer i gets base_lr * decay ** (num_layers - 1 - i)."),
    ((6, 3e-4, 0.8), "layer i gets base_lr * decay ** (num_layers - 1 - i)."),
]


def _layerwise_expected(args):
    from lrlab import (
        fine_tuning,
    )  # Keras-facing: imported when a check runs, not with lrlab.exercises

    return fine_tuning.layerwise_decay(*args)


def _layerwise_hint(got, args, default):
    """A specific hint when `got` matches a mistake a teacher would expect."""
    n, base, decay = args
    if (
        n > 1
        and decay != 1
        and np.allclose(got, _layerwise_expected(args)[::-1], rtol=1e-6, atol=0)
    ):
        return (
            "the decay runs from the wrong end: layer 0 (next to the input) gets the smallest LR "
            "and the last layer, the head, gets base_lr."
        )
    for shift in (1, -1):  # the depth counted one too deep or one too shallow
        wrong = [base * decay ** (n - 1 - i + shift) for i in range(n)]
        if decay != 1 and np.allclose(got, wrong, rtol=1e-6, atol=0):
            return (
                "the depth is off by one: the last layer, i = num_layers - 1 (the head), "
                "gets base_lr itself, and each layer below it one more factor of decay."
            )
    return default


def _as_float_list(got, where, n):
    """The answer as a list of `n` floats, or a verdict string."""
    if isinstance(got, np.ndarray):
        if got.ndim != 1:
            return (
                f"{where} returned an array of shape {got.shape}; expected a list of {n} numbers."
            )
        got = list(got)
    if not isinstance(got, (list, tuple)):
        return (
            f"{where} returned {type(got).__name__} {short(got)}; expected a list of {n} numbers."
        )
    if len(got) != n:
        return (
            f"{where} returned {len(got)} values, expected {n}. Hint: one learning rate per layer, "
            "for i in range(num_layers)."
        )
    for value in got:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            return f"{where} returned {short(value)} ({type(value).__name__}) in the list; expected numbers."
        if isinstance(value, (numbers.Integral, np.integer)):
            return (
                f"{where} returned the int {value!r}; expected floats. Hint: Keras 3 rejects an int "
                "learning rate (keras.optimizers.SGD(learning_rate=1) raises)."
            )
        if not math.isfinite(value):
            return f"{where} returned {value!r}; expected finite learning rates."
    return [float(v) for v in got]


@exercise("layerwise_learning_rates", off=["lrlab.fine_tuning.layerwise_decay"])
def _verify_layerwise_learning_rates(call):
    for args, hint in _LAYERWISE_CASES:
        where = describe_call("layerwise_learning_rates", args)
        got = _as_float_list(call(*args), where, args[0])
        if isinstance(got, str):
            return got
        expected = _layerwise_expected(args)
        if not np.allclose(got, expected, rtol=1e-6, atol=0):
            shown = ", ".join(f"{v:.4g}" for v in got)
            want = ", ".join(f"{v:.4g}" for v in expected)
            return f"{where} returned [{shown}], expected [{want}]. Hint: {_layerwise_hint(got, args, hint)}"
    return None


# ---- lesson 08: resume a run without restarting its learning rate ------------------------------

# A tiny model and data, so a check takes about a second.
_RESUME = {"rows": 96, "batch_size": 32, "initial_epoch": 2, "epochs": 4}


def _resume_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(_RESUME["rows"], 4)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int32) + (x[:, 1] > 0).astype(np.int32)


def _resume_model(learning_rate):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.SGD(learning_rate), "sparse_categorical_crossentropy")
    return model


def _resume_cases():
    """(name, learning rate or schedule, make extra callbacks, LR at step t and epoch e, hint)."""
    import keras

    return [
        (
            "an optimizer built on ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)",
            lambda: keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5),
            lambda: [],
            lambda step, epoch: 0.1 * 0.5 ** (step / 2),
            "the schedule is evaluated at the optimizer's step counter: keep the saved optimizer (load the whole "
            "model with keras.models.load_model, and do not compile it again).",
        ),
        (
            "an SGD(0.1) optimizer driven by LearningRateScheduler(lambda epoch: 0.1 * 0.5 ** epoch)",
            lambda: 0.1,
            lambda: [keras.callbacks.LearningRateScheduler(lambda epoch: 0.1 * 0.5**epoch)],
            lambda step, epoch: 0.1 * 0.5**epoch,
            "the callback computes the LR from the epoch number, and fit counts epochs from `initial_epoch` "
            "(0 unless you pass it): fit(..., initial_epoch=initial_epoch, epochs=epochs).",
        ),
    ]


def _resume_steps_verdict(where, recorder, reference, hint):
    """The steps the resumed run trained and their LRs, against the uninterrupted run's `reference`."""
    start_epoch, end_epoch = _RESUME["initial_epoch"], _RESUME["epochs"]
    per_epoch = len(reference) // end_epoch
    first, last = start_epoch * per_epoch, end_epoch * per_epoch
    if not recorder.steps:
        return (
            f"{where} trained no step that the checker could see. Hint: pass `callbacks` to model.fit, and "
            "remember that `epochs` is the index of the last epoch: fit(initial_epoch=2, epochs=4) trains 2 more."
        )
    if recorder.steps[0] == 0:
        return (
            f"{where}: the optimizer's step counter started again at 0 instead of {first}, so the LR "
            f"schedule restarted (LR {recorder.learning_rates[0]:.4g} instead of {reference[first]:.4g}). "
            "Hint: load the whole model with keras.models.load_model, which restores the optimizer and its "
            "step count, and do not compile it again."
        )
    if len(recorder.steps) != last - first:
        return (
            f"{where} trained {len(recorder.steps)} steps, expected {last - first} ({end_epoch - start_epoch} "
            f"epochs of {per_epoch}). Hint: in fit, `epochs` is the index of the last epoch, not how many "
            "more to train; `initial_epoch` is where to start."
        )
    if recorder.steps != list(range(first, last)):
        return f"{where} trained the steps {recorder.steps}, expected {list(range(first, last))}."
    for step, got in zip(recorder.steps, recorder.learning_rates):
        if not math.isclose(got, reference[step], rel_tol=1e-6):
            return (
                f"{where}: at step {step} the LR was {got:.4g}; the uninterrupted run used {reference[step]:.4g}. "
                f"Hint: {hint}"
            )
    return None


def _resume_problem(name, learning_rate, extra_callbacks, expected_lr, hint, call, folder):
    import keras

    from lrlab.fine_tuning import StepLearningRateRecorder

    x, y = _resume_data()
    batch, start_epoch, end_epoch = (
        _RESUME["batch_size"],
        _RESUME["initial_epoch"],
        _RESUME["epochs"],
    )
    per_epoch = math.ceil(len(x) / batch)
    # What an uninterrupted run uses at every step (tests/test_checkers.py checks it against one).
    reference = [expected_lr(step, step // per_epoch) for step in range(end_epoch * per_epoch)]
    model = _resume_model(learning_rate())
    model.fit(x, y, batch_size=batch, epochs=start_epoch, verbose=0, callbacks=extra_callbacks())
    path = f"{folder}/checkpoint_{len(extra_callbacks())}.keras"
    model.save(path)
    recorder = StepLearningRateRecorder()
    where = (
        f"resume_training(path, x, y, {batch}, {start_epoch}, {end_epoch}, callbacks) with {name}"
    )
    returned = call(path, x, y, batch, start_epoch, end_epoch, extra_callbacks() + [recorder])
    problem = _resume_steps_verdict(where, recorder, reference, hint)
    if problem:
        return problem
    if not isinstance(returned, keras.Model):
        return f"{where} returned {type(returned).__name__}; return the model you trained."
    if int(returned.optimizer.iterations) != len(reference):
        taken = int(returned.optimizer.iterations)
        return f"the model you returned has taken {taken} steps, expected {len(reference)}."
    return None


@exercise("resume_training", timeout=30.0)
def _verify_resume_training(call):
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        for case in _resume_cases():
            problem = _resume_problem(*case, call, folder)
            if problem:
                return problem
    return None


# ---- lesson 09: a warmup-stable-decay schedule CLASS --------------------------------------------

# Checked with two parameter sets: the second has no stable phase and W != D, so swapped
# arguments and hard-coded numbers show up.
_WSD_CASES = [
    (0.2, 8, 12, 10),
    (0.05, 3, 0, 6),
]  # peak_learning_rate, warmup_steps, stable_steps, decay_steps
_WSD_ARGUMENTS = ["peak_learning_rate", "warmup_steps", "stable_steps", "decay_steps"]
_WSD_GRAPH_HINT = (
    "Inside fit `step` is a symbolic int64 tensor, not a number: convert it to a float tensor and "
    "combine the phases with keras.ops functions, not math, np or a Python `if` (lesson 06 section 3)."
)


def _wsd_lr(case, step):
    return schedules.warmup_stable_decay(step, *case)


def _wsd_telling_steps(w, s, d):
    end = w + s + d
    return sorted(
        {
            0,
            1,
            w // 2,
            w - 1,
            w,
            w + 1,
            w + s // 2,
            w + s - 1,
            w + s,
            w + s + 1,
            w + s + d // 2,
            end - 1,
            end,
            end + 1,
            3 * end,
        }
    )


def _wsd_hint(lr, case):
    """(first wrong step, hint naming the likely mistake) from the student's LRs {step: value}."""
    peak, w, s, d = case
    end = w + s + d
    step = next(k for k in sorted(lr) if not _close(lr[k], _wsd_lr(case, k)))
    if step <= w:
        if _close(lr[w - 1], peak) and _close(lr[0], peak / w):
            return step, (
                "the peak is reached one step early: at step warmup_steps - 1 the warm-up is not "
                "over yet; the LR reaches the peak exactly at step warmup_steps."
            )
        if not _close(lr[w], peak) and _close(lr[w + 1], peak):
            return step, (
                "the peak is reached one step late: it must be reached exactly at step warmup_steps, "
                "not one step after."
            )
        if step == 0:
            return step, "at step 0 the LR is 0: the warm-up starts from 0."
        return step, (
            "during the warm-up the LR climbs in a straight line, from 0 at step 0 to the peak at "
            "step warmup_steps."
        )
    if step <= w + s:
        if lr[w + s] > peak * (1 + 1e-5):
            return step, "after the warm-up the LR stays at the peak: cap the ramp at 1."
        if _close(lr[w + s - 1], peak):
            return step, (
                "the decay starts one step early: at step warmup_steps + stable_steps the LR is still the "
                "peak, and it falls from the next step on."
            )
        return (
            step,
            "between steps warmup_steps and warmup_steps + stable_steps the LR stays at the peak.",
        )
    if any(value < -1e-9 for k, value in lr.items() if k > end):
        return step, "after the decay the LR went negative: clip it at 0."
    if step <= end:
        if _close(lr[w + s + 1], peak):
            return step, (
                "the decay starts one step late: at step warmup_steps + stable_steps + 1 the LR is "
                "already below the peak."
            )
        floor = lr[3 * end]
        if floor > 1e-9 and _close(lr[end], floor):
            return step, (
                f"the LR decays to {floor:.4g} instead of 0: the cooldown goes linearly from the peak all "
                "the way to 0 at step warmup_steps + stable_steps + decay_steps."
            )
        if _close(lr[end - 1], 0.0):
            return (
                step,
                "the LR reaches 0 one step early: it is 0 exactly at step warmup_steps + stable_steps + decay_steps.",
            )
        if _close(lr[end], peak / d) and _close(lr[end + 1], 0.0):
            return (
                step,
                "the LR reaches 0 one step late: it is 0 exactly at step warmup_steps + stable_steps + decay_steps.",
            )
        return step, (
            "the cooldown falls in a straight line, from the peak at step warmup_steps + stable_steps "
            "to 0 at step warmup_steps + stable_steps + decay_steps."
        )
    return step, "after the cooldown the LR stays at 0."


def _wsd_values_at_the_telling_steps(schedule, case):
    name = f"WSDSchedule({case[0]:g}, {case[1]}, {case[2]}, {case[3]})"
    lr = {
        k: as_number(guarded(f"{name}({k})", schedule, k), f"{name}({k})")
        for k in _wsd_telling_steps(*case[1:])
    }
    if all(_close(value, _wsd_lr(case, k)) for k, value in lr.items()):
        return None
    step, hint = _wsd_hint(lr, case)
    return mismatch(f"{name}({step})", _wsd_lr(case, step), lr[step], hint)


@exercise(
    "wsd_schedule",
    kind="class",
    answer_name="WSDSchedule",
    timeout=30.0,
    off=["lrlab.keras_schedules.WarmupStableDecay", "lrlab.schedules.warmup_stable_decay"],
)
def _verify_wsd_schedule(call):
    built = [call(*case) for case in _WSD_CASES]
    problem = _is_a_schedule(built[0])
    for schedule, case in zip(built, _WSD_CASES):
        problem = problem or _wsd_values_at_the_telling_steps(schedule, case)
    if problem:
        return problem
    case = _WSD_CASES[0]
    _, w, s, d = case
    expected_lr = functools.partial(_wsd_lr, case)
    return _first_problem(
        [
            functools.partial(
                _works_in_graph_mode,
                expected_lr=expected_lr,
                steps=(w - 1, w + s + 1, w + s + d + 5),
                hint=_WSD_GRAPH_HINT,
            ),
            functools.partial(
                _config_round_trips,
                arguments=dict(zip(_WSD_ARGUMENTS, case)),
                expected_lr=expected_lr,
                step=w + s + 2,
            ),
            _is_registered,
            functools.partial(
                _survives_save_and_load,
                steps_done=w + s + 3,
                expected_lr=expected_lr,  # mid-cooldown
                steps=(0, w, w + s, w + s + 3, w + s + d, 2 * (w + s + d)),
            ),
        ],
        built[0],
    )
