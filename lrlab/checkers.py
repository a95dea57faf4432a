"""The course's exercise checkers, registered with `lrlab.exercises` when this module is imported.

One checker per exercise id, in lesson order. Each is a `verify(call)` (see `lrlab.exercises`):
it runs the student's code through `call`, compares with expected values taken from the pure
`lrlab` modules (schedules, landscapes, diagnosis), and returns None or the first failure's
verdict. Long checks are split into stages, small functions each named for what it checks and
returning None or a verdict; a checker runs them in order and stops at the first problem.
"""

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
exercise("sgd_step")(numeric_cases("sgd_step", [
    ((1.0, 0.5, 0.1), 0.95, "step *against* the gradient: w - lr * grad."),
    ((2.0, -3.0, 0.01), 2.03, "a negative gradient means the weight should grow."),
    ((0.0, 4.0, 0.5), -2.0, "the change is lr times the gradient, not the gradient alone."),
    ((_w, _g, 0.3), _w - 0.3 * _g, "it should work elementwise on NumPy arrays too."),
]))

# ---- lesson 03: the stability limit -------------------------------------------------------------

exercise("largest_stable_lr")(numeric_cases("largest_stable_lr", [
    ((c,), landscapes.stability_limit(c), hint)
    for c, hint in [
        (1.0, "on f(x) = c/2 x², one step multiplies x by (1 - lr*c); when does |1 - lr*c| reach 1?"),
        (4.0, "the limit shrinks as the curvature grows: it is inversely proportional to c."),
        (0.25, "check the factor: the iterate flips sign without shrinking at lr*c = 2."),
        (50.0, "the limit is 2 / c."),
    ]
]))

# ---- lesson 05: the classic schedules as formulas ---------------------------------------------

_LR0 = 0.1
exercise("time_based_decay")(numeric_cases("time_based_decay", [
    ((t, _LR0, k), schedules.time_based_decay(t, _LR0, k), hint)
    for t, k, hint in [
        (0, 0.5, "at step 0 the LR is the initial LR."),
        (1, 0.5, "lr0 / (1 + k*t): t is the optimizer step."),
        (10, 0.01, "divide by (1 + k*t), do not multiply."),
        (1000, 0.02, "the decay is hyperbolic (1 / t), not exponential."),
        (7, 0.0, "with decay_rate 0 the LR never changes."),
    ]
]))

exercise("step_decay")(numeric_cases("step_decay", [
    ((e, _LR0, f, s), schedules.step_decay(e, _LR0, f, s), hint)
    for e, f, s, hint in [
        (0, 0.5, 10, "epoch 0 uses the initial LR."),
        (9, 0.5, 10, "the first drop happens when epoch reaches step_size, not before: use floor."),
        (10, 0.5, 10, "at epoch == step_size the LR has dropped once."),
        (11, 0.5, 10, "between drops the LR stays put: floor(epoch / step_size)."),
        (14, 0.25, 10, "round() is not floor(): 14/10 rounds to 1 but 15/10 rounds to 2."),
        (15, 0.25, 10, "floor(15 / 10) = 1, not round(1.5) = 2."),
        (26, 0.7, 3, "lr0 * factor ** floor(epoch / step_size)."),
    ]
]))

exercise("exponential_decay")(numeric_cases("exponential_decay", [
    ((t, _LR0, k), schedules.exponential_decay(t, _LR0, k), hint)
    for t, k, hint in [
        (0, 0.1, "at step 0 the LR is the initial LR."),
        (1, 0.1, "lr0 * exp(-k*t): the base is e (np.exp), not 10."),
        (10, 0.1, "the exponent is negative: the LR shrinks."),
        (50, 0.02, "use exp(-k * t), not k ** t."),
        (3, 0.0, "with decay_rate 0 the LR never changes."),
    ]
]))


# ---- lesson 04: log-uniform samples for a random search ------------------------------------------

_LOG_UNIFORM = (1e-5, 1.0, 2000)  # low, high, n


