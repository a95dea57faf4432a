"""Cyclical learning rates and the one-cycle policy (with its momentum), as pure NumPy closed forms.

The cycles of lesson 07: each function maps the optimizer's step counter
(`optimizer.iterations`, 0 on the first batch) to a learning rate (or a momentum).
Scalar in -> Python float out, array in -> array of the same shape out, like
`lrlab.schedules` (where the decays and the warm-up + cosine live). The Keras callback that
applies `one_cycle` every batch is `lrlab.callbacks.OneCycleScheduler`; this module imports
no TensorFlow.

References: Leslie N. Smith, "Cyclical Learning Rates for Training Neural Networks" (2015)
for `triangular`; L. N. Smith, "A disciplined approach to neural network hyper-parameters"
(2018) and L. N. Smith and N. Topin, "Super-Convergence" (2017) for `one_cycle`, whose
parametrisation (`pct_start`, `div_factor`, `final_div_factor`, cosine annealing) follows the
one popularised by fastai and PyTorch's `OneCycleLR`.

Where lrlab's one-cycle convention differs from theirs (same names, other curves):
- the peak step: lrlab puts `max_lr` at step `pct_start * (total_steps - 1)`, so the last of
  the `total_steps` steps gets the final LR; PyTorch's `OneCycleLR` at `pct_start * total_steps
  - 1`; fastai's `fit_one_cycle` at `pct_start * n` (it reads the schedule at `step / n`, so its
  last step, `(n - 1) / n` of the way, stays just above the final LR);
- two phases only: PyTorch's `three_phase=True` (Smith's 1cycle: up to `max_lr`, back down to
  the start over as many steps, then an annihilation phase far below) is not offered;
- the defaults are PyTorch's (`pct_start=0.3`, `div_factor=25`, `final_div_factor=1e4`, final
  LR `max_lr / (div_factor * final_div_factor)`); fastai's are `pct_start=0.25` and
  `div_final=1e5` with final LR `max_lr / div_final`.
"""

import numpy as np

from lrlab import _validation as check

__all__ = ["triangular", "one_cycle", "one_cycle_momentum", "TRIANGULAR_MODES"]

TRIANGULAR_MODES = ("triangular", "triangular2", "exp_range")
_ANNEAL = ("cos", "linear")


def _out(values, is_scalar):
    return float(values) if is_scalar else values


def _anneal(start, end, fraction, how):
    """Go from `start` (fraction 0) to `end` (fraction 1), along a half cosine or a line."""
    weight = (1.0 - np.cos(np.pi * fraction)) / 2.0 if how == "cos" else fraction
    return (1.0 - weight) * start + weight * end  # exact at both ends


def _choice(name, value, options):
    if value not in options:
        check.fail(name, f"must be one of {options}", value)
    return value


def triangular(step, base_lr, max_lr, step_size, mode="triangular", gamma=1.0):
    """Smith's cyclical learning rate (CLR): the LR bounces between `base_lr` and `max_lr`.

    A cycle lasts `2 * step_size` steps: `step_size` steps up in a straight line, as many
    down. In mode "triangular2" each cycle's amplitude is half the previous one's; in
    "exp_range" the amplitude is multiplied by `gamma ** step`.

    ```
    cycle = floor(1 + step / (2 * step_size))
    x = abs(step / step_size - 2 * cycle + 1)
    lr = base_lr + (max_lr - base_lr) * max(0, 1 - x) * scale
    # scale: 1 ("triangular"), 1 / 2 ** (cycle - 1) ("triangular2"), gamma ** step ("exp_range")
    ```

    >>> [round(triangular(s, 0.01, 0.1, step_size=2), 3) for s in range(6)]
    [0.01, 0.055, 0.1, 0.055, 0.01, 0.055]

    Args:
        step: A non-negative number or array: the optimizer step, starting at 0.
        base_lr: A Python float. Must be positive: the LR at the bottom of every cycle.
        max_lr: A Python float. Must be >= `base_lr`: the LR at the top of the first cycle.
        step_size: A Python number. Must be positive: the steps in half a cycle.
        mode: One of `TRIANGULAR_MODES`.
        gamma: A Python float in (0, 1]: the per-step amplitude factor of "exp_range".

    Returns:
        The learning rate, a float or an array shaped like `step`.

    Raises:
        ValueError: for a bad argument (the message names it).
    """
    steps, is_scalar = check.counter("step", step)
    base = check.positive("base_lr", base_lr)
    top = check.positive("max_lr", max_lr)
    if top < base:
        check.fail("max_lr", f"must be >= base_lr={base!r}", max_lr)
    half = check.positive("step_size", step_size)
    _choice("mode", mode, TRIANGULAR_MODES)
    gamma = check.fraction("gamma", gamma)
    cycle = np.floor(1 + steps / (2 * half))
    x = np.abs(steps / half - 2 * cycle + 1)
    if mode == "triangular":
        scale = 1.0
    elif mode == "triangular2":
        scale = 1.0 / 2.0 ** (cycle - 1)
    else:
        scale = gamma**steps
    return _out(base + (top - base) * np.maximum(0.0, 1 - x) * scale, is_scalar)


