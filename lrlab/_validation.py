"""Argument checks shared by every public function: one place, one message style.

Every failure is a ValueError that names the argument and echoes the value received,
in Keras's words: "Argument `decay_rate` must be >= 0. Received: decay_rate=-1".
"""

import math
import numbers

import numpy as np


def fail(name, requirement, value):
    """Raise the house-style ValueError for argument `name`."""
    raise ValueError(f"Argument `{name}` {requirement}. Received: {name}={value!r}")


def number(name, value):
    """Return `value` as a finite Python float, or raise (bools and strings are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
            value = value.item()
        else:
            fail(name, "must be a real number", value)
    value = float(value)
    if not math.isfinite(value):
        fail(name, "must be finite", value)
    return value


def positive(name, value):
    """A finite number > 0 (learning rates, curvatures, decay steps)."""
    if number(name, value) <= 0:
        fail(name, "must be > 0", value)
    return float(value)


def non_negative(name, value):
    """A finite number >= 0 (decay rates)."""
    if number(name, value) < 0:
        fail(name, "must be >= 0", value)
    return float(value)


def fraction(name, value):
    """A number in (0, 1] (multiplicative decay factors)."""
    v = number(name, value)
    if not 0 < v <= 1:
        fail(name, "must be in (0, 1]", value)
    return v


def integer(name, value, minimum=0):
    """A whole number >= `minimum` (step counts, epochs, step sizes)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu":
            value = int(value)
        else:
            fail(name, "must be an integer", value)
    if value < minimum:
        fail(name, f"must be an integer >= {minimum}", value)
    return int(value)


def counter(name, value):
    """A step or epoch counter: a non-negative number or array of them, as a float array.

    Returns (array, is_scalar) so a caller can hand back a Python float for scalar input.
    """
    if isinstance(value, (bool, np.bool_, str, bytes)) or value is None:
        fail(name, "must be a non-negative number or array of numbers", value)
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        fail(name, "must be a non-negative number or array of numbers", value)
    if not np.all(np.isfinite(array)):
        fail(name, "must be finite", value)
    if np.any(array < 0):
        fail(name, "must be >= 0 (counters start at 0)", value)
    return array, array.ndim == 0