def _ks_uniform(u):
    """Kolmogorov-Smirnov statistic of samples u against Uniform(0, 1)."""
    u = np.sort(u)
    n = len(u)
    return max(np.max(np.arange(1, n + 1) / n - u), np.max(u - np.arange(n) / n))


def _log_uniform_where():
    low, high, n = _LOG_UNIFORM
    return f"log_uniform({low:g}, {high:g}, {n}, rng)"


def _log_uniform_shape_and_range(samples):
    low, high, n = _LOG_UNIFORM
    try:
        samples = np.asarray(samples, dtype=float)
    except (TypeError, ValueError):
        return f"{_log_uniform_where()} returned {type(samples).__name__}; expected an array of {n} numbers."
    if samples.shape != (n,):
        return f"{_log_uniform_where()} returned shape {samples.shape}, expected ({n},). Hint: draw n samples at once."
    if not np.all(np.isfinite(samples)) or samples.min() < low or samples.max() > high:
        return (f"{_log_uniform_where()} returned values outside [{low:g}, {high:g}]. "
                "Hint: sample the *exponent*, then undo the log.")
    return None


def _log_uniform_even_over_decades(samples):
    low, high, n = _LOG_UNIFORM
    samples = np.asarray(samples, dtype=float)
    position = (np.log(samples) - np.log(low)) / (np.log(high) - np.log(low))
    # 1.95 / sqrt(n) is the KS critical value at 0.1%: a correct answer fails 1 time in 1000 seeds.
    if _ks_uniform(position) > 1.95 / math.sqrt(n):
        share = np.mean(samples < 1e-3)
        return (
            f"{_log_uniform_where()}: the samples are not spread evenly over the decades "
            f"({share:.0%} fell below 1e-3; log-uniform puts 40% there). "
            "Hint: draw u uniformly between log(low) and log(high), then return exp(u)."
        )
    return None


@exercise("log_uniform")
def _verify_log_uniform(call):
    low, high, n = _LOG_UNIFORM
    samples = call(low, high, n, np.random.default_rng(0))
    problem = _first_problem([_log_uniform_shape_and_range, _log_uniform_even_over_decades], samples)
    if problem:
        return problem
    # Depends only on `rng`: the same seed gives the same samples, another seed others.
    samples = np.asarray(samples, dtype=float)
    again = np.asarray(call(low, high, n, np.random.default_rng(0)), dtype=float)
    other = np.asarray(call(low, high, n, np.random.default_rng(1)), dtype=float)
    if not np.array_equal(samples, again) or np.array_equal(samples, other):
        return (
            f"{_log_uniform_where()} should depend only on `rng`: the same seed must give the same samples, and a "
            "different seed different ones. Hint: call rng.uniform(...), not np.random.*"
        )
    return None


# ---- lesson 02: Keras 2 optimizer arguments to Keras 3 ---------------------------------------

_KERAS2_CASES = [
    ({"lr": 0.01}, {"learning_rate": 0.01},
     "Keras 3 spells it `learning_rate`; `lr=` raises a ValueError."),
    ({"learning_rate": 0.1, "momentum": 0.9}, {"learning_rate": 0.1, "momentum": 0.9},
     "these are already Keras 3 arguments: return them unchanged."),
    ({"lr": 1, "momentum": 0.9, "nesterov": True}, {"learning_rate": 1.0, "momentum": 0.9, "nesterov": True},
     "Keras 3 rejects an int learning rate: convert it with float(), and keep the other arguments."),
    ({"lr": 0.1, "decay": 0.0}, {"learning_rate": 0.1},
     "`decay=0` means no decay: drop the argument and keep a plain float learning rate."),
    ({"lr": 0.1, "decay": 0.01, "momentum": 0.9}, {"learning_rate": (0.1, 0.01), "momentum": 0.9},
     "Keras 3 ignores `decay=`: remove it and pass "
     "keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=decay) as the learning rate."),
    ({"learning_rate": 0.5, "decay": 0.001}, {"learning_rate": (0.5, 0.001)},
     "Keras 2 decayed every step (batch): lr / (1 + decay * step), so decay_steps=1."),
]


