"""Lesson 07's reference answers (plan the learning rate) and hidden cases, for instructors.

Each answer is the single source of its exercise cell (see `instructor.solutions`); the
lines between its SOLUTION markers are what the student writes.
"""

# Class and Keras exercises need Keras at import time (not `import lrlab`), quietly: grading and the
# tools import this module outside a notebook.
from lrlab.notebook import quiet_tensorflow

quiet_tensorflow()
import keras  # noqa: E402


def plan_learning_rate(steps_per_epoch, epochs):
    """Return a NEW Keras optimizer, learning rate and schedule included, for training a model you
    have not seen for `epochs` epochs of `steps_per_epoch` batches each (see lesson 07)."""
    ### BEGIN SOLUTION
    # Adam, one epoch of linear warm-up to 1e-2, then a cosine decay to zero at the last step.
    # (CosineDecay's decay runs *after* the warm-up, so it gets the remaining epochs - 1 epochs.)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0,
        decay_steps=(epochs - 1) * steps_per_epoch,
        warmup_target=1e-2,
        warmup_steps=steps_per_epoch,
    )
    return keras.optimizers.Adam(learning_rate=schedule)
    ### END SOLUTION
