"""Lesson 06's reference answers (a warm-up schedule class) and hidden cases, for instructors.

Each answer is the single source of its exercise cell (see `instructor.solutions`); the
lines between its SOLUTION markers are what the student writes.
"""

# Class and Keras exercises need Keras at import time (not `import lrlab`), quietly: grading and the
# tools import this module outside a notebook.
from lrlab.notebook import quiet_tensorflow

quiet_tensorflow()
import keras  # noqa: E402
from keras import ops  # noqa: E402


@keras.saving.register_keras_serializable(package="lrlab_exercises")
class WarmupSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up: the LR climbs from `initial_learning_rate` at step 0 to `warmup_target`,
    reached exactly at step `warmup_steps`, and stays there. It must work inside `fit` (graph
    mode: use `ops`, not `math`/`np`/`if` on `step`) and survive `model.save` / `load_model`."""

    def __init__(self, initial_learning_rate, warmup_target, warmup_steps):
        super().__init__()
        ### BEGIN SOLUTION
        self.initial_learning_rate = initial_learning_rate
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps
        ### END SOLUTION

    def __call__(self, step):
        ### BEGIN SOLUTION
        step = ops.cast(step, "float32")
        done = ops.minimum(step, self.warmup_steps) / self.warmup_steps
        return self.initial_learning_rate + (self.warmup_target - self.initial_learning_rate) * done
        ### END SOLUTION

    def get_config(self):
        ### BEGIN SOLUTION
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }
        ### END SOLUTION
