"""Exercise checkers: a student's function in, a short friendly verdict out.

In a notebook, the cell after an exercise calls `check("sgd_step", sgd_step)`; the returned
`CheckResult` displays as a one-paragraph verdict. The checker never shows a traceback and
never hangs the kernel: the student's exceptions, wrong return types, NaNs and runaway loops
are all reported as verdicts. Expected values come from the pure `lrlab` modules.

Each exercise is a `verify(call)` function registered under its id. `call(*args)` runs the
student's function safely and returns its result (or raises `_Failure`, which becomes the
verdict); `verify` returns None when every case passes, or a message for the first failure.
"""

import ctypes
import dataclasses
import math
import numbers
import signal
import threading

import numpy as np

from lrlab import landscapes, schedules

__all__ = ["check", "CheckResult", "EXERCISES"]

PASSED, FAILED, NOT_ATTEMPTED = "passed", "failed", "not attempted"


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """The verdict on one exercise: `passed` is True only when every case passed."""

    exercise_id: str
    status: str
    message: str

    @property
    def passed(self):
        return self.status == PASSED

    def __repr__(self):
        mark = {PASSED: "✅ PASSED", FAILED: "❌ NOT YET", NOT_ATTEMPTED: "✏️ NOT ATTEMPTED"}
        return f"{mark[self.status]} {self.exercise_id}: {self.message}"

    __str__ = __repr__


@dataclasses.dataclass(frozen=True)
class Exercise:
    id: str
    verify: object  # verify(call) -> None or a failure message
    kind: str = "function"  # what the student hands in: "function" or "class"
    timeout: float = 3.0  # seconds per call of the student's code
    answer_name: str = ""  # the name the notebook cell defines; the id when empty

    @property
    def name(self):
        return self.answer_name or self.id


EXERCISES = {}


def exercise(exercise_id, kind="function", timeout=3.0, answer_name=""):
    """Register `verify(call)` as the checker for `exercise_id`."""

    def register(verify):
        EXERCISES[exercise_id] = Exercise(exercise_id, verify, kind, timeout, answer_name)
        return verify

    return register


class _Failure(Exception):
    """A verdict about the student's code (not a bug in the checker)."""


class _NotAttempted(Exception):
    pass


class _TimedOut(BaseException):
    # BaseException, so a student's bare `except Exception` cannot swallow it.
    pass


def _describe_call(name, args):
    shown = ", ".join(_short(a) for a in args)
    return f"{name}({shown})"


def _short(value):
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=6, threshold=6)
    elif isinstance(value, float):
        text = f"{value:.6g}"
        text = text if any(ch in text for ch in ".ein") else text + ".0"
    elif isinstance(value, np.random.Generator):
        text = "rng"
    else:
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _run_with_timeout(fn, args, seconds):
    """Call fn(*args), giving up after `seconds` without hanging the caller."""
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        # Unix main thread (a Jupyter kernel): interrupt the student's loop where it runs.
        def on_alarm(signum, frame):
            raise _TimedOut()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return fn(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    # Elsewhere (Windows, threads): run it in a daemon thread and stop waiting for it.
    box = {}

    def target():
        try:
            box["value"] = fn(*args)
        except BaseException as error:  # handed back to the caller below
            box["error"] = error

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        # Stop the runaway Python loop too, or it would hog the GIL for the rest of the session.
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident), ctypes.py_object(_TimedOut))
        worker.join(1.0)
        raise _TimedOut()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _caller(answer, name, timeout):
    def call(*args):
        where = _describe_call(name, args)
        try:
            return _run_with_timeout(answer, args, timeout)
        except _TimedOut:
            raise _Failure(
                f"{where} did not finish within {timeout:g} s. Look for a loop that never ends."
            ) from None
        except NotImplementedError:
            raise _NotAttempted() from None
        except Exception as error:
            raise _Failure(
                f"{where} raised {type(error).__name__}: {error}. Run it yourself in a cell to see where."
            ) from None

    return call