def _keras2_time_based_decay(where, value, lr0, decay, hint):
    """The returned learning rate must be a schedule lr0 / (1 + decay * step), per step."""
    if isinstance(value, numbers.Number) or not callable(value):
        return (f"{where} returned learning_rate={short(value)}, a fixed value: the decay is lost. "
                f"Hint: {hint}")
    for step in (0, 1, 10, 1000):
        expected_lr = schedules.time_based_decay(step, lr0, decay)
        try:
            lr = float(value(step))
        except Exception as error:
            return f"{where}: calling its learning_rate at step {step} raised {type(error).__name__}: {error}. Hint: {hint}"
        if not math.isclose(lr, expected_lr, rel_tol=1e-5):
            return (f"{where}: its learning-rate schedule gives {lr:.6g} at step {step}, expected "
                    f"{expected_lr:.6g} = {lr0:g} / (1 + {decay:g} * {step}). Hint: {hint}")
    return None


def _keras2_problem(where, got, expected, hint):
    """The returned dict must hold exactly the expected Keras 3 arguments."""
    if not isinstance(got, dict):
        return f"{where} returned {type(got).__name__} {short(got)}; expected a dict of keyword arguments."
    if set(got) != set(expected):
        return f"{where} returned the arguments {sorted(got)}, expected {sorted(expected)}. Hint: {hint}"
    for key, want in expected.items():
        value = got[key]
        if key == "learning_rate" and not isinstance(want, float):
            problem = _keras2_time_based_decay(where, value, *want, hint)
            if problem:
                return problem
            continue
        if key == "learning_rate" and (isinstance(value, bool) or not isinstance(value, float)):
            return (f"{where} returned learning_rate={short(value)} ({type(value).__name__}); "
                    f"expected the float {want!r}. Hint: {hint}")
        if value != want:
            return f"{where} returned {key}={short(value)}, expected {want!r}. Hint: {hint}"
    return None


@exercise("keras2_to_keras3", timeout=10.0)
def _verify_keras2_to_keras3(call):
    for given, expected, hint in _KERAS2_CASES:
        where = describe_call("keras2_to_keras3", (given,))
        original = dict(given)
        got = call(given)
        if given != original:
            return f"{where} changed the dict it was given. Hint: build and return a new dict (e.g. start from dict(kwargs))."
        problem = _keras2_problem(where, got, expected, hint)
        if problem:
            return problem
    return None


# ---- lesson 03: name a loss curve ------------------------------------------------------------

_nan, _inf = float("nan"), float("inf")
_CURVE_CASES = [
    ([2.3, 1.5, 0.9, 0.55, 0.35, 0.25, 0.2],
     "the loss fell steadily and by a lot: that is what a good learning rate looks like."),
    ([2.30, 2.295, 2.29, 2.286, 2.281, 2.277, 2.272],
     "the loss falls smoothly but has hardly moved from where it started: the steps are too small."),
    ([2.3, 1.2, 2.0, 0.9, 1.8, 0.8, 1.6],
     "the loss keeps climbing back up between drops: measure how much of the movement is upward."),
    ([2.3, 8.0, 95.0, 4.1e3, _inf, _nan, _nan],
     "NaN and inf mean divergence. Careful: any comparison with NaN is False, so test np.isfinite first."),
    ([2.3, 1.9, 1.6, _nan, _nan, _nan, _nan],
     "one NaN is enough: once a loss is NaN, training has diverged (use np.isfinite, not `> first`)."),
    ([2.3, 2.5, 2.8, 3.1, 3.5, 3.9, 4.4],
     "a loss that ends above where it started has diverged, even if it never reaches NaN."),
    ([2.36, 3.71, 2.29, 2.32, 2.32, 2.32, 2.31, 2.29],
     "a real curve at a too-large learning rate: it jumped up, came back down and never settled low. "
     "Check for oscillation *before* deciding it is too slow."),
    ([2.36, 35.4, 3.25, 2.35, 2.35, 2.39, 2.35, 2.35],
     "a real curve: the loss blew up fifteen-fold in the first epoch. A huge spike means diverged, "
     "even if the last value is below the first."),
    ([2.36, 1.72, 0.84, 0.40, 0.26, 0.18, 0.15, 0.13, 0.12],
     "a real curve at a good learning rate: a big, steady fall."),
    ([2.357, 2.356, 2.3562, 2.3561, 2.3561, 2.3562, 2.3561],
     "tiny wiggles on a flat curve are noise, not oscillation: ignore rises much smaller than the loss."),
    ([0.9, 0.5, 0.55, 0.3, 0.32, 0.2, 0.21, 0.15],
     "a noisy but mostly falling curve is still good: small bumps are not oscillation."),
]


