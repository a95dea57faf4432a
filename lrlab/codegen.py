"""Generate the exact Keras 3 code for a learning-rate schedule, and check it against NumPy.

Each schedule has two descriptions: the NumPy formula (`numpy_curve`, the curve a plot
shows: `lrlab.schedules`, its home, called with Keras's argument names) and the Keras source
that builds it (`keras_code`, the only thing this module writes). `max_relative_error` executes that
source and compares the two at every step, so the code a learner copies is verified, not
hoped. The schedule explorer in lesson 05 (`lrlab.widgets.ScheduleExplorer`) shows both.

The generated source defines `learning_rate` (a float or a schedule object) and an
`optimizer` built on it:

>>> print(keras_code("time_based_decay", initial_learning_rate=0.1, decay_rate=0.01))
import keras
<BLANKLINE>
# Time-based decay, t = optimizer step: lr = 0.1 / (1 + 0.01 * step)
learning_rate = keras.optimizers.schedules.InverseTimeDecay(
    initial_learning_rate=0.1, decay_steps=1, decay_rate=0.01
)
optimizer = keras.optimizers.SGD(learning_rate=learning_rate)

Importing this module does not import TensorFlow; `build` and `keras_values` do.
"""

import numpy as np

from lrlab import _validation as check
from lrlab import schedules

__all__ = ["SCHEDULES", "keras_code", "numpy_curve", "build", "keras_values", "max_relative_error"]

_S = "keras.optimizers.schedules."


def _num(value):
    """Shortest exact source text for a float (repr round-trips)."""
    return repr(float(value))


def _per(steps_per_epoch):
    return (
        None
        if steps_per_epoch is None
        else check.integer("steps_per_epoch", steps_per_epoch, minimum=1)
    )


def _counter(steps, steps_per_epoch):
    """t in the formula: the step itself, or the whole epochs completed (staircase)."""
    return steps if steps_per_epoch is None else np.floor(steps / steps_per_epoch)


# ---- one (numpy, code) pair per schedule ---------------------------------------------------


def _constant_numpy(steps, initial_learning_rate):
    return schedules.constant(steps, initial_learning_rate)


def _constant_code(initial_learning_rate):
    _constant_numpy(0, initial_learning_rate)  # validates
    return [
        "# Constant: a plain float, the LR never changes (momentum is a separate optimizer setting)",
        f"learning_rate = {_num(initial_learning_rate)}",
    ]


def _time_based_numpy(steps, initial_learning_rate, decay_rate, steps_per_epoch=None):
    t = _counter(steps, _per(steps_per_epoch))
    return schedules.time_based_decay(t, initial_learning_rate, decay_rate)


def _time_based_code(initial_learning_rate, decay_rate, steps_per_epoch=None):
    _time_based_numpy(0, initial_learning_rate, decay_rate, steps_per_epoch)  # validates
    lr, k, spe = _num(initial_learning_rate), _num(decay_rate), _per(steps_per_epoch)
    if spe is None:
        head, args = f"t = optimizer step: lr = {lr} / (1 + {k} * step)", "decay_steps=1"
    else:
        head = f"t = epoch: lr = {lr} / (1 + {k} * floor(step / {spe}))"
        args = f"decay_steps={spe}"
    return [
        f"# Time-based decay, {head}",
        f"learning_rate = {_S}InverseTimeDecay(",
        f"    initial_learning_rate={lr}, {args}, decay_rate={k}"
        + ("" if spe is None else ", staircase=True"),
        ")",
    ]


def _exponential_numpy(steps, initial_learning_rate, decay_rate, steps_per_epoch=None):
    t = _counter(steps, _per(steps_per_epoch))
    return schedules.exponential_decay(t, initial_learning_rate, decay_rate)


def _exponential_code(initial_learning_rate, decay_rate, steps_per_epoch=None):
    _exponential_numpy(0, initial_learning_rate, decay_rate, steps_per_epoch)  # validates
    lr, k, spe = _num(initial_learning_rate), _num(decay_rate), _per(steps_per_epoch)
    if spe is None:
        head = f"t = optimizer step: lr = {lr} * exp(-{k} * step)"
        # The LR falls by a factor e every 1/k steps. (decay_steps=1, decay_rate=exp(-k) is the
        # same formula, but float32 rounding of exp(-k) compounds over thousands of steps.)
        args = (
            f"decay_steps=1 / {k}, decay_rate=math.exp(-1)"
            if float(k)
            else "decay_steps=1, decay_rate=1.0"
        )
    else:
        head = f"t = epoch: lr = {lr} * exp(-{k} * floor(step / {spe}))"
        args = f"decay_steps={spe}, decay_rate=math.exp(-{k}), staircase=True"
    return [
        f"# Exponential decay, {head}",
        f"learning_rate = {_S}ExponentialDecay(",
        f"    initial_learning_rate={lr}, {args}",
        ")",
    ]


