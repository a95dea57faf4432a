"""Lesson 03's explorer: gradient descent with momentum on the two-curvature bowl (the page
computes the heavy-ball path, the eigenvalues and the regime)."""

import numpy as np
import traitlets

from lrlab import _validation as check
from lrlab import landscapes
from lrlab.explorers import Explorer


class BowlExplorer2D(Explorer, module="bowl_2d.js"):
    """Gradient descent, with or without momentum, on the ill-conditioned bowl
    L(w) = c₁/2·w₁² + c₂/2·w₂² (lesson 03).

    Controls: the learning rate (log scale, from 1/100 of the stability limit 2/max c to 3 times
    it) and the momentum β (Keras `SGD(momentum=β)`, 0 to 0.95). Left: contours with the path of
    iterates. Right: the loss per step (log scale). The status line names the regime as
    `lrlab.landscapes.descent_regime` does (too slow, converges smoothly, converges with
    overshoot, bounces forever, diverges) and describes both panels in words. The page recomputes
    all of it (`bowl_2d.js`, the same formulas as `lrlab.landscapes`) on every drag.

    Args:
        curvatures: (c₁, c₂), both > 0: the flat and the steep direction's curvature.
        lr: the learning rate shown first (kept within the slider's range, as a slider does).
        x0: the start point (w₁, w₂), two finite numbers.
        steps: the number of steps drawn, an int >= 1.
        momentum: β in [0, 1) shown first (kept within the slider's 0 to 0.95).

    Raises:
        ValueError: naming the argument and the value received.
    """

    curvatures = traitlets.List(traitlets.Float()).tag(sync=True)
    x0 = traitlets.List(traitlets.Float()).tag(sync=True)
    steps = traitlets.Int().tag(sync=True)
    lr = traitlets.Float().tag(sync=True)
    momentum = traitlets.Float().tag(sync=True)
    lr_min = traitlets.Float().tag(sync=True)
    lr_max = traitlets.Float().tag(sync=True)
    momentum_max = traitlets.Float(0.95).tag(sync=True)

    def __init__(self, curvatures=(1.0, 20.0), lr=0.05, x0=(-4.0, 1.5), steps=40, momentum=0.0):
        c = _pair("curvatures", curvatures, "must hold 2 curvatures")
        if not np.all(np.isfinite(c) & (c > 0)):
            check.fail("curvatures", "must hold 2 finite curvatures > 0", curvatures)
        start = _pair("x0", x0, "must hold 2 numbers (w₁, w₂)")
        if not np.all(np.isfinite(start)):
            check.fail("x0", "must hold 2 finite numbers (w₁, w₂)", x0)
        lr = check.positive("lr", lr)
        steps = check.integer("steps", steps, minimum=1)
        momentum = check.number("momentum", momentum)
        if not 0 <= momentum < 1:
            check.fail("momentum", "must be in [0, 1)", momentum)
        limit = landscapes.stability_limit(c)
        low, high = limit / 100, limit * 3
        super().__init__(
            curvatures=c.tolist(),
            x0=start.tolist(),
            steps=steps,
            lr=min(max(lr, low), high),
            momentum=min(momentum, self.momentum_max),
            lr_min=low,
            lr_max=high,
        )


def _pair(name, value, requirement):
    """Two numbers as a float array, or the house-style ValueError naming `name`."""
    try:
        pair = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        check.fail(name, requirement, value)
    if isinstance(value, str) or pair.shape != (2,):
        check.fail(name, requirement, value)
    return pair