@exercise("classify_curve")
def _verify_classify_curve(call):
    for curve, hint in _CURVE_CASES:
        losses = np.array(curve)
        expected = diagnosis.classify_loss_curve(losses)
        where = f"classify_curve({short(losses)})"
        got = call(losses.copy())
        if not isinstance(got, str) or got not in diagnosis.DIAGNOSES:
            return (f"{where} returned {short(got)}; expected one of "
                    f"{', '.join(map(repr, diagnosis.DIAGNOSES))}.")
        if got != expected:
            return f"{where} returned {got!r}, expected {expected!r}. Hint: {hint}"
    return None


# ---- lesson 06: a warm-up schedule CLASS that trains, saves and loads ---------------------------

_WARMUP = (0.01, 0.1, 8)  # initial_learning_rate, warmup_target, warmup_steps


def _warmup_lr(step):
    return schedules.linear_warmup(step, *_WARMUP)


def _save_and_load(schedule, steps_done):
    """Save a tiny model whose optimizer uses `schedule`, load it back; return the optimizer."""
    import os
    import tempfile

    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule), loss="mse")
    model.optimizer.build(model.trainable_variables)
    model.optimizer.iterations.assign(steps_done)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        return keras.models.load_model(path).optimizer


def _warmup_is_a_schedule(schedule):
    import keras

    if not isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
        return ("WarmupSchedule(...) should be a keras.optimizers.schedules.LearningRateSchedule: "
                "write `class WarmupSchedule(keras.optimizers.schedules.LearningRateSchedule):`.")
    return None


def _warmup_values_at_the_telling_steps(schedule):
    start, target, n = _WARMUP
    hints = {
        0: "at step 0 the LR is initial_learning_rate.",
        1: "the LR climbs by (warmup_target - initial_learning_rate) / warmup_steps per step.",
        n - 1: "at step warmup_steps - 1 the warm-up is not over: the target is reached exactly at step warmup_steps.",
        n: "at step warmup_steps the LR reaches warmup_target (not one step earlier or later).",
        n + 1: "after warm-up the LR stays at warmup_target: use ops.minimum(step, warmup_steps).",
        5 * n: "long after warm-up the LR stays at warmup_target.",
    }
    for step, hint in hints.items():
        where = f"WarmupSchedule({start:g}, {target:g}, {n})({step})"
        got = as_number(guarded(where, schedule, step), where)
        expected = _warmup_lr(step)
        if not math.isclose(got, expected, rel_tol=1e-5, abs_tol=1e-9):
            return mismatch(where, expected, got, hint)
    return None


