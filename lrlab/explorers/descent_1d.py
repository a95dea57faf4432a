"""Lesson 01's explorer: gradient descent on f(x) = c/2·x² (the page computes the path)."""

import traitlets

from lrlab import _validation as check
from lrlab.explorers import Explorer


class DescentExplorer1D(Explorer, module="descent_1d.js"):
    """Gradient descent on f(x) = c/2·x²: drag the learning rate and the start point.

    Left: the loss curve with the path of iterates x_t = x₀·(1 − lr·c)^t. Right: |x_t| per step on
    a log scale, so slow convergence, overshoot and divergence are all visible at once. The status
    line names the regime from the factor 1 − lr·c.

    Args:
        curvature: c > 0, the bowl's curvature.
        lr: the learning rate shown first (the slider spans 0.01 to 3).
        x0: the start point shown first, in [-4, 4].
        steps: the number of steps drawn, an int >= 1.

    Raises:
        ValueError: naming the argument and the value received.
    """

    curvature = traitlets.Float().tag(sync=True)
    steps = traitlets.Int().tag(sync=True)
    lr = traitlets.Float().tag(sync=True)
    x0 = traitlets.Float().tag(sync=True)
    lr_min = traitlets.Float(1e-2).tag(sync=True)
    lr_max = traitlets.Float(3.0).tag(sync=True)

    def __init__(self, curvature=1.0, lr=0.3, x0=3.0, steps=20):
        curvature = check.positive("curvature", curvature)
        lr = check.positive("lr", lr)
        steps = check.integer("steps", steps, minimum=1)
        x0 = float(x0)
        if not -4 <= x0 <= 4:
            check.fail("x0", "must be a number in [-4, 4]", x0)
        super().__init__(curvature=curvature, steps=steps, lr=min(max(lr, 1e-2), 3.0), x0=x0)
