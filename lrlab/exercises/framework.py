"""The exercise framework: a student's function in, a short friendly verdict out.

The result type, `check`, the registry, the time limit, the one guarded runner, the shortcut
guard and the comparison helpers every lesson's checkers share. It imports no checker: each
`lrlab.exercises.lessonNN` module registers its lesson's checkers with `exercise` when
`lrlab.exercises` (the package) imports it.

Each exercise is a `verify(call)` function registered under its id with `exercise`.
`call(*args)` runs the student's function through `guarded` and returns its result (or raises
`Failure`, which becomes the verdict); `verify` returns None when every case passes, or a
message for the first failure. The checker never shows a traceback and never hangs the kernel:
the student's exceptions, wrong return types, NaNs and runaway loops are all verdicts.
"""

import contextlib
import ctypes
import dataclasses
import functools
import importlib
import inspect
import math
import numbers
import re
import signal
import sys
import threading
import types

import numpy as np

__all__ = [
    "CheckResult",
    "EXERCISES",
    "Exercise",
    "FAILED",
    "Failure",
    "NOT_ATTEMPTED",
    "NotAttempted",
    "PASSED",
    "Probe",
    "ShortcutUsed",
    "TimedOut",
    "as_number",
    "check",
    "describe_call",
    "error_text",
    "exercise",
    "first_problem",
    "guarded",
    "judge",
    "call_answer",
    "mismatch",
    "numeric_cases",
    "refusal",
    "run_with_timeout",
    "short",
]

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
    """One registered exercise: its checker and what the student hands in."""

    id: str
    verify: object  # verify(call) -> None or a failure message
    kind: str = "function"  # what the student hands in: "function" or "class"
    timeout: float = 3.0  # seconds per call of the student's code
    answer_name: str = ""  # the name the notebook cell defines; the id when empty
    # Dotted names of the lrlab objects that answer this exercise: off while it is checked.
    off: tuple = ()
    lesson: str = ""  # the module that registered it, e.g. "lesson01" (instructor/lesson01.py)
    # Class grading: an answer that is (or takes, or returns) an object only the student's process
    # can use is "observed": checked there, plus `probe`'s values, judged in the grader's process.
    observed: bool = False
    probe: object = None  # a Probe, or None

    @property
    def name(self):
        return self.answer_name or self.id


@dataclasses.dataclass(frozen=True)
class Probe:
    """What a class or Keras answer must do on inputs drawn when a class is graded.

    `draw(rng)` picks the inputs (plain data) in the grader's process; `observe(answer, inputs)`
    runs in the student's and returns plain values (e.g. the learning rates at some steps);
    `judge(inputs, values)` runs in the grader's again: None, or what is wrong.
    """

    draw: object
    observe: object
    judge: object


EXERCISES = {}


def exercise(
    exercise_id, kind="function", timeout=3.0, answer_name="", off=(), observed=False, probe=None
):
    """Register `verify(call)` as the checker for `exercise_id`; `off` names the lrlab objects
    (e.g. "lrlab.search.log_uniform") a student's answer may not be, subclass, wrap or call."""

    # The registering module names the lesson: lrlab.exercises.lesson01 -> "lesson01".
    lesson = sys._getframe(1).f_globals.get("__name__", "").rpartition(".")[2]

    def register(verify):
        EXERCISES[exercise_id] = Exercise(
            exercise_id,
            verify,
            kind,
            timeout,
            answer_name,
            tuple(off),
            lesson,
            observed or kind == "class",
            probe,
        )
        return verify

    return register


class Failure(Exception):
    """A verdict about the student's code (not a bug in the checker)."""


class NotAttempted(Exception):
    """The student's code still raises the stub's `NotImplementedError`."""


class ShortcutUsed(BaseException):
    """The student's code called an object that is off while its exercise is checked.

    A BaseException, so a student's `except Exception` cannot swallow it.
    """


class TimedOut(BaseException):
    """The student's code ran past its time limit.

    A BaseException, so a student's bare `except Exception` cannot swallow it.
    """