def _warmup_works_in_graph_mode(schedule):
    import tensorflow as tf

    n = _WARMUP[2]
    # Inside fit the schedule is traced once with a symbolic int64 step (graph mode).
    traced = tf.function(lambda step: schedule(step))
    where = "calling your schedule inside a compiled train step (graph mode)"
    graph_hint = ("Inside fit `step` is a symbolic int64 tensor: cast it with ops.cast(step, \"float32\") "
                  "and use ops.minimum / ops.where, not math, np or a Python `if`.")
    value = guarded(where, lambda: float(traced(tf.constant(n - 1, tf.int64))), hint=graph_hint)
    if not math.isclose(value, _warmup_lr(n - 1), rel_tol=1e-5):
        return f"{where} gave {value:.6g} at step {n - 1}, expected {_warmup_lr(n - 1):.6g}. {graph_hint}"
    return None


def _warmup_config_round_trips(schedule):
    import keras

    # Saving needs get_config, returning every constructor argument.
    cls = type(schedule)
    if cls.get_config is keras.optimizers.schedules.LearningRateSchedule.get_config:
        return ("your class has no get_config(), so a model using it cannot be saved (model.save raises "
                "NotImplementedError). Add get_config returning a dict of the three constructor arguments.")
    try:
        config = run_with_timeout(schedule.get_config, (), 10)
    except NotImplementedError:
        return "get_config() still raises NotImplementedError: return a dict of the three constructor arguments."
    except Exception as error:
        return f"get_config() raised {error_text(error, first_line_only=True)}."
    expected_config = dict(zip(["initial_learning_rate", "warmup_target", "warmup_steps"], _WARMUP))
    if not isinstance(config, dict) or any(
        not isinstance(config.get(key), numbers.Real) or not math.isclose(float(config[key]), value)
        for key, value in expected_config.items()
    ):
        return (f"get_config() returned {short(config)}; expected the constructor arguments "
                f"{expected_config}. Hint: Keras rebuilds the schedule as WarmupSchedule(**config).")
    rebuilt = guarded("WarmupSchedule.from_config(get_config())", cls.from_config, config)
    if not math.isclose(as_number(guarded("the rebuilt schedule", rebuilt, 3), "the rebuilt schedule(3)"),
                        _warmup_lr(3), rel_tol=1e-5):
        return "a schedule rebuilt with from_config(get_config()) gives different learning rates."
    return None


def _warmup_is_registered(schedule):
    import keras

    cls = type(schedule)
    if keras.saving.get_registered_name(cls) == cls.__name__:
        return ("WarmupSchedule is not registered, so load_model cannot find it. Keep the decorator "
                "@keras.saving.register_keras_serializable(package=...) on the class.")
    return None


def _warmup_survives_save_and_load(schedule):
    n = _WARMUP[2]
    optimizer = guarded("saving and loading a model that uses your schedule", _save_and_load, schedule, 5,
                        hint="Check that get_config returns plain numbers.")
    loaded = optimizer._learning_rate
    if not isinstance(loaded, type(schedule)):
        return f"after model.save / load_model the optimizer's schedule is a {type(loaded).__name__}, not your WarmupSchedule."
    if int(optimizer.iterations) != 5:
        return f"after load_model the step counter is {int(optimizer.iterations)}, expected 5."
    for step in (0, n - 1, n, 2 * n):
        got = as_number(guarded("the loaded schedule", loaded, step), f"loaded schedule({step})")
        if not math.isclose(got, _warmup_lr(step), rel_tol=1e-5, abs_tol=1e-9):
            return f"the loaded schedule gives {got:.6g} at step {step}, expected {_warmup_lr(step):.6g}."
    return None


@exercise("warmup_schedule", kind="class", answer_name="WarmupSchedule", timeout=30.0)
def _verify_warmup_schedule(call):
    schedule = call(*_WARMUP)
    return _first_problem([
        _warmup_is_a_schedule,
        _warmup_values_at_the_telling_steps,
        _warmup_works_in_graph_mode,
        _warmup_config_round_trips,
        _warmup_is_registered,
        _warmup_survives_save_and_load,
    ], schedule)


# ---- lesson 07 capstone: plan the learning rate for a model you have not seen ---------------

