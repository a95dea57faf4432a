"""Lesson 03's explorer: gradient descent with momentum on the two-curvature bowl."""

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from lrlab import landscapes
from lrlab.explorers.figure import Explorer, _lr_slider


class BowlExplorer2D(Explorer):
    """Gradient descent, with or without momentum, on the ill-conditioned bowl
    L(w) = c₁/2·w₁² + c₂/2·w₂² (lesson 03).

    Controls: the learning rate (log scale) and the momentum β (Keras `SGD(momentum=β)`).
    Left: contours with the path of iterates. Right: the loss per step (log scale). The status
    line names the regime with `lrlab.landscapes.descent_regime` (too slow, converges smoothly,
    converges with overshoot, bounces forever, diverges) and describes both panels in words.
    NumPy only, so a refresh takes a few ms.
    """

    def __init__(self, curvatures=(1.0, 20.0), lr=0.05, x0=(-4.0, 1.5), steps=40, momentum=0.0):
        self.curvatures = np.asarray(curvatures, dtype=float)
        if self.curvatures.shape != (2,):
            raise ValueError(
                f"Argument `curvatures` must hold 2 curvatures. Received: curvatures={curvatures!r}"
            )
        self.x0 = np.asarray(x0, dtype=float)
        self.steps = steps
        limit = landscapes.stability_limit(self.curvatures)
        controls = {
            "lr": _lr_slider(lr, limit / 100, limit * 3),
            "momentum": widgets.FloatSlider(
                value=momentum,
                min=0.0,
                max=0.95,
                step=0.05,
                readout_format=".2f",
                description="momentum β",
                style={"description_width": "initial"},
            ),
        }
        figure = Figure(figsize=(9, 3.6), dpi=80, layout="constrained")
        self.ax_path, self.ax_loss = figure.subplots(1, 2)
        grid = np.linspace(-5, 5, 121)
        gx, gy = np.meshgrid(grid, grid)
        surface = landscapes.quadratic_loss(np.stack([gx, gy], axis=-1), self.curvatures)
        self.ax_path.contour(
            gx,
            gy,
            surface,
            levels=np.geomspace(0.05, surface.max(), 12),
            colors="0.7",
            linewidths=0.8,
        )
        self.ax_path.plot([0], [0], "k*", ms=9)
        (self.path_line,) = self.ax_path.plot([], [], "o-", color="#D55E00", ms=3, lw=1)
        c1, c2 = self.curvatures
        self.ax_path.set(
            xlim=(-5, 5),
            ylim=(-5, 5),
            aspect="equal",
            xlabel="weight w₁ (flat direction)",
            ylabel="weight w₂ (steep direction)",
            title=f"Path on L = {c1:g}/2·w₁² + {c2:g}/2·w₂²",
        )
        start = landscapes.quadratic_loss(self.x0, self.curvatures)
        (self.loss_line,) = self.ax_loss.semilogy([], [], "o-", color="#0072B2", ms=3)
        self.moving = (self.path_line, self.loss_line)
        self.ax_loss.set(
            xlim=(0, steps),
            ylim=(1e-6, start * 1e4),
            xlabel="step t",
            ylabel="loss L(w_t) (log scale)",
            title="Loss per step",
        )
        super().__init__(controls, figure)

    def _direction(self, i, root):
        """One direction of the path in words, from its dominant eigenvalue."""
        name = ("w₁ (flat", "w₂ (steep")[i] + f", c{'₁₂'[i]} = {self.curvatures[i]:g})"
        rate = abs(root)
        if rate == 0:
            return f"{name} lands on the minimum in one step"
        if root.imag == 0 and root.real > 0:
            how = "approaches the minimum from one side"
        elif root.imag == 0:
            how = "crosses the minimum every step (zig-zag)"
        else:
            how = f"swings past the minimum and back, crossing it about every {np.pi / np.angle(root):.0f} steps"
        change = (
            f"shrinking ×{rate:.3f} per step"
            if rate < 1
            else "neither shrinking nor growing"
            if rate == 1
            else f"growing ×{rate:.3f} per step"
        )
        return f"{name} {how}, {change}"

    def draw(self, lr, momentum):
        c, steps = self.curvatures, self.steps
        path = landscapes.heavy_ball_trajectory(self.x0, c, lr, steps, momentum=momentum)
        with np.errstate(over="ignore", invalid="ignore"):
            losses = landscapes.quadratic_loss(path, c)
        self.path_line.set_data(np.clip(path[:, 0], -6, 6), np.clip(path[:, 1], -6, 6))
        self.loss_line.set_data(
            np.arange(steps + 1), np.clip(np.nan_to_num(losses, nan=1e30), 1e-12, 1e30)
        )
        regime = landscapes.descent_regime(c, lr, momentum)
        roots = landscapes.dominant_eigenvalue(c, lr, momentum)
        limit = landscapes.stability_limit(c, momentum)
        needed = landscapes.steps_to_shrink(float(np.abs(roots).max()))
        best = landscapes.steps_to_shrink(landscapes.fastest_rate(c, momentum))
        settings = (
            f"lr = {lr:.3g}, momentum β = {momentum:.2f} (effective lr α/(1−β) = "
            f"{landscapes.effective_learning_rate(lr, momentum):.3g}; stability limit 2(1+β)/max c = {limit:.3g})"
        )
        return (
            f"<b>{regime}</b> at {settings}. {self._describe_path(path)} "
            f"{'; '.join(self._direction(i, r) for i, r in enumerate(roots))}. {self._describe_loss(losses)} "
            f"{self._describe_speed(needed, best, momentum)}"
        )

    def _describe_path(self, path):
        start, steps = np.linalg.norm(path[0]), self.steps
        with np.errstate(over="ignore", invalid="ignore"):
            outside = np.flatnonzero(~(np.abs(path).max(axis=1) <= 5))
        if outside.size:
            return (
                f"Path (left): from ({path[0, 0]:g}, {path[0, 1]:g}), it leaves the picture at step "
                f"{outside[0]}."
            )
        end = np.linalg.norm(path[-1])
        closer = (
            f"{start / end:.3g}× closer to the minimum"
            if end < start
            else f"{end / start:.3g}× farther from the minimum"
        )
        return (
            f"Path (left): from ({path[0, 0]:g}, {path[0, 1]:g}) to ({path[-1, 0]:.2g}, {path[-1, 1]:.2g}) "
            f"after {steps} steps, {closer}:"
        )

    @staticmethod
    def _describe_loss(losses):
        finite = np.isfinite(losses)
        if not finite.all():
            return f"Loss (right, log scale): from {losses[0]:.3g}, it overflows at step {np.argmin(finite)}."
        changes = np.diff(losses)
        rises = int(np.sum(changes > 0))
        trend = (
            "falling at every step"
            if rises == 0
            else f"falling overall but rising at {rises} of {len(changes)} steps"
            if losses[-1] < losses[0]
            else "growing"
        )
        return f"Loss (right, log scale): from {losses[0]:.3g} to {losses[-1]:.3g}, {trend}."

    @staticmethod
    def _describe_speed(needed, best, momentum):
        best_text = f"the best lr for this bowl at momentum {momentum:.2f} needs about {best:.0f}"
        if not np.isfinite(needed):
            return f"It never gets 100× closer; {best_text}."
        ratio = f" ({needed / best:.1f} times as many)" if needed > best * 1.05 else ""
        return f"Speed: about {needed:.0f} steps to shrink the path 100×{ratio}; {best_text}."