def check(exercise_id, answer):
    """Check a student's answer to exercise `exercise_id`; returns a `CheckResult`.

    Args:
        exercise_id: A string, one of `EXERCISES` (e.g. "sgd_step").
        answer: The student's function (or class, for class exercises).

    Raises:
        ValueError: if `exercise_id` is unknown (the message lists the known ids).
    """
    if exercise_id not in EXERCISES:
        raise ValueError(
            f"Argument `exercise_id` must be one of {sorted(EXERCISES)}. "
            f"Received: exercise_id={exercise_id!r}"
        )
    spec = EXERCISES[exercise_id]
    if not callable(answer):
        return CheckResult(
            exercise_id,
            FAILED,
            f"expected your {spec.kind} `{spec.name}`, got {type(answer).__name__} {_short(answer)}.",
        )
    try:
        problem = spec.verify(_caller(answer, exercise_id, spec.timeout))
    except _NotAttempted:
        return CheckResult(
            exercise_id, NOT_ATTEMPTED, "replace `raise NotImplementedError` with your code, then run this cell again."
        )
    except _Failure as failure:
        return CheckResult(exercise_id, FAILED, str(failure))
    if problem:
        return CheckResult(exercise_id, FAILED, problem)
    return CheckResult(exercise_id, PASSED, "all cases match. Well done!")


# ---- comparing results -------------------------------------------------------------------

def _as_number(got, where):
    """A scalar answer as a float, or a _Failure saying what came back instead."""
    if isinstance(got, np.ndarray) and got.size == 1:
        got = got.reshape(()).item()
    if hasattr(got, "numpy") and not isinstance(got, np.ndarray):  # a TensorFlow/Keras tensor
        got = np.asarray(got.numpy()).reshape(()).item() if np.size(got.numpy()) == 1 else got
    if isinstance(got, bool) or not isinstance(got, numbers.Real):
        raise _Failure(f"{where} returned {type(got).__name__} {_short(got)}; expected a number.")
    if math.isnan(got):
        raise _Failure(f"{where} returned nan; expected a number.")
    return float(got)


def _mismatch(where, expected, got, hint):
    return f"{where} returned {_short(got)}, expected {_short(expected)}. Hint: {hint}"