def first_problem(stages, *args):
    """Run check stages in order; the first verdict (a non-empty string), or None."""
    for stage in stages:
        problem = stage(*args)
        if problem:
            return problem
    return None


def run_with_timeout(fn, args, seconds):
    """Call fn(*args), giving up after `seconds` without hanging the caller.

    Raises:
        TimedOut: if the call has not returned after `seconds`.
    """
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        # Unix main thread (a Jupyter kernel): interrupt the student's loop where it runs.
        def on_alarm(signum, frame):
            raise TimedOut()

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
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(worker.ident), ctypes.py_object(TimedOut)
        )
        worker.join(1.0)
        raise TimedOut()
    if "error" in box:
        raise box["error"]
    return box["value"]


def error_text(error, first_line_only=False):
    """The error as a verdict shows it, `TypeError: message`; TF messages go on for pages, so
    `first_line_only` keeps the first line (160 characters at most)."""
    if not first_line_only:
        return f"{type(error).__name__}: {error}"
    text = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    if text and text[0].startswith("in user code"):
        # TensorFlow's error from traced code: "in user code:", the file and line, the code, then
        # the error that was raised there ("TypeError: ..."), which is what the student needs.
        raised = [line for line in text if re.match(r"^[A-Z]\w*(Error|Exception): ", line)]
        if raised:
            return f"{type(error).__name__} in graph mode: {raised[-1][:160]}"
    return f"{type(error).__name__}: {text[0][:160]}" if text else type(error).__name__


def guarded(where, fn, *args, timeout=30.0, hint="", timeout_hint="", first_line_only=True):
    """Run `fn(*args)` for a checker; whatever goes wrong becomes a verdict, never a traceback.

    Args:
        where: A string naming the call in the verdict, e.g. "step_decay(0, 0.1, 0.5, 10)".
        fn: The student's code (or a step of a check that runs it).
        *args: Passed to `fn`.
        timeout: A Python float, seconds before the call is abandoned.
        hint: Appended to the verdict when `fn` raises.
        timeout_hint: Appended to the verdict when `fn` times out.
        first_line_only: Show only the first line of the error message.

    Returns:
        What `fn(*args)` returned.

    Raises:
        NotAttempted: if `fn` raises `NotImplementedError` (the untouched stub).
        Failure: if `fn` times out or raises anything else; the message is the verdict.
    """
    try:
        with _off_limits():
            return run_with_timeout(fn, args, timeout)
    except TimedOut:
        raise Failure(
            f"{where} did not finish within {timeout:g} s. {timeout_hint}".rstrip()
        ) from None
    except NotImplementedError:
        raise NotAttempted() from None
    except (ShortcutUsed, Exception) as error:  # the student's bug, reported as a verdict
        used = _shortcut_within(error)  # directly, or inside an error TensorFlow re-raised
        if used:
            raise Failure(_off_message(used)) from None
        raise Failure(
            f"{where} raised {error_text(error, first_line_only).rstrip('.')}. {hint}".rstrip()
        ) from None


def check(exercise_id, answer):
    """Check a student's answer to exercise `exercise_id`; returns a `CheckResult`.

    Args:
        exercise_id: A string, one of `EXERCISES` (e.g. "log_uniform").
        answer: The student's function (or class, for class exercises).

    Returns:
        A `CheckResult` whose `passed` is True only when every case passed.

    Raises:
        ValueError: if `exercise_id` is unknown (the message lists the known ids).
    """
    if exercise_id not in EXERCISES:
        raise ValueError(
            f"Argument `exercise_id` must be one of {sorted(EXERCISES)}. "
            f"Received: exercise_id={exercise_id!r}"
        )
    spec = EXERCISES[exercise_id]
    refused = refusal(spec, answer)
    if refused:
        return CheckResult(exercise_id, FAILED, refused)
    return judge(exercise_id, lambda *args: call_answer(spec, answer, args))


def refusal(spec, answer):
    """Why `answer` is not checked at all (not callable, or not the student's own); else None."""
    if not callable(answer):
        return (
            f"expected your {spec.kind} `{spec.name}`, got {type(answer).__name__} {short(answer)}."
        )
    return _borrowed(spec, answer)