def _step_numpy(steps, initial_learning_rate, factor, step_size, steps_per_epoch):
    spe = check.integer("steps_per_epoch", steps_per_epoch, minimum=1)
    return schedules.step_decay(np.floor(steps / spe), initial_learning_rate, factor, step_size)


def _step_code(initial_learning_rate, factor, step_size, steps_per_epoch):
    _step_numpy(0, initial_learning_rate, factor, step_size, steps_per_epoch)  # validates
    lr, f, size, spe = (
        _num(initial_learning_rate),
        _num(factor),
        int(step_size),
        int(steps_per_epoch),
    )
    return [
        f"# Step decay: lr = {lr} * {f} ** floor(epoch / {size}), {spe} steps per epoch",
        f"learning_rate = {_S}ExponentialDecay(",
        f"    initial_learning_rate={lr}, decay_steps={size * spe}, decay_rate={f}, staircase=True",
        ")",
    ]


def _piecewise_numpy(steps, initial_learning_rate, factor, step_size, steps_per_epoch, epochs):
    check.integer("epochs", epochs, minimum=1)
    return _step_numpy(steps, initial_learning_rate, factor, step_size, steps_per_epoch)


def _piecewise_code(initial_learning_rate, factor, step_size, steps_per_epoch, epochs):
    _piecewise_numpy(
        0, initial_learning_rate, factor, step_size, steps_per_epoch, epochs
    )  # validates
    lr, f, size, spe = (
        _num(initial_learning_rate),
        _num(factor),
        int(step_size),
        int(steps_per_epoch),
    )
    drops = max((int(epochs) - 1) // size, 0)  # drops that happen within the `epochs` trained
    return [
        f"# Step decay as PiecewiseConstantDecay: drop by {f} every {size} epoch(s) of {spe} steps.",
        "# Boundaries are inclusive (step == boundary keeps the old LR), hence the - 1.",
        f"boundaries = [i * {size * spe} - 1 for i in range(1, {drops + 1})]",
        f"values = [{lr} * {f} ** i for i in range({drops + 1})]",
        f"learning_rate = {_S}PiecewiseConstantDecay(boundaries, values)",
    ]


def _polynomial_numpy(
    steps, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0
):
    return schedules.polynomial_decay(
        steps, initial_learning_rate, decay_steps, end_learning_rate, power
    )


def _polynomial_code(initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0):
    _polynomial_numpy(0, initial_learning_rate, decay_steps, end_learning_rate, power)  # validates
    lr, end, p = _num(initial_learning_rate), _num(end_learning_rate), _num(power)
    return [
        f"# Polynomial decay from {lr} to {end} over {int(decay_steps)} steps, power {p}, then flat",
        f"learning_rate = {_S}PolynomialDecay(",
        f"    initial_learning_rate={lr}, decay_steps={int(decay_steps)}, end_learning_rate={end}, power={p}",
        ")",
    ]


def _cosine_numpy(
    steps, initial_learning_rate, decay_steps, alpha=0.0, warmup_target=None, warmup_steps=0
):
    return schedules.cosine_decay(
        steps, initial_learning_rate, decay_steps, alpha, warmup_target, warmup_steps
    )


def _cosine_code(initial_learning_rate, decay_steps, alpha=0.0, warmup_target=None, warmup_steps=0):
    _cosine_numpy(
        0, initial_learning_rate, decay_steps, alpha, warmup_target, warmup_steps
    )  # validates
    lr, n, a = _num(initial_learning_rate), int(decay_steps), _num(alpha)
    if warmup_target is None:
        return [
            f"# Cosine decay from {lr} to {a} * {lr} over {n} steps",
            f"learning_rate = {_S}CosineDecay(",
            f"    initial_learning_rate={lr}, decay_steps={n}, alpha={a}",
            ")",
        ]
    target, w = _num(warmup_target), int(warmup_steps)
    return [
        f"# Linear warm-up {lr} -> {target} over {w} steps, then cosine decay over {n} more steps",
        f"learning_rate = {_S}CosineDecay(",
        f"    initial_learning_rate={lr}, decay_steps={n}, alpha={a},",
        f"    warmup_target={target}, warmup_steps={w},",
        ")",
    ]


def _restarts_numpy(
    steps, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0
):
    return schedules.cosine_decay_restarts(
        steps, initial_learning_rate, first_decay_steps, t_mul, m_mul, alpha
    )


def _restarts_code(initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0):
    _restarts_numpy(0, initial_learning_rate, first_decay_steps, t_mul, m_mul, alpha)  # validates
    lr, n = _num(initial_learning_rate), int(first_decay_steps)
    return [
        f"# Cosine decay with warm restarts: first cycle {n} steps, each next one t_mul times longer",
        f"learning_rate = {_S}CosineDecayRestarts(",
        f"    initial_learning_rate={lr}, first_decay_steps={n}, t_mul={_num(t_mul)}, "
        f"m_mul={_num(m_mul)}, alpha={_num(alpha)}",
        ")",
    ]


SCHEDULES = {
    "constant": (_constant_numpy, _constant_code),
    "time_based_decay": (_time_based_numpy, _time_based_code),
    "step_decay": (_step_numpy, _step_code),
    "piecewise_step_decay": (_piecewise_numpy, _piecewise_code),
    "exponential_decay": (_exponential_numpy, _exponential_code),
    "polynomial_decay": (_polynomial_numpy, _polynomial_code),
    "cosine_decay": (_cosine_numpy, _cosine_code),
    "cosine_decay_restarts": (_restarts_numpy, _restarts_code),
}
"""name -> (numpy_curve(steps, **params), code_lines(**params)), one entry per schedule."""


def _spec(name):
    if name not in SCHEDULES:
        check.fail("name", f"must be one of {sorted(SCHEDULES)}", name)
    return SCHEDULES[name]


# `lrlab.schedules` says `initial_lr`; here the caller passed Keras's names.
_KERAS_NAMES = {"initial_lr": "initial_learning_rate", "end_lr": "end_learning_rate"}


def _with_keras_names(function, *args, **params):
    """Call `function`; a ValueError about `initial_lr` is reported as `initial_learning_rate`."""
    try:
        return function(*args, **params)
    except ValueError as error:
        message = str(error)
        for ours, theirs in _KERAS_NAMES.items():
            message = message.replace(f"`{ours}`", f"`{theirs}`").replace(
                f" {ours}=", f" {theirs}="
            )
        raise ValueError(message) from None


def keras_code(name, **params):
    """The Keras 3 source that builds schedule `name` with `params`, as a string.

    Executing it defines `learning_rate` (a float or a `LearningRateSchedule`) and `optimizer`.

    Raises:
        ValueError: for an unknown `name` or a bad parameter (named in the message).
    """
    lines = _with_keras_names(_spec(name)[1], **params)
    imports = (
        ["import math", "import keras"]
        if any("math." in line for line in lines)
        else ["import keras"]
    )
    return "\n".join(
        imports + [""] + lines + ["optimizer = keras.optimizers.SGD(learning_rate=learning_rate)"]
    )


def numpy_curve(name, steps, **params):
    """The learning rate at each optimizer step in `steps` (an int or array, from 0), in NumPy.

    >>> numpy_curve("step_decay", [0, 9, 10], initial_learning_rate=0.1, factor=0.5,
    ...             step_size=1, steps_per_epoch=10).tolist()
    [0.1, 0.1, 0.05]
    """
    values, _ = check.counter("steps", steps)
    return np.asarray(_with_keras_names(_spec(name)[0], values, **params), dtype=float)


def build(name, **params):
    """Execute `keras_code(name, **params)` and return the `learning_rate` it defines."""
    namespace = {}
    exec(keras_code(name, **params), namespace)
    return namespace["learning_rate"]


def keras_values(learning_rate, steps):
    """Evaluate a float LR or a Keras schedule at each step, as a float64 array.

    One vectorised call when the schedule allows it. CosineDecay with warm-up branches with
    `ops.cond`, which needs a scalar step: then a few steps are evaluated one by one, and
    many with one compiled `tf.map_fn`.
    """
    steps = np.asarray(steps, dtype=np.int64)
    if isinstance(learning_rate, (int, float)):
        return np.full(steps.shape, float(learning_rate))
    try:
        values = np.asarray(learning_rate(steps), dtype=float)
        if values.shape == steps.shape:
            return values
    except Exception:  # fall back to scalar evaluation below
        pass
    flat = steps.ravel()
    if flat.size <= 40:
        return np.array([float(learning_rate(int(s))) for s in flat]).reshape(steps.shape)
    import tensorflow as tf

    mapped = tf.function(lambda s: tf.map_fn(learning_rate, s, fn_output_signature=tf.float32))
    return np.asarray(mapped(tf.constant(flat)), dtype=float).reshape(steps.shape)


def max_relative_error(name, steps, **params):
    """max |Keras - NumPy| over `steps`, relative to the curve's peak: the generated code checked.

    Keras computes in float32 (about 7 significant digits), so a good match is ~1e-7; relative
    to the peak, because pointwise relative error is meaningless where the LR nears 0.

    >>> max_relative_error("constant", range(5), initial_learning_rate=0.1)
    0.0
    """
    steps = np.asarray(steps)
    if steps.size == 0:
        return 0.0
    expected = numpy_curve(name, steps, **params)
    got = keras_values(build(name, **params), steps)
    peak = float(np.max(np.abs(expected))) or 1.0
    return float(np.max(np.abs(got - expected)) / peak)