def numeric_cases(name, cases, rel=1e-6, abs_=1e-12):
    """Build a verify(call) from (args, expected, hint) cases; arrays compared elementwise."""

    def verify(call):
        for args, expected, hint in cases:
            where = _describe_call(name, args)
            got = call(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
            if np.ndim(expected) == 0:
                value = _as_number(got, where)
                if not math.isclose(value, expected, rel_tol=rel, abs_tol=abs_):
                    return _mismatch(where, expected, value, hint)
            else:
                try:
                    array = np.asarray(got, dtype=float)
                except (TypeError, ValueError):
                    return f"{where} returned {type(got).__name__} {_short(got)}; expected an array."
                if array.shape != np.shape(expected):
                    return f"{where} returned shape {array.shape}, expected {np.shape(expected)}. Hint: {hint}"
                if not np.allclose(array, expected, rtol=rel, atol=abs_):
                    return _mismatch(where, np.asarray(expected), array, hint)
        return None

    return verify


# ---- the course's exercises ----------------------------------------------------------------

_w = np.array([0.5, -1.0, 2.0])
_g = np.array([0.2, -0.4, 1.0])
exercise("sgd_step")(numeric_cases("sgd_step", [
    ((1.0, 0.5, 0.1), 0.95, "step *against* the gradient: w - lr * grad."),
    ((2.0, -3.0, 0.01), 2.03, "a negative gradient means the weight should grow."),
    ((0.0, 4.0, 0.5), -2.0, "the change is lr times the gradient, not the gradient alone."),
    ((_w, _g, 0.3), _w - 0.3 * _g, "it should work elementwise on NumPy arrays too."),
]))

exercise("largest_stable_lr")(numeric_cases("largest_stable_lr", [
    ((c,), landscapes.stability_limit(c), hint)
    for c, hint in [
        (1.0, "on f(x) = c/2 x², one step multiplies x by (1 - lr*c); when does |1 - lr*c| reach 1?"),
        (4.0, "the limit shrinks as the curvature grows: it is inversely proportional to c."),
        (0.25, "check the factor: the iterate flips sign without shrinking at lr*c = 2."),
        (50.0, "the limit is 2 / c."),
    ]
]))

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


def _ks_uniform(u):
    """Kolmogorov-Smirnov statistic of samples u against Uniform(0, 1)."""
    u = np.sort(u)
    n = len(u)
    return max(np.max(np.arange(1, n + 1) / n - u), np.max(u - np.arange(n) / n))


@exercise("log_uniform")
def _verify_log_uniform(call):
    low, high, n = 1e-5, 1.0, 2000
    where = f"log_uniform({low:g}, {high:g}, {n}, rng)"
    samples = call(low, high, n, np.random.default_rng(0))
    try:
        samples = np.asarray(samples, dtype=float)
    except (TypeError, ValueError):
        return f"{where} returned {type(samples).__name__}; expected an array of {n} numbers."
    if samples.shape != (n,):
        return f"{where} returned shape {samples.shape}, expected ({n},). Hint: draw n samples at once."
    if not np.all(np.isfinite(samples)) or samples.min() < low or samples.max() > high:
        return f"{where} returned values outside [{low:g}, {high:g}]. Hint: sample the *exponent*, then undo the log."
    position = (np.log(samples) - np.log(low)) / (np.log(high) - np.log(low))
    # 1.95 / sqrt(n) is the KS critical value at 0.1%: a correct answer fails 1 time in 1000 seeds.
    if _ks_uniform(position) > 1.95 / math.sqrt(n):
        share = np.mean(samples < 1e-3)
        return (
            f"{where}: the samples are not spread evenly over the decades "
            f"({share:.0%} fell below 1e-3; log-uniform puts 40% there). "
            "Hint: draw u uniformly between log(low) and log(high), then return exp(u)."
        )
    again = np.asarray(call(low, high, n, np.random.default_rng(0)), dtype=float)
    other = np.asarray(call(low, high, n, np.random.default_rng(1)), dtype=float)
    if not np.array_equal(samples, again) or np.array_equal(samples, other):
        return (
            f"{where} should depend only on `rng`: the same seed must give the same samples, and a "
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


def _keras2_problem(where, given, got, expected, hint):
    if not isinstance(got, dict):
        return f"{where} returned {type(got).__name__} {_short(got)}; expected a dict of keyword arguments."
    if set(got) != set(expected):
        return f"{where} returned the arguments {sorted(got)}, expected {sorted(expected)}. Hint: {hint}"
    for key, want in expected.items():
        value = got[key]
        if key != "learning_rate" or isinstance(want, float):
            if key == "learning_rate" and (isinstance(value, bool) or not isinstance(value, float)):
                return f"{where} returned learning_rate={_short(value)} ({type(value).__name__}); expected the float {want!r}. Hint: {hint}"
            if value != want:
                return f"{where} returned {key}={_short(value)}, expected {want!r}. Hint: {hint}"
            continue
        lr0, decay = want
        if isinstance(value, numbers.Number) or not callable(value):
            return (f"{where} returned learning_rate={_short(value)}, a fixed value: the decay is lost. "
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


@exercise("keras2_to_keras3", timeout=10.0)
def _verify_keras2_to_keras3(call):
    for given, expected, hint in _KERAS2_CASES:
        where = _describe_call("keras2_to_keras3", (given,))
        original = dict(given)
        got = call(given)
        if given != original:
            return f"{where} changed the dict it was given. Hint: build and return a new dict (e.g. start from dict(kwargs))."
        problem = _keras2_problem(where, given, got, expected, hint)
        if problem:
            return problem
    return None


# ---- lesson 03: name a loss curve ------------------------------------------------------------

from lrlab import diagnosis  # noqa: E402  (pure NumPy, like landscapes and schedules)

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
        where = f"classify_curve({_short(losses)})"
        got = call(losses.copy())
        if not isinstance(got, str) or got not in diagnosis.DIAGNOSES:
            return (f"{where} returned {_short(got)}; expected one of "
                    f"{', '.join(map(repr, diagnosis.DIAGNOSES))}.")
        if got != expected:
            return f"{where} returned {got!r}, expected {expected!r}. Hint: {hint}"
    return None


# ---- lesson 06: a warm-up schedule CLASS that trains, saves and loads ---------------------------

def _first_line(error):
    """The exception's type and first message line: TF messages go on for pages."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:160]}" if text else type(error).__name__


def _guarded(what, fn, *args, timeout=30.0, hint=""):
    """Run one step of a class check; any problem becomes a friendly verdict, never a traceback."""
    try:
        return _run_with_timeout(fn, args, timeout)
    except _TimedOut:
        raise _Failure(f"{what} did not finish within {timeout:g} s.") from None
    except NotImplementedError:
        raise _NotAttempted() from None
    except Exception as error:  # the student's bug, reported as a verdict
        raise _Failure(f"{what} raised {_first_line(error)}. {hint}".rstrip()) from None


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


@exercise("warmup_schedule", kind="class", answer_name="WarmupSchedule", timeout=30.0)
def _verify_warmup_schedule(call):
    import keras
    import tensorflow as tf

    from lrlab.warmup import linear_warmup

    base = keras.optimizers.schedules.LearningRateSchedule
    start, target, n = 0.01, 0.1, 8
    schedule = call(start, target, n)
    cls = type(schedule)
    if not isinstance(schedule, base):
        return ("WarmupSchedule(...) should be a keras.optimizers.schedules.LearningRateSchedule: "
                "write `class WarmupSchedule(keras.optimizers.schedules.LearningRateSchedule):`.")
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
        got = _as_number(_guarded(where, schedule, step), where)
        expected = linear_warmup(step, start, target, n)
        if not math.isclose(got, expected, rel_tol=1e-5, abs_tol=1e-9):
            return _mismatch(where, expected, got, hint)
    # Inside fit the schedule is traced once with a symbolic int64 step (graph mode).
    traced = tf.function(lambda step: schedule(step))
    where = "calling your schedule inside a compiled train step (graph mode)"
    graph_hint = ("Inside fit `step` is a symbolic int64 tensor: cast it with ops.cast(step, \"float32\") "
                  "and use ops.minimum / ops.where, not math, np or a Python `if`.")
    value = _guarded(where, lambda: float(traced(tf.constant(n - 1, tf.int64))), hint=graph_hint)
    if not math.isclose(value, linear_warmup(n - 1, start, target, n), rel_tol=1e-5):
        return f"{where} gave {value:.6g} at step {n - 1}, expected {linear_warmup(n - 1, start, target, n):.6g}. {graph_hint}"
    # Saving needs get_config, returning every constructor argument.
    if cls.get_config is base.get_config:
        return ("your class has no get_config(), so a model using it cannot be saved (model.save raises "
                "NotImplementedError). Add get_config returning a dict of the three constructor arguments.")
    try:
        config = _run_with_timeout(schedule.get_config, (), 10)
    except NotImplementedError:
        return "get_config() still raises NotImplementedError: return a dict of the three constructor arguments."
    except Exception as error:
        return f"get_config() raised {_first_line(error)}."
    expected_config = {"initial_learning_rate": start, "warmup_target": target, "warmup_steps": n}
    if not isinstance(config, dict) or any(
        not isinstance(config.get(key), numbers.Real) or not math.isclose(float(config[key]), value)
        for key, value in expected_config.items()
    ):
        return (f"get_config() returned {_short(config)}; expected the constructor arguments "
                f"{expected_config}. Hint: Keras rebuilds the schedule as WarmupSchedule(**config).")
    rebuilt = _guarded("WarmupSchedule.from_config(get_config())", cls.from_config, config)
    if not math.isclose(_as_number(_guarded("the rebuilt schedule", rebuilt, 3), "the rebuilt schedule(3)"),
                        linear_warmup(3, start, target, n), rel_tol=1e-5):
        return "a schedule rebuilt with from_config(get_config()) gives different learning rates."
    if keras.saving.get_registered_name(cls) == cls.__name__:
        return ("WarmupSchedule is not registered, so load_model cannot find it. Keep the decorator "
                "@keras.saving.register_keras_serializable(package=...) on the class.")
    optimizer = _guarded("saving and loading a model that uses your schedule", _save_and_load, schedule, 5,
                         hint="Check that get_config returns plain numbers.")
    loaded = optimizer._learning_rate
    if not isinstance(loaded, cls):
        return f"after model.save / load_model the optimizer's schedule is a {type(loaded).__name__}, not your WarmupSchedule."
    if int(optimizer.iterations) != 5:
        return f"after load_model the step counter is {int(optimizer.iterations)}, expected 5."
    for step in (0, n - 1, n, 2 * n):
        got = _as_number(_guarded("the loaded schedule", loaded, step), f"loaded schedule({step})")
        if not math.isclose(got, linear_warmup(step, start, target, n), rel_tol=1e-5, abs_tol=1e-9):
            return f"the loaded schedule gives {got:.6g} at step {step}, expected {linear_warmup(step, start, target, n):.6g}."
    return None


# ---- lesson 07 capstone: plan the learning rate for a model you have not seen ---------------

# The budget the student plans for; the notebook states it, the checker enforces it.
CAPSTONE = {"steps_per_epoch": 30, "epochs": 5, "batch_size": 25, "target_accuracy": 0.85}


def capstone_data():
    """The capstone's fixed, generated data: 750 training and 250 validation rows, 16 features, 3 classes."""
    from sklearn.datasets import make_classification

    x, y = make_classification(
        n_samples=1000, n_features=16, n_informative=8, n_redundant=2, n_classes=3,
        n_clusters_per_class=2, class_sep=1.0, flip_y=0.02, random_state=7,
    )
    x, y = x.astype(np.float32), y.astype(np.int32)
    return (x[:750], y[:750]), (x[750:], y[750:])


def capstone_model():
    """The model the student never sees: a 16-32-32-3 ReLU MLP, seeded (uncompiled)."""
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential([
        keras.Input((16,)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(3, activation="softmax"),
    ])


def train_capstone(optimizer):
    """Train `capstone_model()` with `optimizer` on the capstone budget; return (val accuracies, losses) per epoch."""
    (x, y), (x_val, y_val) = capstone_data()
    model = capstone_model()
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"],
                  steps_per_execution=CAPSTONE["steps_per_epoch"])
    history = model.fit(
        x, y, batch_size=CAPSTONE["batch_size"], epochs=CAPSTONE["epochs"], verbose=0,
        validation_data=(x_val, y_val), validation_batch_size=len(x_val),
    )
    return history.history["val_accuracy"], history.history["loss"]


def _plan_lrs(optimizer, total_steps):
    """The plan's learning rate at every step of the budget (a float LR gives a flat line)."""
    import keras

    from lrlab.callbacks import current_learning_rate

    if not isinstance(optimizer._learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        return np.full(total_steps, current_learning_rate(optimizer))
    return np.array([current_learning_rate(optimizer, step) for step in range(total_steps)])


@exercise("plan_learning_rate", timeout=30.0)
def _verify_plan_learning_rate(call):
    import keras

    spe, epochs, target = CAPSTONE["steps_per_epoch"], CAPSTONE["epochs"], CAPSTONE["target_accuracy"]
    where = f"plan_learning_rate({spe}, {epochs})"
    optimizer = call(spe, epochs)
    if isinstance(optimizer, type) and issubclass(optimizer, keras.optimizers.Optimizer):
        return f"{where} returned the class {optimizer.__name__}; create one: keras.optimizers.{optimizer.__name__}(learning_rate=...)."
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        return (f"{where} returned {type(optimizer).__name__} {_short(optimizer)}; expected a Keras optimizer, "
                "e.g. keras.optimizers.Adam(learning_rate=...).")
    if optimizer.built:
        return f"{where} returned an optimizer that already trained another model; return a fresh one on every call."
    try:
        lrs = _plan_lrs(optimizer, spe * epochs)
    except Exception as error:
        return f"reading your plan's learning rate raised {type(error).__name__}: {error}."
    bad = np.flatnonzero(~np.isfinite(lrs) | (lrs < 0))
    if bad.size:
        return (f"your plan's learning rate at step {bad[0]} is {lrs[bad[0]]:.3g}; every step needs a finite "
                "learning rate >= 0 (0 only where a warm-up starts).")
    if lrs.max() <= 0:
        return "your plan's learning rate is 0 at every step, so the model never changes."
    summary = f"(your LR: {lrs[0]:.3g} at the start, {lrs.max():.3g} at its peak, {lrs[-1]:.3g} at the end)"
    try:
        accuracies, losses = _run_with_timeout(train_capstone, (optimizer,), EXERCISES["plan_learning_rate"].timeout)
    except _TimedOut:
        return "training with your plan did not finish in time. Is your schedule doing heavy work on every step?"
    except Exception as error:
        return (f"training with your plan raised {type(error).__name__}: {str(error)[:300]}. A custom schedule runs "
                "in graph mode: use keras.ops on the step, not math or NumPy.")
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


@exercise("pick_lr")
def _verify_pick_lr(call):
    for name, (lrs, losses), hint in _PICK_LR_CASES:
        where = f"pick_lr(lrs, losses) on {name} (lrs {lrs[0]:.0e} to {lrs[-1]:.0e})"
        got = _as_number(call(lrs.copy(), losses.copy()), where)
        low, high, bottom = good_lr_window(lrs, losses)
        if low <= got <= high:
            continue
        problem = f"{where} returned {got:.3g}; a good pick here lies between {low:.3g} and {high:.3g}."
        if not lrs[0] <= got <= lrs[-1]:
            why = "that is not even on the curve: return one of the learning rates the test tried."
        elif got < low:
            why = ("at that learning rate the loss has hardly started to fall, so training would crawl. "
                   "Pick where the loss falls steeply.")
        elif got >= bottom:
            why = (f"that is at or past the lowest loss (lr = {bottom:.3g}), where the loss is about to blow "
                   "up. Pick where it is still falling, well before the bottom.")
        else:
            why = (f"that is too close to the bottom of the curve (lr = {bottom:.3g}): training there is on "
                   "the edge of diverging. Back off, e.g. to the steepest descent or the bottom's LR / 10.")
        return f"{problem} Hint: {why} {hint}".rstrip()
    return None
