"""Lesson 09's reference answers (a warmup-stable-decay schedule class) and hidden cases, for instructors.

Each answer is the single source of its exercise cell (see `instructor.solutions`); the
lines between its SOLUTION markers are what the student writes.
"""

# Class and Keras exercises need Keras at import time (not `import lrlab`), quietly: grading and the
# tools import this module outside a notebook.
from lrlab.notebook import quiet_tensorflow  # noqa: E402

quiet_tensorflow()
import keras  # noqa: E402
from keras import ops  # noqa: E402


@keras.saving.register_keras_serializable(package="lrlab_exercises")
class WSDSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """Warmup-stable-decay: the LR rises linearly from 0 at step 0 to `peak_learning_rate` at
    step `warmup_steps`, stays there until step `warmup_steps + stable_steps`, falls linearly to
    0 at step `warmup_steps + stable_steps + decay_steps`, and stays 0 after. It must work
    inside `fit` (graph mode: use `ops`, not `math`/`np`/`if` on `step`) and survive
    `model.save` / `load_model`."""

    def __init__(self, peak_learning_rate, warmup_steps, stable_steps, decay_steps):
        super().__init__()
        ### BEGIN SOLUTION
        self.peak_learning_rate = peak_learning_rate
        self.warmup_steps = warmup_steps
        self.stable_steps = stable_steps
        self.decay_steps = decay_steps
        ### END SOLUTION

    def __call__(self, step):
        ### BEGIN SOLUTION
        step = ops.cast(step, "float32")
        warm = ops.minimum(step / self.warmup_steps, 1.0)
        end = self.warmup_steps + self.stable_steps + self.decay_steps
        cool = ops.clip((end - step) / self.decay_steps, 0.0, 1.0)
        return self.peak_learning_rate * ops.minimum(warm, cool)
        ### END SOLUTION

    def get_config(self):
        ### BEGIN SOLUTION
        return {
            "peak_learning_rate": self.peak_learning_rate,
            "warmup_steps": self.warmup_steps,
            "stable_steps": self.stable_steps,
            "decay_steps": self.decay_steps,
        }
        ### END SOLUTION
