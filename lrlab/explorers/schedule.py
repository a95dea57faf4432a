"""Lesson 05's explorer: a Keras schedule, its curve and the Keras code that builds it (the page
computes both)."""

import numpy as np
import traitlets

from lrlab import _validation as check
from lrlab import codegen
from lrlab.explorers import Explorer


def _sig3(value):
    """A slider value rounded to 3 significant digits, so the generated code stays readable."""
    return float(f"{value:.3g}")


class ScheduleExplorer(Explorer, module="schedule.js"):
    """Pick a Keras schedule and its parameters; see its LR per step and per epoch, and the
    exact Keras code that builds it (lesson 05).

    The page computes the curve as `lrlab.codegen.numpy_curve` does and writes the code as
    `lrlab.codegen.keras_code` does, for the parameters `schedule_params` gives; it cannot run
    Keras, so the course's tests check, for every schedule and control, that the page's curve
    and code equal lrlab's and that Keras running that code gives the curve. Controls a schedule
    does not use are disabled.

    Python reads the current settings as traits (`explorer.initial_lr`, synced from the page in
    a live kernel) and, from them, `name`, `params`, `code`, `steps`, `curve` (LR per step) and
    `epoch_lrs` (LR of each epoch's first step), computed by `lrlab.codegen`.

    Args:
        schedule: the schedule shown first, one of `LABELS`' keys.
        epochs: the epochs drawn, an int >= 1.
        steps_per_epoch: the optimizer steps per epoch shown first, an int in [1, 100].

    Raises:
        ValueError: naming the argument and the value received.
    """

    LABELS = {
        "constant": "constant",
        "time_based_decay": "time-based (InverseTimeDecay)",
        "step_decay": "step (ExponentialDecay, staircase)",
        "piecewise_step_decay": "step (PiecewiseConstantDecay)",
        "exponential_decay": "exponential (ExponentialDecay)",
        "polynomial_decay": "PolynomialDecay",
        "cosine_decay": "CosineDecay (+ warm-up)",
        "cosine_decay_restarts": "CosineDecayRestarts",
    }
    USES = {
        "constant": {"initial_lr"},
        "time_based_decay": {"initial_lr", "decay_rate", "per"},
        "exponential_decay": {"initial_lr", "decay_rate", "per"},
        "step_decay": {"initial_lr", "factor", "step_size"},
        "piecewise_step_decay": {"initial_lr", "factor", "step_size"},
        "polynomial_decay": {"initial_lr", "final_fraction"},
        "cosine_decay": {"initial_lr", "final_fraction", "warmup_epochs"},
        "cosine_decay_restarts": {"initial_lr", "factor", "step_size", "final_fraction"},
    }

    SETTINGS = (
        "schedule",
        "initial_lr",
        "decay_rate",
        "per",
        "factor",
        "step_size",
        "final_fraction",
        "warmup_epochs",
        "steps_per_epoch",
    )

    # The data the page draws from: the schedules' names and labels, and the controls each uses.
    labels = traitlets.List().tag(sync=True)
    uses = traitlets.Dict().tag(sync=True)
    epochs = traitlets.Int().tag(sync=True)
    # The settings, as the controls show them.
    schedule = traitlets.Unicode().tag(sync=True)
    initial_lr = traitlets.Float(0.1).tag(sync=True)
    decay_rate = traitlets.Float(0.01).tag(sync=True)
    per = traitlets.Unicode("step").tag(sync=True)
    factor = traitlets.Float(0.5).tag(sync=True)
    step_size = traitlets.Int(5).tag(sync=True)
    final_fraction = traitlets.Float(0.01).tag(sync=True)
    warmup_epochs = traitlets.Int(1).tag(sync=True)
    steps_per_epoch = traitlets.Int().tag(sync=True)

    def __init__(self, schedule="exponential_decay", epochs=20, steps_per_epoch=20):
        if schedule not in self.LABELS:
            check.fail("schedule", f"must be one of {list(self.LABELS)}", schedule)
        epochs = check.integer("epochs", epochs, minimum=1)
        steps_per_epoch = check.integer("steps_per_epoch", steps_per_epoch, minimum=1)
        if steps_per_epoch > 100:
            check.fail("steps_per_epoch", "must be an integer in [1, 100]", steps_per_epoch)
        super().__init__(
            labels=[[key, text] for key, text in self.LABELS.items()],
            uses={key: sorted(names) for key, names in self.USES.items()},
            epochs=epochs,
            schedule=schedule,
            steps_per_epoch=steps_per_epoch,
            # The warm-up leaves at least one epoch of cosine decay.
            warmup_epochs=min(1, epochs - 1),
        )

    @traitlets.validate("warmup_epochs")
    def _leave_an_epoch_of_decay(self, proposal):
        if not 0 <= proposal.value < self.epochs:
            check.fail(
                "warmup_epochs",
                f"must be an integer in [0, epochs - 1 = {self.epochs - 1}]",
                proposal.value,
            )
        return proposal.value

    def schedule_params(
        self,
        schedule,
        initial_lr,
        decay_rate,
        per,
        factor,
        step_size,
        final_fraction,
        warmup_epochs,
        steps_per_epoch,
    ):
        """(codegen name, params) for these control values (the page computes the same)."""
        lr, spe, n = _sig3(initial_lr), int(steps_per_epoch), self.epochs
        if schedule == "constant":
            return schedule, {"initial_learning_rate": lr}
        if schedule in ("time_based_decay", "exponential_decay"):
            return schedule, {
                "initial_learning_rate": lr,
                "decay_rate": _sig3(decay_rate),
                "steps_per_epoch": spe if per == "epoch" else None,
            }
        if schedule in ("step_decay", "piecewise_step_decay"):
            params = {
                "initial_learning_rate": lr,
                "factor": _sig3(factor),
                "step_size": int(step_size),
                "steps_per_epoch": spe,
            }
            if schedule == "piecewise_step_decay":
                params["epochs"] = n
            return schedule, params
        if schedule == "polynomial_decay":
            return schedule, {
                "initial_learning_rate": lr,
                "decay_steps": n * spe,
                "end_learning_rate": _sig3(lr * final_fraction),
                "power": 2.0,
            }
        if schedule == "cosine_decay":
            if warmup_epochs == 0:
                return schedule, {
                    "initial_learning_rate": lr,
                    "decay_steps": n * spe,
                    "alpha": _sig3(final_fraction),
                }
            return schedule, {
                "initial_learning_rate": 0.0,
                "decay_steps": (n - warmup_epochs) * spe,
                "alpha": _sig3(final_fraction),
                "warmup_target": lr,
                "warmup_steps": int(warmup_epochs) * spe,
            }
        return schedule, {
            "initial_learning_rate": lr,
            "first_decay_steps": int(step_size) * spe,
            "t_mul": 2.0,
            "m_mul": _sig3(factor),
            "alpha": _sig3(final_fraction),
        }

    @property
    def settings(self):
        """The controls' values, by the names `schedule_params` takes."""
        return {name: getattr(self, name) for name in self.SETTINGS}

    @property
    def name(self):
        return self.schedule_params(**self.settings)[0]

    @property
    def params(self):
        return self.schedule_params(**self.settings)[1]

    @property
    def code(self):
        """The Keras code the page shows for the current settings (`lrlab.codegen.keras_code`)."""
        return codegen.keras_code(self.name, **self.params)

    @property
    def steps(self):
        return np.arange(self.epochs * self.steps_per_epoch)

    @property
    def curve(self):
        """The LR at every step, as the page draws it (`lrlab.codegen.numpy_curve`)."""
        return codegen.numpy_curve(self.name, self.steps, **self.params)

    @property
    def epoch_lrs(self):
        return self.curve[:: self.steps_per_epoch]
