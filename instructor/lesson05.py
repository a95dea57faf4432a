"""Lesson 05's reference answers (the classic schedules) and hidden cases, for instructors.

Each answer is the single source of its exercise cell (see `instructor.solutions`); the
lines between its SOLUTION markers are what the student writes.
"""

import math

from lrlab import schedules

# Class and Keras exercises need Keras at import time (not `import lrlab`), quietly: grading and the
# tools import this module outside a notebook.
from lrlab.notebook import quiet_tensorflow

quiet_tensorflow()
import keras  # noqa: E402


def time_based_decay(step, initial_lr, decay_rate):
    """Return the time-based-decay learning rate at optimizer step `step` (from 0)."""
    ### BEGIN SOLUTION
    return initial_lr / (1 + decay_rate * step)
    ### END SOLUTION


def step_decay(epoch, initial_lr, factor, step_size):
    """Return the step-decay learning rate at epoch `epoch` (from 0): the LR is multiplied
    by `factor` every `step_size` epochs."""
    ### BEGIN SOLUTION
    return initial_lr * factor ** math.floor(epoch / step_size)
    ### END SOLUTION


def exponential_decay(step, initial_lr, decay_rate):
    """Return the exponentially decayed learning rate at optimizer step `step` (from 0)."""
    ### BEGIN SOLUTION
    return initial_lr * math.exp(-decay_rate * step)
    ### END SOLUTION


def step_decay_schedule(initial_lr, factor, step_size, steps_per_epoch, epochs):
    """Return a schedule object from `keras.optimizers.schedules` that an optimizer can use for
    `epochs` epochs of `steps_per_epoch` optimizer steps each: at every step it must give the
    step-decay LR of that step's epoch (`initial_lr`, multiplied by `factor` every `step_size`
    epochs)."""
    ### BEGIN SOLUTION
    # A drop every step_size epochs is a drop every step_size * steps_per_epoch optimizer steps;
    # staircase=True keeps the LR flat in between (PiecewiseConstantDecay works too, with
    # boundaries one step before each drop, since it is inclusive at its boundaries).
    return keras.optimizers.schedules.ExponentialDecay(
        initial_lr, decay_steps=step_size * steps_per_epoch, decay_rate=factor, staircase=True
    )
    ### END SOLUTION


# Hidden cases (the autograder's only): exercise id -> [(args, expected)], expected values from
# the pure lrlab modules (an independent reference, not the student's namespace).
HIDDEN_CASES = {
    "time_based_decay": [
        ((t, 0.5, k), schedules.time_based_decay(t, 0.5, k)) for t, k in ((3, 0.25), (250, 0.004))
    ],
    "step_decay": [
        ((e, 0.3, f, s), schedules.step_decay(e, 0.3, f, s))
        for e, f, s in ((49, 0.9, 7), (6, 0.5, 7), (100, 0.1, 50))
    ],
    "exponential_decay": [
        ((t, 0.05, k), schedules.exponential_decay(t, 0.05, k)) for t, k in ((123, 0.003), (2, 1.5))
    ],
}