def _plan_lrs(optimizer, total_steps):
    """The plan's learning rate at every step of the budget (a float LR gives a flat line)."""
    from lrlab.callbacks import current_learning_rate, holds_schedule

    if not holds_schedule(optimizer):
        return np.full(total_steps, current_learning_rate(optimizer))
    return np.array([current_learning_rate(optimizer, step) for step in range(total_steps)])


def _plan_is_a_fresh_optimizer(optimizer, where):
    import keras

    if isinstance(optimizer, type) and issubclass(optimizer, keras.optimizers.Optimizer):
        return f"{where} returned the class {optimizer.__name__}; create one: keras.optimizers.{optimizer.__name__}(learning_rate=...)."
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        return (f"{where} returned {type(optimizer).__name__} {short(optimizer)}; expected a Keras optimizer, "
                "e.g. keras.optimizers.Adam(learning_rate=...).")
    if optimizer.built:
        return f"{where} returned an optimizer that already trained another model; return a fresh one on every call."
    return None


def _plan_lrs_are_usable(lrs):
    bad = np.flatnonzero(~np.isfinite(lrs) | (lrs < 0))
    if bad.size:
        return (f"your plan's learning rate at step {bad[0]} is {lrs[bad[0]]:.3g}; every step needs a finite "
                "learning rate >= 0 (0 only where a warm-up starts).")
    if lrs.max() <= 0:
        return "your plan's learning rate is 0 at every step, so the model never changes."
    return None


def _plan_reaches_the_target(accuracies, losses, summary):
    """The verdict on a finished training run: None when the last epoch reaches the target."""
    epochs, target = models.CAPSTONE["epochs"], models.CAPSTONE["target_accuracy"]
    if not np.all(np.isfinite(losses)):
        epoch = int(np.flatnonzero(~np.isfinite(losses))[0]) + 1
        return (f"training diverged: the loss became {losses[epoch - 1]} in epoch {epoch} {summary}. "
                "Hint: the learning rate is far too large; a range test shows where the loss blows up.")
    best = max(accuracies)
    if accuracies[-1] >= target:
        return None
    chance_loss = math.log(3)  # cross-entropy of a model that guesses uniformly among 3 classes
    if losses[-1] > losses[0] or losses[-1] > 1.5 * chance_loss:
        hint = ("the training loss went up, or ended worse than guessing: the learning rate is too large "
                "(or its peak is).")
    elif losses[-1] > 0.85 * losses[0]:
        hint = "the training loss barely moved: the learning rate is too small for this budget."
    else:
        hint = ("the model learns but not fast enough: try a larger peak learning rate with a warm-up, "
                "and a decay that ends near zero at the last step.")
    return (f"after {epochs} epochs the validation accuracy is {accuracies[-1]:.3f} (best {best:.3f}); the goal is "
            f"{target:.2f} {summary}. Hint: {hint}")


@exercise("plan_learning_rate", timeout=30.0)
def _verify_plan_learning_rate(call):
    spe, epochs = models.CAPSTONE["steps_per_epoch"], models.CAPSTONE["epochs"]
    optimizer = call(spe, epochs)
    problem = _plan_is_a_fresh_optimizer(optimizer, f"plan_learning_rate({spe}, {epochs})")
    if problem:
        return problem
    try:
        lrs = _plan_lrs(optimizer, spe * epochs)
    except Exception as error:
        return f"reading your plan's learning rate raised {type(error).__name__}: {error}."
    problem = _plan_lrs_are_usable(lrs)
    if problem:
        return problem
    summary = f"(your LR: {lrs[0]:.3g} at the start, {lrs.max():.3g} at its peak, {lrs[-1]:.3g} at the end)"
    # Not `guarded`: any error in training (NotImplementedError included) is the plan's failure.
    try:
        accuracies, losses = run_with_timeout(
            models.train_capstone, (optimizer,), EXERCISES["plan_learning_rate"].timeout)
    except TimedOut:
        return "training with your plan did not finish in time. Is your schedule doing heavy work on every step?"
    except Exception as error:
        return (f"training with your plan raised {type(error).__name__}: {str(error)[:300]}. A custom schedule runs "
                "in graph mode: use keras.ops on the step, not math or NumPy.")
    return _plan_reaches_the_target(accuracies, losses, summary)


