"""Lesson 05's explorer: a Keras schedule, its curve and the Keras code that builds it."""

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from lrlab.explorers.figure import Explorer, _lr_slider


def _sig3(value):
    """A slider value rounded to 3 significant digits, so the generated code stays readable."""
    return float(f"{value:.3g}")


class ScheduleExplorer(Explorer):
    """Pick a Keras schedule and its parameters; see its LR per step and per epoch, and the
    exact Keras code that builds it (lesson 05).

    The curve is `lrlab.codegen.numpy_curve`; the code is `lrlab.codegen.keras_code`, executed
    on every refresh and compared with the plotted curve, so what the status line shows is
    verified. Controls a schedule does not use are disabled. Needs Keras (already imported
    by the lesson); everything else is NumPy.

    Attributes after each refresh: `name`, `params`, `code`, `steps`, `curve` (LR per step),
    `epoch_lrs` (LR of each epoch's first step), `error` (max |Keras - NumPy| / peak LR over
    `checked_steps`).
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

    def __init__(self, schedule="exponential_decay", epochs=20, steps_per_epoch=20):
        from lrlab import codegen

        self._codegen = codegen
        self.epochs = epochs
        wide = {"style": {"description_width": "initial"}, "layout": widgets.Layout(width="300px")}
        controls = {
            "schedule": widgets.Dropdown(
                options=[(v, k) for k, v in self.LABELS.items()],
                value=schedule,
                description="schedule",
                **wide,
            ),
            "initial_lr": _lr_slider(0.1, 1e-3, 1.0, "initial LR"),
            "decay_rate": widgets.FloatLogSlider(
                value=0.01,
                base=10,
                min=-4,
                max=0,
                step=0.05,
                description="decay rate k",
                readout_format=".3g",
                **wide,
            ),
            "per": widgets.ToggleButtons(
                options=["step", "epoch"],
                value="step",
                description="t counts",
                style={"description_width": "initial", "button_width": "60px"},
            ),
            "factor": widgets.FloatSlider(
                value=0.5, min=0.05, max=1.0, step=0.05, description="factor", **wide
            ),
            "step_size": widgets.IntSlider(
                value=5, min=1, max=10, description="step size (epochs)", **wide
            ),
            "final_fraction": widgets.FloatLogSlider(
                value=0.01,
                base=10,
                min=-3,
                max=0,
                step=0.1,
                description="final LR / initial",
                readout_format=".3g",
                **wide,
            ),
            "warmup_epochs": widgets.IntSlider(
                value=1, min=0, max=5, description="warm-up epochs", **wide
            ),
            "steps_per_epoch": widgets.IntSlider(
                value=steps_per_epoch, min=1, max=100, description="steps per epoch", **wide
            ),
        }
        figure = Figure(figsize=(8, 3.6), dpi=80, layout="constrained")
        self.ax = figure.subplots()
        (self.step_line,) = self.ax.plot([], [], lw=1.5, label="per step (schedule object)")
        (self.epoch_line,) = self.ax.plot(
            [], [], "o", ms=4, label="each epoch's first step (what history logs)"
        )
        self.moving = (self.step_line, self.epoch_line)
        self.ax.set(
            xlim=(0, epochs),
            ylim=(1e-5, 2.0),
            yscale="log",
            xlabel="epoch (step / steps per epoch)",
            ylabel="learning rate (log scale)",
            title="Learning rate at every optimizer step",
        )
        self.ax.legend(loc="lower left")
        super().__init__(controls, figure)

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
        """(codegen name, params) for these control values."""
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

    def draw(self, **values):
        import html

        codegen = self._codegen
        for key, control in self.controls.items():
            if key not in ("schedule", "steps_per_epoch"):
                control.disabled = key not in self.USES[values["schedule"]]
        self.name, self.params = self.schedule_params(**values)
        spe = int(values["steps_per_epoch"])
        self.steps = np.arange(self.epochs * spe)
        self.curve = codegen.numpy_curve(self.name, self.steps, **self.params)
        self.epoch_lrs = self.curve[::spe]
        self.step_line.set_data(self.steps / spe, self.curve)
        self.epoch_line.set_data(np.arange(self.epochs), self.epoch_lrs)
        self.code = codegen.keras_code(self.name, **self.params)
        learning_rate = codegen.build(self.name, **self.params)
        self.checked_steps = self.steps
        if self.params.get("warmup_target") is not None:
            # CosineDecay with warm-up takes one scalar step per call: check the telling steps.
            w = self.params["warmup_steps"]
            picks = np.r_[
                0, 1, w - 1, w, w + 1, self.steps[:: max(len(self.steps) // 10, 1)], self.steps[-1]
            ]
            self.checked_steps = np.unique(np.clip(picks, 0, self.steps[-1]))
        got = codegen.keras_values(learning_rate, self.checked_steps)
        expected = self.curve[self.checked_steps]
        self.error = float(np.max(np.abs(got - expected)) / (np.max(np.abs(expected)) or 1.0))
        verdict = "matches" if self.error <= 1e-6 else "<b>does not match</b>"
        return (
            f"<b>{self.LABELS[self.name]}</b>: LR {self.curve[0]:.3g} at step 0, {self.curve[-1]:.3g} at the "
            f"last step ({len(self.steps)} steps = {self.epochs} epochs × {spe}). This Keras code was run and "
            f"{verdict} the curve at {len(self.checked_steps)} steps (max error {self.error:.1e} of the peak LR):"
            f"<pre>{html.escape(self.code)}</pre>"
        )