def call_answer(spec, answer, args):
    """The student's `answer(*args)` as a checker calls it (the caller sets `_CHECKING`)."""
    return guarded(
        describe_call(spec.id, args),
        answer,
        *args,
        timeout=spec.timeout,
        hint="Run it yourself in a cell to see where.",
        timeout_hint="Look for a loop that never ends.",
        first_line_only=False,
    )


def judge(exercise_id, call, verify=None):
    """The `CheckResult` of `verify(call)` (by default the exercise's checker): `call(*args)` runs
    the student's code, here or (for class grading) in another process whose results it replays."""
    spec = EXERCISES[exercise_id]
    global _CHECKING
    outer, _CHECKING = _CHECKING, spec
    try:
        problem = (verify or spec.verify)(call)
    except NotAttempted:
        return CheckResult(
            exercise_id,
            NOT_ATTEMPTED,
            "replace `raise NotImplementedError` with your code, then run this cell again.",
        )
    except Failure as failure:
        return CheckResult(exercise_id, FAILED, str(failure))
    finally:
        _CHECKING = outer
    if problem:
        return CheckResult(exercise_id, FAILED, problem)
    return CheckResult(exercise_id, PASSED, "all cases match. Well done!")


# ---- the answer must be the student's own ------------------------------------------------
# While an exercise is checked, the lrlab objects that answer it (`Exercise.off`) are off: an
# answer that is one, or subclasses one, is refused outright; one that calls one (directly, through
# an alias imported earlier, or wrapped) meets a function whose code raises ShortcutUsed, for as
# long as the student's code runs under `guarded`. The checkers' own calls run outside it.

_CHECKING = None  # the Exercise being checked, while `check` runs
_MARK = "is off while this exercise is checked"


def _resolve(dotted):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _off_names(spec):
    """`spec.off`, plus the instructor's reference answer once anything has imported it (only a
    course checkout run from its root can): an answer that calls it is not the student's own."""
    reference = f"instructor.{spec.lesson}"
    names = spec.off + ((f"{reference}.{spec.name}",) if reference in sys.modules else ())
    # A name from a package nothing has imported (keras, for a NumPy exercise checked without
    # TensorFlow) is skipped, not imported: an answer that imports it in its first call meets it
    # off from its next call on. One imported but not loaded yet (`DEFERRED`) is switched off
    # when it loads.
    return tuple(
        name
        for name in names
        if name.partition(".")[0] in sys.modules and name.partition(".")[0] not in DEFERRED
    )


def _off_message(dotted, spec=None):
    name = (spec or _CHECKING).name
    return f"this exercise asks you to write {name} yourself; `{dotted}` {_MARK}."


def _borrowed(spec, answer):
    """The verdict when `answer` is not the student's own (an off object, a subclass of one, or
    the instructor's reference solution); else None."""
    if str(getattr(answer, "__module__", "")).split(".")[0] == "instructor":
        return (
            f"this is the instructor's reference solution (`{answer.__module__}.{spec.name}`); "
            f"the exercise asks you to write {spec.name} yourself."
        )
    for dotted in _off_names(spec):
        obj, unwrapped = _resolve(dotted), inspect.unwrap(answer) if callable(answer) else answer
        same_code = getattr(unwrapped, "__code__", None) is getattr(obj, "__code__", False)
        subclass = isinstance(answer, type) and isinstance(obj, type) and issubclass(answer, obj)
        if unwrapped is obj or same_code or subclass:
            return _off_message(dotted, spec)
    return None


@functools.cache
def _raiser(dotted):
    """A function whose code raises ShortcutUsed(dotted), whatever module's globals it runs in."""
    source = (
        "def off(*args, **kwargs):\n"
        f"    raise __import__('lrlab.exercises').exercises.ShortcutUsed({dotted!r})\n"
    )
    namespace = {}
    exec(compile(source, f"<off: {dotted}>", "exec"), namespace)
    return namespace["off"]


