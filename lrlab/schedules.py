"""Learning-rate schedules as pure NumPy formulas: one source of truth, one home each.

Each function maps a counter to a learning rate. Scalar in -> Python float out, array in ->
array of the same shape out, so the same function drives a plot, a
`keras.callbacks.LearningRateScheduler` and the exercise checkers. The four classic ones
(constant, time-based, step, exponential) come first; then the closed forms of the other Keras
built-ins (`PolynomialDecay`, `CosineDecay` with its warm-up, `CosineDecayRestarts`), the
linear warm-up and warmup-stable-decay (WSD). Every function takes the counter first, then
`initial_lr`. The Keras objects
that reproduce them step for step are in `lrlab.keras_schedules` and `lrlab.codegen`; the
cycles (triangular, one-cycle) are in `lrlab.cyclical`.

What the counters count (the seed notes get this wrong, see notebook 05):
- `step` is the optimizer's step (batch) counter, `optimizer.iterations`, starting at 0.
- `epoch` is the epoch index Keras passes to `LearningRateScheduler`, starting at 0.
"""

import numpy as np

from lrlab import _validation as check

__all__ = [
    "constant",
    "time_based_decay",
    "step_decay",
    "exponential_decay",
    "polynomial_decay",
    "linear_warmup",
    "cosine_decay",
    "cosine_decay_restarts",
    "warmup_stable_decay",
]


def _out(values, is_scalar):
    return float(values) if is_scalar else values


def constant(step, initial_lr):
    """The baseline: the learning rate never changes.

    ```
    lr = initial_lr
    ```

    Args:
        step: A non-negative number or array: the optimizer step (only its shape matters).
        initial_lr: A Python float. Must be positive.

    Returns:
        `initial_lr`, as a float or an array shaped like `step`.

    >>> constant(10, 0.1)
    0.1
    """
    steps, is_scalar = check.counter("step", step)
    lr = check.positive("initial_lr", initial_lr)
    return _out(np.full_like(steps, lr), is_scalar)


def time_based_decay(step, initial_lr, decay_rate):
    """Time-based (inverse-time) decay, counted in optimizer steps.

    ```
    lr = initial_lr / (1 + decay_rate * step)
    ```

    Keras 2's `SGD(decay=k)` applied this per batch; Keras 3 ignores `decay=`, and
    `keras.optimizers.schedules.InverseTimeDecay(initial_lr, 1, decay_rate)` is the replacement.

    Args:
        step: A non-negative number or array: the optimizer step, starting at 0.
        initial_lr: A Python float. Must be positive.
        decay_rate: A Python float `k`. Must be >= 0.

    Returns:
        The learning rate, as a float or an array shaped like `step`.

    >>> time_based_decay(0, 0.1, 0.5)
    0.1
    >>> time_based_decay(2, 0.1, 0.5)
    0.05
    """
    steps, is_scalar = check.counter("step", step)
    lr = check.positive("initial_lr", initial_lr)
    k = check.non_negative("decay_rate", decay_rate)
    return _out(lr / (1.0 + k * steps), is_scalar)


def step_decay(epoch, initial_lr, factor, step_size):
    """Step decay: multiply the learning rate by `factor` every `step_size` epochs.

    ```
    lr = initial_lr * factor ** floor(epoch / step_size)
    ```

    Args:
        epoch: A non-negative number or array: the epoch index, starting at 0.
        initial_lr: A Python float. Must be positive.
        factor: A Python float in (0, 1]: the multiplier applied at each drop.
        step_size: A Python int >= 1: how many epochs between drops.

    Returns:
        The learning rate, as a float or an array shaped like `epoch`.

    >>> step_decay(9, 0.1, 0.5, 10)
    0.1
    >>> step_decay(10, 0.1, 0.5, 10)
    0.05
    """
    epochs, is_scalar = check.counter("epoch", epoch)
    lr = check.positive("initial_lr", initial_lr)
    f = check.fraction("factor", factor)
    size = check.integer("step_size", step_size, minimum=1)
    return _out(lr * f ** np.floor(epochs / size), is_scalar)


