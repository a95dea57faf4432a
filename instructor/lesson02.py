"""Lesson 02's reference answers (Keras 2 arguments to Keras 3) and hidden cases, for instructors.

Each answer is the single source of its exercise cell (see `instructor.solutions`); the
lines between its SOLUTION markers are what the student writes.
"""

# Class and Keras exercises need Keras at import time (not `import lrlab`), quietly: grading and the
# tools import this module outside a notebook.
from lrlab.notebook import quiet_tensorflow

quiet_tensorflow()
import keras  # noqa: E402


def keras2_to_keras3(kwargs):
    """Return Keras 3 optimizer arguments for the Keras 2 ones in the dict `kwargs`
    (e.g. {"lr": 0.1, "decay": 0.01, "momentum": 0.9}), without changing `kwargs`."""
    ### BEGIN SOLUTION
    new = dict(kwargs)  # a copy: never change the caller's dict
    if "lr" in new:
        new["learning_rate"] = new.pop("lr")
    lr = float(new["learning_rate"])
    decay = new.pop("decay", 0.0)
    if decay:
        # Keras 2's per-step decay lr / (1 + decay * step), as a Keras 3 schedule.
        lr = keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=decay)
    new["learning_rate"] = lr
    return new
    ### END SOLUTION
