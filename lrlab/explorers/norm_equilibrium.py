"""Lesson 10's explorer: the norm and the effective learning rate of a normalized layer under SGD
with weight decay, step by step, and the equilibrium they settle at (the page computes them)."""

import traitlets

from lrlab import _validation as check
from lrlab.explorers import Explorer

LR_RANGE = (1e-3, 1.0)
WEIGHT_DECAY_RANGE = (1e-4, 0.3)  # with LR_RANGE: lr * wd <= 0.3, below the limit 1


class NormEquilibriumExplorer(Explorer, module="norm_equilibrium.js"):
    """The norm |w| of a scale-invariant layer and its effective learning rate α/|w|² under SGD
    with weight decay: drag α and λ (log scales).

    The page computes `lrlab.scale.norm_trajectory` (the model in which the gradient at unit
    norm keeps one size G) for the chosen α and λ and, in grey, for the same α without decay;
    the dashed lines are `lrlab.scale.equilibrium_norm` and the effective learning rate there.
    The status line says where they settle, how fast, and that every (α, λ) with the same
    product αλ settles at the same effective learning rate.

    Args:
        gradient_norm: G > 0, the gradient's size at unit norm.
        start_norm: |w_0| > 0.
        lr: the learning rate shown first (the slider spans 1e-3 to 1).
        weight_decay: the weight decay shown first (the slider spans 1e-4 to 0.3).
        steps: the number of SGD steps drawn, an int >= 1.

    Raises:
        ValueError: naming the argument and the value received.
    """

    gradient_norm = traitlets.Float().tag(sync=True)
    start_norm = traitlets.Float().tag(sync=True)
    steps = traitlets.Int().tag(sync=True)
    lr = traitlets.Float().tag(sync=True)
    weight_decay = traitlets.Float().tag(sync=True)
    lr_min = traitlets.Float(LR_RANGE[0]).tag(sync=True)
    lr_max = traitlets.Float(LR_RANGE[1]).tag(sync=True)
    wd_min = traitlets.Float(WEIGHT_DECAY_RANGE[0]).tag(sync=True)
    wd_max = traitlets.Float(WEIGHT_DECAY_RANGE[1]).tag(sync=True)

    def __init__(self, gradient_norm=5.0, start_norm=2.0, lr=0.1, weight_decay=0.1, steps=1000):
        super().__init__(
            gradient_norm=check.positive("gradient_norm", gradient_norm),
            start_norm=check.positive("start_norm", start_norm),
            steps=check.integer("steps", steps, minimum=1),
            # As a slider does, a value beyond its ends is shown at the end.
            lr=min(max(check.positive("lr", lr), LR_RANGE[0]), LR_RANGE[1]),
            weight_decay=min(
                max(check.positive("weight_decay", weight_decay), WEIGHT_DECAY_RANGE[0]),
                WEIGHT_DECAY_RANGE[1],
            ),
        )