def exponential_decay(step, initial_lr, decay_rate):
    """Exponential decay with rate `k` per optimizer step.

    ```
    lr = initial_lr * exp(-decay_rate * step)
    ```

    Args:
        step: A non-negative number or array: the optimizer step, starting at 0.
        initial_lr: A Python float. Must be positive.
        decay_rate: A Python float `k`. Must be >= 0.

    Returns:
        The learning rate, as a float or an array shaped like `step`.

    >>> round(exponential_decay(10, 0.1, 0.1), 6)
    0.036788
    """
    steps, is_scalar = check.counter("step", step)
    lr = check.positive("initial_lr", initial_lr)
    k = check.non_negative("decay_rate", decay_rate)
    return _out(lr * np.exp(-k * steps), is_scalar)


def polynomial_decay(step, initial_lr, decay_steps, end_lr=0.0001, power=1.0):
    """Polynomial decay from `initial_lr` to `end_lr` over `decay_steps` steps, then flat.

    The closed form of `keras.optimizers.schedules.PolynomialDecay(initial_lr, decay_steps,
    end_lr, power)` (with its default `cycle=False`). `power=1` is a straight line.

    ```
    done = min(step, decay_steps) / decay_steps
    lr = (initial_lr - end_lr) * (1 - done) ** power + end_lr
    ```

    >>> polynomial_decay([0, 50, 100, 200], 0.1, 100, end_lr=0.0, power=2.0).round(6).tolist()
    [0.1, 0.025, 0.0, 0.0]

    Args:
        step: A non-negative number or array: the optimizer step, starting at 0.
        initial_lr: A Python float. Must be positive.
        decay_steps: A Python int >= 1: the steps from `initial_lr` to `end_lr`.
        end_lr: A Python float >= 0: the LR at step `decay_steps` and after.
        power: A Python float. Must be positive: the curve's exponent.

    Returns:
        The learning rate, as a float or an array shaped like `step`.

    Raises:
        ValueError: for a bad argument (the message names it).
    """
    steps, is_scalar = check.counter("step", step)
    lr = check.positive("initial_lr", initial_lr)
    n = check.integer("decay_steps", decay_steps, minimum=1)
    end = check.non_negative("end_lr", end_lr)
    p = check.positive("power", power)
    done = np.minimum(steps, n) / n
    return _out((lr - end) * (1 - done) ** p + end, is_scalar)


def _ramp(steps, start, target, n):
    """The warm-up ramp, shared by `linear_warmup` and `cosine_decay`."""
    return start + (target - start) * np.minimum(steps, n) / n


def linear_warmup(step, initial_lr, warmup_target, warmup_steps):
    """Linear warm-up: climb from `initial_lr` to `warmup_target` over `warmup_steps`, then stay.

    The target is reached exactly at step `warmup_steps` (not one step earlier).
    `lrlab.keras_schedules.LinearWarmup` puts this ramp in front of any Keras schedule.

    ```
    lr = initial_lr + (warmup_target - initial_lr) * min(step, warmup_steps) / warmup_steps
    ```

    >>> linear_warmup([0, 5, 10, 20], 0.0, 0.1, 10).round(6).tolist()
    [0.0, 0.05, 0.1, 0.1]

    Args:
        step: A non-negative number or array: the optimizer step, starting at 0.
        initial_lr: A Python float >= 0: the LR at step 0.
        warmup_target: A Python float. Must be positive: the LR at the end of the warm-up.
        warmup_steps: A Python int >= 1: the length of the warm-up, in steps.

    Returns:
        The learning rate, as a float or an array shaped like `step`.

    Raises:
        ValueError: for a bad argument (the message names it).
    """
    steps, is_scalar = check.counter("step", step)
    start = check.non_negative("initial_lr", initial_lr)
    target = check.positive("warmup_target", warmup_target)
    n = check.integer("warmup_steps", warmup_steps, minimum=1)
    return _out(_ramp(steps, start, target, n), is_scalar)


def _alpha(value):
    a = check.number("alpha", value)
    if not 0 <= a <= 1:
        check.fail("alpha", "must be in [0, 1]", value)
    return a


def _half_cosine(fraction, alpha, amplitude=1.0):
    """Keras's cosine factor: from `(1 - alpha) * amplitude + alpha` at 0 down to `alpha` at 1."""
    return (1 - alpha) * (0.5 * amplitude * (1 + np.cos(np.pi * fraction))) + alpha