def _one_cycle_phase(step, total_steps, pct_start):
    """(fraction of the phase done, in_warmup) for each step; the peak is at pct_start*(total-1)."""
    steps, is_scalar = check.counter("step", step)
    total = check.integer("total_steps", total_steps, minimum=2)
    pct = check.number("pct_start", pct_start)
    if not 0 < pct < 1:
        check.fail("pct_start", "must be in (0, 1)", pct_start)
    last = total - 1
    peak = pct * last
    clipped = np.minimum(steps, last)
    warming = clipped < peak
    up = clipped / peak
    down = (clipped - peak) / (last - peak)
    return np.where(warming, up, down), warming, is_scalar


def one_cycle(
    step, total_steps, max_lr, pct_start=0.3, div_factor=25.0, final_div_factor=1e4, anneal="cos"
):
    """The one-cycle policy: one climb from a low LR to `max_lr`, then a long descent far below.

    The climb takes the first `pct_start` of training and acts as a warm-up; the high LR in the
    middle explores (and regularises); the descent to a tiny LR at the end converges. Step
    `total_steps - 1` is the last step of the cycle; later steps keep the final LR.

    ```
    initial_lr = max_lr / div_factor
    final_lr = initial_lr / final_div_factor
    peak = pct_start * (total_steps - 1)          # the step where lr == max_lr
    if step < peak:  lr = anneal(initial_lr, max_lr, step / peak)
    else:            lr = anneal(max_lr, final_lr, (step - peak) / (total_steps - 1 - peak))
    # anneal(a, b, f) = b + (a - b) / 2 * (1 + cos(pi * f))  ("cos"), or a + (b - a) * f ("linear")
    ```

    >>> one_cycle(0, 101, 0.4), one_cycle(30, 101, 0.4), one_cycle(100, 101, 0.4)
    (0.016, 0.4, 1.6e-06)

    The peak step, by convention (module docstring), for 100 steps and `pct_start=0.3`:

    >>> total, pct = 100, 0.3
    >>> lrlab, pytorch, fastai = pct * (total - 1), pct * total - 1, pct * total
    >>> round(lrlab, 6), round(pytorch, 6), round(fastai, 6)
    (29.7, 29.0, 30.0)

    Args:
        step: A non-negative number or array: the optimizer step, starting at 0.
        total_steps: A Python int >= 2: the steps in the whole cycle (epochs * steps_per_epoch).
        max_lr: A Python float. Must be positive: the peak LR (read it off a range test).
        pct_start: A Python float in (0, 1): the share of the cycle spent climbing.
        div_factor: A Python float >= 1: `max_lr / initial_lr`.
        final_div_factor: A Python float >= 1: `initial_lr / final_lr`.
        anneal: "cos" (half-cosine ramps, the default) or "linear" (two straight ramps, as
            PyTorch's `anneal_strategy="linear"`; Smith's 1cycle adds a third phase).

    Returns:
        The learning rate, a float or an array shaped like `step`.

    Raises:
        ValueError: for a bad argument (the message names it).
    """
    fraction, warming, is_scalar = _one_cycle_phase(step, total_steps, pct_start)
    top = check.positive("max_lr", max_lr)
    div = check.number("div_factor", div_factor)
    if div < 1:
        check.fail("div_factor", "must be >= 1", div_factor)
    final_div = check.number("final_div_factor", final_div_factor)
    if final_div < 1:
        check.fail("final_div_factor", "must be >= 1", final_div_factor)
    how = _choice("anneal", anneal, _ANNEAL)
    initial = top / div
    final = initial / final_div
    lr = np.where(warming, _anneal(initial, top, fraction, how), _anneal(top, final, fraction, how))
    return _out(lr, is_scalar)


def one_cycle_momentum(
    step, total_steps, base_momentum=0.85, max_momentum=0.95, pct_start=0.3, anneal="cos"
):
    """The momentum that goes with `one_cycle`: high when the LR is low, low when it is high.

    It moves opposite to the LR on the same phases: from `max_momentum` down to
    `base_momentum` while the LR climbs, and back up while it descends. Use it for SGD's
    `momentum` or Adam's `beta_1`.

    ```
    if step < peak:  momentum = anneal(max_momentum, base_momentum, step / peak)
    else:            momentum = anneal(base_momentum, max_momentum, (step - peak) / (total_steps - 1 - peak))
    ```

    >>> one_cycle_momentum(0, 101), one_cycle_momentum(30, 101), one_cycle_momentum(100, 101)
    (0.95, 0.85, 0.95)

    Args:
        step: A non-negative number or array: the optimizer step, starting at 0.
        total_steps: A Python int >= 2, as for `one_cycle`.
        base_momentum: A Python float in [0, 1): the momentum at the LR's peak.
        max_momentum: A Python float in [base_momentum, 1): the momentum at both ends.
        pct_start: A Python float in (0, 1), as for `one_cycle`.
        anneal: "cos" or "linear", as for `one_cycle`.

    Returns:
        The momentum, a float or an array shaped like `step`.

    Raises:
        ValueError: for a bad argument (the message names it).
    """
    fraction, warming, is_scalar = _one_cycle_phase(step, total_steps, pct_start)
    low = check.non_negative("base_momentum", base_momentum)
    if low >= 1:
        check.fail("base_momentum", "must be in [0, 1)", base_momentum)
    high = check.number("max_momentum", max_momentum)
    if not low <= high < 1:
        check.fail("max_momentum", f"must be in [base_momentum={low!r}, 1)", max_momentum)
    how = _choice("anneal", anneal, _ANNEAL)
    momentum = np.where(
        warming, _anneal(high, low, fraction, how), _anneal(low, high, fraction, how)
    )
    return _out(momentum, is_scalar)