# ---- lesson 04: read a learning rate off a range-test curve ----------------------------------

def range_test_curve(lrs, start, end, centre, width, blowup, noise=0.0, seed=0, nan_tail=False):
    """A synthetic LR range-test curve: flat, a sigmoid fall of width `width` decades around
    10**centre, then a blow-up near 10**blowup; noisy if asked; cut where the finder would stop
    (the first loss above 4x the start), with inf then NaN after that point if `nan_tail`."""
    u = np.log10(lrs)
    losses = start - (start - end) / (1 + np.exp(-(u - centre) / width)) + end * np.exp((u - blowup) / 0.15)
    if noise:
        losses = losses * (1 + noise * np.random.default_rng(seed).standard_normal(len(lrs)))
    stop = int(np.flatnonzero(losses > 4 * start)[0])
    if nan_tail:
        losses[stop] = np.inf
        losses[stop + 1:] = np.nan
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
    ("a clean curve (Adam-like)",
     range_test_curve(np.geomspace(1e-6, 10, 100), 2.3, 0.3, -3.0, 0.3, -1.2), ""),
    ("a noisy curve (SGD-like)",
     range_test_curve(np.geomspace(1e-5, 10, 100), 2.3, 0.2, -1.3, 0.25, 0.2, noise=0.01, seed=1),
     "small wiggles are noise: look at the trend."),
    ("a curve that ends in inf and NaN",
     range_test_curve(np.geomspace(1e-5, 1, 80), 1.0, 0.1, -2.5, 0.35, -0.9, nan_tail=True),
     "np.argmin and np.gradient do not skip NaN: keep only np.isfinite(losses) first."),
    ("a short, coarse curve (binary loss)",
     range_test_curve(np.geomspace(1e-4, 10, 40), 0.69, 0.25, -1.8, 0.3, -0.2, noise=0.01, seed=2), ""),
    ("a curve whose good region is at tiny learning rates",
     range_test_curve(np.geomspace(1e-7, 1, 120), 4.6, 1.0, -4.0, 0.4, -2.2, noise=0.005, seed=3, nan_tail=True),
     "the good region is not always near 1e-3: read it off the curve."),
]


def _pick_lr_why(got, lrs, low, bottom):
    """Which side of the good window the pick fell on, as a hint."""
    if not lrs[0] <= got <= lrs[-1]:
        return "that is not even on the curve: return one of the learning rates the test tried."
    if got < low:
        return ("at that learning rate the loss has hardly started to fall, so training would crawl. "
                "Pick where the loss falls steeply.")
    if got >= bottom:
        return (f"that is at or past the lowest loss (lr = {bottom:.3g}), where the loss is about to blow "
                "up. Pick where it is still falling, well before the bottom.")
    return (f"that is too close to the bottom of the curve (lr = {bottom:.3g}): training there is on "
            "the edge of diverging. Back off, e.g. to the steepest descent or the bottom's LR / 10.")


@exercise("pick_lr")
def _verify_pick_lr(call):
    for name, (lrs, losses), hint in _PICK_LR_CASES:
        where = f"pick_lr(lrs, losses) on {name} (lrs {lrs[0]:.0e} to {lrs[-1]:.0e})"
        got = as_number(call(lrs.copy(), losses.copy()), where)
        low, high, bottom = good_lr_window(lrs, losses)
        if low <= got <= high:
            continue
        problem = f"{where} returned {got:.3g}; a good pick here lies between {low:.3g} and {high:.3g}."
        return f"{problem} Hint: {_pick_lr_why(got, lrs, low, bottom)} {hint}".rstrip()
    return None