def cosine_decay(step, initial_lr, decay_steps, alpha=0.0, warmup_target=None, warmup_steps=0):
    """Cosine decay, with an optional linear warm-up: the closed form of Keras's `CosineDecay`.

    `keras.optimizers.schedules.CosineDecay(initial_lr, decay_steps, alpha,
    warmup_target=warmup_target, warmup_steps=warmup_steps)` computes the same values. Without
    `warmup_target` the cosine starts at `initial_lr`. With it, the LR first climbs linearly
    from `initial_lr` to `warmup_target` (the ramp of `linear_warmup`), and the decay lasts
    `decay_steps` *after* the warm-up: the schedule ends at step `warmup_steps + decay_steps`.

    ```
    peak = initial_lr if warmup_target is None else warmup_target
    if step < warmup_steps:
        lr = initial_lr + (warmup_target - initial_lr) * step / warmup_steps
    else:
        t = min(step - warmup_steps, decay_steps)
        lr = peak * ((1 - alpha) * 0.5 * (1 + cos(pi * t / decay_steps)) + alpha)
    ```

    >>> [round(cosine_decay(s, 0.0, 4, warmup_target=0.1, warmup_steps=2), 4) for s in range(7)]
    [0.0, 0.05, 0.1, 0.0854, 0.05, 0.0146, 0.0]
    >>> cosine_decay([0, 50, 100, 150], 0.1, 100, alpha=0.1).round(6).tolist()
    [0.1, 0.055, 0.01, 0.01]

    Args:
        step: A non-negative number or array: the optimizer step, starting at 0.
        initial_lr: A Python float: the LR at step 0. Must be positive without warm-up, >= 0 with it.
        decay_steps: A Python int >= 1: the length of the cosine decay.
        alpha: A Python float in [0, 1]: the final LR as a fraction of the peak.
        warmup_target: None (no warm-up) or a positive Python float: the LR reached at the end
            of the warm-up, where the cosine starts.
        warmup_steps: A Python int >= 0: the length of the linear warm-up (ignored without
            `warmup_target`, as in Keras).

    Returns:
        The learning rate, as a float or an array shaped like `step`.

    Raises:
        ValueError: for a bad argument (the message names it).
    """
    steps, is_scalar = check.counter("step", step)
    n = check.integer("decay_steps", decay_steps, minimum=1)
    a = _alpha(alpha)
    w = check.integer("warmup_steps", warmup_steps, minimum=0)
    if warmup_target is None:  # no warm-up: the cosine starts at the initial LR
        start = peak = check.positive("initial_lr", initial_lr)
        w = 0
    else:
        start = check.non_negative("initial_lr", initial_lr)
        peak = check.positive("warmup_target", warmup_target)
    t = np.minimum(np.maximum(steps - w, 0.0), n)
    lr = peak * _half_cosine(t / n, a)
    if w:
        lr = np.where(steps < w, _ramp(steps, start, peak, w), lr)
    return _out(lr, is_scalar)


