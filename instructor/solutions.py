"""Reference solutions to the exercises, for instructors.

Not in the `lrlab` package (students never install it). This file is the single source of every
exercise cell: `tools/sync_exercises.py` (through `instructor.cells`) writes each
function into its notebook with the lines between the SOLUTION markers replaced by
`raise NotImplementedError`, so the student version and the solution cannot drift apart.
Keep each answer self-contained (imports inside the function, or the aliases `np`, `math`,
`keras` and `ops`, whose imports `instructor.cells` adds to the top of a cell that uses them),
because the notebook cell runs on its own.
"""

import math

import numpy as np


def sgd_step(w, grad, lr):
    """Return the weights after one gradient-descent step with learning rate `lr`.

    `w` and `grad` are floats or NumPy arrays of the same shape.
    """
    ### BEGIN SOLUTION
    return w - lr * grad
    ### END SOLUTION


def largest_stable_lr(curvature):
    """Return the stability limit of gradient descent on f(x) = curvature / 2 * x**2:
    every smaller learning rate converges, every larger one diverges."""
    ### BEGIN SOLUTION
    return 2.0 / curvature
    ### END SOLUTION


def log_uniform(low, high, n, rng):
    """Return `n` learning rates drawn log-uniformly from [low, high], using only `rng`
    (a numpy.random.Generator)."""
    ### BEGIN SOLUTION
    return np.exp(rng.uniform(np.log(low), np.log(high), size=n))
    ### END SOLUTION


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


def classify_curve(losses):
    """Return "too slow", "good", "unstable" or "diverged" for a training-loss curve
    `losses` (a 1-D NumPy array, one loss per epoch, the first before training)."""
    ### BEGIN SOLUTION
    first, last = losses[0], losses[-1]
    if not np.all(np.isfinite(losses)) or last > first or losses.max() > 3 * first:
        return "diverged"
    changes = np.diff(losses)
    rises, falls = changes[changes > 0].sum(), -changes[changes < 0].sum()
    if rises > 0.25 * (rises + falls) and rises > 0.05 * first:
        return "unstable"
    if (first - last) / first < 0.2:
        return "too slow"
    return "good"
    ### END SOLUTION


def layerwise_learning_rates(num_layers, base_lr, decay):
    """Return a list of `num_layers` learning rates for layer-wise LR decay: layer 0 is nearest
    the input; the last layer (the head) gets `base_lr`, and each layer below it `decay` times
    the LR of the layer above."""
    ### BEGIN SOLUTION
    return [base_lr * decay ** (num_layers - 1 - i) for i in range(num_layers)]
    ### END SOLUTION


# Class exercises subclass Keras types, so Keras is imported from here on (not by `import lrlab`),
# quietly: grading and the tools import this module outside a notebook.
from lrlab.notebook import quiet_tensorflow  # noqa: E402

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


def resume_training(checkpoint_path, x, y, batch_size, initial_epoch, epochs, callbacks):
    """Continue a run from the `.keras` file at `checkpoint_path` (saved after `initial_epoch`
    epochs) until epoch `epochs`, on (x, y) with `batch_size`, giving `callbacks` to `fit`, so
    every step uses the learning rate an uninterrupted run would. Return the trained model."""
    ### BEGIN SOLUTION
    # The whole model: weights, the compiled optimizer and its step counter (so its schedule
    # continues), and `initial_epoch` so epoch-indexed callbacks continue too.
    model = keras.models.load_model(checkpoint_path)
    model.fit(
        x,
        y,
        batch_size=batch_size,
        initial_epoch=initial_epoch,
        epochs=epochs,
        callbacks=callbacks,
        verbose=0,
    )
    return model
    ### END SOLUTION


def pick_lr(lrs, losses):
    """Return a good learning rate read off an LR range test: `lrs` are the increasing learning
    rates it tried and `losses` the smoothed loss at each (inf or NaN once it blew up)."""
    ### BEGIN SOLUTION
    finite = np.isfinite(losses)
    lrs, losses = lrs[finite], losses[finite]
    bottom = int(np.argmin(losses))
    # The steepest descent before the bottom: the most negative slope per decade of LR.
    slope = np.gradient(losses[: bottom + 1], np.log10(lrs[: bottom + 1]))
    return float(lrs[int(np.argmin(slope))])
    ### END SOLUTION
