"""Lesson 09's reference answers (the sharpness from Hessian-vector products, a warmup-stable-decay
schedule class), for instructors.

Each answer is the single source of its exercise cell (see `instructor.solutions`); the
lines between its SOLUTION markers are what the student writes.
"""

# Class and Keras exercises need Keras at import time (not `import lrlab`), quietly: grading and the
# tools import this module outside a notebook.
from lrlab.notebook import quiet_tensorflow

quiet_tensorflow()
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402


def sharpness_from_hvp(hvp, dim):
    """Return the sharpness λ_max of a symmetric matrix H (a Hessian) that you can only
    multiply by: `hvp(v)` returns H @ v for a NumPy vector `v` of length `dim`. λ_max is the
    largest eigenvalue, the most positive one (the one 2/α is compared with), which need not be
    the one of largest magnitude. Within 0.1% of λ_max, with at most 500 calls of `hvp`."""

    ### BEGIN SOLUTION
    def converged(apply):
        # Power iteration from a random start: a chosen one (all ones, say) may have no
        # component along the top eigenvector. Stop once |Hv - λv| is tiny compared with λ.
        v = np.random.default_rng(0).standard_normal(dim)
        v /= np.linalg.norm(v)
        estimate = 0.0
        for _ in range(200):
            product = apply(v)
            estimate = v @ product  # the Rayleigh quotient of the unit vector v
            if np.linalg.norm(product - estimate * v) <= 1e-4 * abs(estimate):
                break
            v = product / np.linalg.norm(product)
        return float(estimate)

    largest_magnitude = converged(hvp)
    if largest_magnitude >= 0:
        return largest_magnitude
    # The most negative eigenvalue came out: in H - (that) I, the top one has the largest magnitude.
    return converged(lambda v: hvp(v) - largest_magnitude * v) + largest_magnitude
    ### END SOLUTION


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