_MISSING = object()  # an attribute the class did not define itself
_SWITCHED = None  # inside `_off_limits`: [(dotted name, object, attribute, original value)]
# Packages imported but not loaded until first used (the class grader's runner defers Keras and
# TensorFlow): `_off_names` leaves them out, and `switch_off` runs when one loads.
DEFERRED = set()


@contextlib.contextmanager
def _off_limits():
    """While the student's code runs for `_CHECKING`, its off objects raise ShortcutUsed."""
    global _SWITCHED
    outer, _SWITCHED = _SWITCHED, []
    try:
        switch_off()
        yield
    finally:
        for _, obj, attr, value in reversed(_SWITCHED):
            if value is _MISSING:
                delattr(obj, attr)
            else:
                setattr(obj, attr, value)
        _SWITCHED = outer


def switch_off():
    """Inside `_off_limits`: switch off `_CHECKING`'s off objects that are not off yet (called
    again when a `DEFERRED` package loads while the student's code runs)."""
    if _SWITCHED is None or _CHECKING is None:
        return
    done = {dotted for dotted, *_ in _SWITCHED}
    for dotted in [d for d in _off_names(_CHECKING) if d not in done]:
        obj, raiser = _resolve(dotted), _raiser(dotted)
        if isinstance(obj, type):  # constructing or calling an instance raises
            for attr in ("__init__", "__call__"):
                _SWITCHED.append((dotted, obj, attr, obj.__dict__.get(attr, _MISSING)))
                setattr(obj, attr, raiser)
        elif isinstance(obj, types.FunctionType) and not obj.__code__.co_freevars:
            _SWITCHED.append((dotted, obj, "__code__", obj.__code__))
            obj.__code__ = raiser.__code__


def _shortcut_within(error):
    """The dotted name of an off object that `error` (or what it wraps) reports; else None."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, ShortcutUsed):
            return str(error)
        error = error.__cause__ or error.__context__
    return None


# ---- comparing results -------------------------------------------------------------------


def describe_call(name, args):
    """The call as a verdict shows it, `name(arg, ...)`, each argument shortened by `short`."""
    shown = ", ".join(short(a) for a in args)
    return f"{name}({shown})"


def short(value):
    """A value as a verdict shows it: 6 significant digits, at most 80 characters."""
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


def as_number(got, where):
    """A scalar answer as a float, or a `Failure` saying what came back instead."""
    if isinstance(got, np.ndarray) and got.size == 1:
        got = got.reshape(()).item()
    if hasattr(got, "numpy") and not isinstance(got, np.ndarray):  # a TensorFlow/Keras tensor
        got = np.asarray(got.numpy()).reshape(()).item() if np.size(got.numpy()) == 1 else got
    if isinstance(got, bool) or not isinstance(got, numbers.Real):
        raise Failure(f"{where} returned {type(got).__name__} {short(got)}; expected a number.")
    if math.isnan(got):
        raise Failure(f"{where} returned nan; expected a number.")
    return float(got)


def mismatch(where, expected, got, hint):
    """The verdict for a wrong value: what came back, what was expected, and the hint."""
    return f"{where} returned {short(got)}, expected {short(expected)}. Hint: {hint}"


def numeric_cases(name, cases, rel=1e-6, abs_=1e-12):
    """Build a verify(call) from (args, expected, hint) cases; arrays compared elementwise."""

    def verify(call):
        for args, expected, hint in cases:
            where = describe_call(name, args)
            got = call(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
            if np.ndim(expected) == 0:
                value = as_number(got, where)
                if not math.isclose(value, expected, rel_tol=rel, abs_tol=abs_):
                    return mismatch(where, expected, value, hint)
            else:
                try:
                    array = np.asarray(got, dtype=float)
                except (TypeError, ValueError):
                    return f"{where} returned {type(got).__name__} {short(got)}; expected an array."
                if array.shape != np.shape(expected):
                    return f"{where} returned shape {array.shape}, expected {np.shape(expected)}. Hint: {hint}"
                if not np.allclose(array, expected, rtol=rel, atol=abs_):
                    return mismatch(where, np.asarray(expected), array, hint)
        return None

    return verify