def cosine_decay_restarts(step, initial_lr, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0):
    """Cosine decay with warm restarts (SGDR): the closed form of Keras's `CosineDecayRestarts`.

    Each cycle is a cosine decay that jumps back up when it ends; cycle `i` (from 0) lasts
    `first_decay_steps * t_mul ** i` steps and starts at `m_mul ** i` times the first peak.
    Loshchilov and Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts" (2016).

    ```
    done = step / first_decay_steps                  # in first cycles' lengths
    if t_mul == 1:
        i = floor(done); done = done - i
    else:                                            # cycle lengths 1, t_mul, t_mul**2, ...
        i = floor(log(1 - done * (1 - t_mul)) / log(t_mul))   # then corrected for rounding
        done = (done - (1 - t_mul**i) / (1 - t_mul)) / t_mul**i
    lr = initial_lr * ((1 - alpha) * 0.5 * m_mul**i * (1 + cos(pi * done)) + alpha)
    ```

    >>> cosine_decay_restarts([0, 5, 10, 20, 30], 0.1, 10, t_mul=2.0, m_mul=0.5).round(6).tolist()
    [0.1, 0.05, 0.05, 0.025, 0.025]

    The restarts never stop, as in Keras (and PyTorch's `CosineAnnealingWarmRestarts`): with
    cycles of 10, 20, 40, ... steps, steps 10, 30, 70 and 1270 all start a cycle at the peak.
    timm's `CosineLRScheduler` differs: after `cycle_limit` cycles (default 1: no restart at
    all) it holds its floor `lr_min`, an absolute LR where `alpha` is a fraction of
    `initial_lr`; its `cycle_mul` and `cycle_decay` are `t_mul` and `m_mul`.

    >>> cosine_decay_restarts([9, 10, 1269, 1270], 0.1, 10, t_mul=2.0, alpha=0.1).round(4).tolist()
    [0.0122, 0.1, 0.01, 0.1]

    Args:
        step: A non-negative number or array: the optimizer step, starting at 0.
        initial_lr: A Python float. Must be positive: the LR at step 0.
        first_decay_steps: A Python int >= 1: the length of the first cycle.
        t_mul: A Python float. Must be positive: each cycle is `t_mul` times longer than the last.
        m_mul: A Python float. Must be positive: each restart's peak is `m_mul` times the last.
        alpha: A Python float in [0, 1]: the floor, as a fraction of `initial_lr`.

    Returns:
        The learning rate, as a float or an array shaped like `step`.

    Raises:
        ValueError: for a bad argument (the message names it).
    """
    steps, is_scalar = check.counter("step", step)
    lr = check.positive("initial_lr", initial_lr)
    n = check.integer("first_decay_steps", first_decay_steps, minimum=1)
    t = check.positive("t_mul", t_mul)
    m = check.positive("m_mul", m_mul)
    a = _alpha(alpha)
    done = steps / n
    if t == 1.0:
        restart = np.floor(done)
        done = done - restart
    else:
        restart = np.floor(np.log(1 - done * (1 - t)) / np.log(t))
        # At a cycle's first step the logarithm can land just below the whole number (t_mul=3 at
        # step 121, t_mul=10 at 111): settle on the cycle whose [start, next start) holds the step.
        start = lambda i: (1 - t**i) / (1 - t)  # in first cycles' lengths
        restart = np.where(done >= start(restart + 1), restart + 1, restart)
        restart = np.where(done < start(restart), restart - 1, restart)
        done = (done - start(restart)) / t**restart
    return _out(lr * _half_cosine(done, a, m**restart), is_scalar)


def warmup_stable_decay(step, peak_lr, warmup_steps, stable_steps, decay_steps):
    """Warmup-stable-decay (WSD): a linear warm-up from 0, a flat peak, a linear cooldown to 0.

    The stable phase does not depend on the training budget, so runs of several lengths can
    share it and each branch off with its own short cooldown (Hu et al. 2024; Hägele et al.,
    NeurIPS 2024). The warm-up is `linear_warmup`'s ramp from 0; the peak is reached exactly at
    step W, held until step W + S, and the LR is 0 from step W + S + D on.
    `lrlab.keras_schedules.WarmupStableDecay` is the same curve as a saveable Keras schedule.

    ```
    W, S, D = warmup_steps, stable_steps, decay_steps
    lr = peak_lr * min(step / W, 1, max(0, (W + S + D - step) / D))    # step / W read as 1 if W == 0
    ```

    >>> warmup_stable_decay([0, 5, 10, 30, 35, 40, 50], 0.1, 10, 20, 10).round(6).tolist()
    [0.0, 0.05, 0.1, 0.1, 0.05, 0.0, 0.0]

    Args:
        step: A non-negative number or array: the optimizer step, starting at 0.
        peak_lr: A Python float. Must be positive: the LR held during the stable phase.
        warmup_steps: A Python int >= 0: the length of the warm-up (0: start at the peak).
        stable_steps: A Python int >= 0: the steps held at the peak after the warm-up.
        decay_steps: A Python int >= 1: the length of the linear cooldown to 0.

    Returns:
        The learning rate, as a float or an array shaped like `step`.

    Raises:
        ValueError: for a bad argument (the message names it).
    """
    steps, is_scalar = check.counter("step", step)
    peak = check.positive("peak_lr", peak_lr)
    w = check.integer("warmup_steps", warmup_steps, minimum=0)
    s = check.integer("stable_steps", stable_steps, minimum=0)
    d = check.integer("decay_steps", decay_steps, minimum=1)
    warm = _ramp(steps, 0.0, peak, w) if w else np.full_like(steps, peak)
    cool = peak * np.clip((w + s + d - steps) / d, 0.0, 1.0)
    return _out(np.minimum(warm, cool), is_scalar)
