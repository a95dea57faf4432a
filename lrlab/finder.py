"""The learning-rate range test (Smith 2015): sweep the LR up, watch the loss, pick a value.

Train for a few dozen mini-batches while the learning rate grows exponentially from tiny to
huge, and record the loss at each step. Too small an LR barely moves the loss; a good one makes
it fall fast; too large a one makes it blow up. `lr_range_test` runs the sweep on a compiled
Keras 3 model and then puts the model back exactly as it found it; `RangeTestResult` holds the
curve, suggests a learning rate from it and plots it.

Reference: Leslie N. Smith, "Cyclical Learning Rates for Training Neural Networks" (2015),
section 3.3; the smoothing, the early stop and the suggestion rules follow fastai's `lr_find`.

`import lrlab.finder` does not import TensorFlow: Keras is imported when a test runs, so a
`RangeTestResult` can be built, inspected and plotted from plain arrays.
"""

import math

import numpy as np

from lrlab import _validation as check

__all__ = [
    "lr_range_test",
    "range_test_runs",
    "smooth_recorded",
    "resmoothed",
    "RangeTestResult",
    "SUGGESTION_METHODS",
]

SUGGESTION_METHODS = ("valley", "steepest", "minimum/10")


class RangeTestResult:
    """The curve an LR range test recorded, and the rules that read a learning rate off it.

    Each step `i` trained one mini-batch at `lrs[i]`; `raw_losses[i]` is that batch's loss
    (computed before the update), `losses[i]` its exponentially smoothed, bias-corrected
    version. The arrays end at the step that stopped the test.

    Example:

    >>> lrs = np.geomspace(1e-4, 1.0, 41)            # 10 steps per decade
    >>> losses = 2.0 - np.tanh(np.log10(lrs) + 2)   # falls fastest at lr = 1e-2
    >>> result = RangeTestResult(lrs, losses)
    >>> f"{result.suggestion('steepest'):.3g}"
    '0.01'
    >>> f"{result.suggestion('minimum/10'):.3g}"
    '0.1'

    Args:
        lrs: A 1-D array of positive floats: the learning rate of each step, strictly
            increasing.
        losses: A 1-D array of floats, as long as `lrs`: the smoothed loss (may hold NaN/inf).
        raw_losses: A 1-D array as long as `lrs`, or None (then equal to `losses`).
        stopped_early: A Python bool: whether the test stopped before its last planned step.

    Attributes:
        lrs, losses, raw_losses: float64 NumPy arrays.
        stopped_early: bool.

    Raises:
        ValueError: if the arrays are not 1-D, differ in length, or `lrs` is not positive
            and increasing.
    """

    def __init__(self, lrs, losses, raw_losses=None, stopped_early=False):
        self.lrs = _curve("lrs", lrs)
        if len(self.lrs) == 0:
            check.fail("lrs", "must hold at least one learning rate", lrs)
        if not np.all(np.isfinite(self.lrs) & (self.lrs > 0)):
            check.fail("lrs", "must hold positive finite learning rates", lrs)
        if np.any(np.diff(self.lrs) <= 0):
            check.fail("lrs", "must be strictly increasing", lrs)
        self.losses = _curve("losses", losses, len(self.lrs))
        self.raw_losses = (
            self.losses.copy()
            if raw_losses is None
            else _curve("raw_losses", raw_losses, len(self.lrs))
        )
        self.stopped_early = bool(stopped_early)

    def __len__(self):
        return len(self.lrs)

    def __repr__(self):
        return (
            f"RangeTestResult(steps={len(self.lrs)}, lrs={self.lrs[0]:.3g}..{self.lrs[-1]:.3g}, "
            f"stopped_early={self.stopped_early})"
        )

    def suggestion(self, method="valley"):
        """A learning rate read off the smoothed loss curve by one of three rules.

        Like fastai, the rules skip the first 10% of the steps (the moving average has seen
        only a few batches there, so it is noisy) and use only finite losses, so NaN or inf
        from a diverged run are ignored.

        - `"valley"`: find the longest valley, the longest run of steps along which the
          smoothed loss keeps decreasing (fastai's longest strictly decreasing subsequence,
          so a little noise does not cut it short), and take the LR two thirds of the way
          along it, counted in steps. fastai stops halfway (`start + span//3 + span//6`);
          on the short, lagging curves of a 100-step test that lands on the flat start of the
          curve, where training is slow, so this variant goes further down the slope.
        - `"steepest"`: the LR where the loss falls fastest per decade, the most negative
          `d loss / d log(lr)` (central differences, `np.gradient`), looked for only up to the
          lowest loss (after the blow-up the curve can fall again, from a useless height).
        - `"minimum/10"`: the LR of the lowest loss, divided by 10 (the bottom of the curve
          is already too hot to train at; one decade below is a safe choice).

        ```python
        valley:     lrs[start + 2 * (end - start) // 3]
        steepest:   lrs[argmin(gradient(losses[:bottom + 1], log(lrs[:bottom + 1])))]
        minimum/10: lrs[bottom] / 10          # bottom = argmin(losses)
        ```

        Args:
            method: A Python string, one of `"valley"`, `"steepest"`, `"minimum/10"`.

        Returns:
            The suggested learning rate, a Python float.

        Raises:
            ValueError: if `method` is unknown, or fewer than 3 losses are finite after
                the first 10% of the steps.
        """
        if method not in SUGGESTION_METHODS:
            check.fail(
                "method", f"must be one of {', '.join(map(repr, SUGGESTION_METHODS))}", method
            )
        return float(
            self.lrs[self._suggestion_index(method)] / (10.0 if method == "minimum/10" else 1.0)
        )

    def _suggestion_index(self, method):
        usable = np.flatnonzero(np.isfinite(self.losses))
        usable = usable[usable >= len(self.losses) // 10]
        if len(usable) < 3:
            raise ValueError(
                f"Cannot suggest a learning rate with method={method!r}: only {len(usable)} "
                f"of {len(self.losses)} losses are finite after the first 10% of the steps "
                "(need 3). Lower `min_lr` or run more `steps`."
            )
        lrs, losses = self.lrs[usable], self.losses[usable]
        bottom = int(np.argmin(losses))
        if method == "minimum/10":
            pick = bottom
        elif method == "steepest":
            stop = bottom + 1 if bottom >= 2 else len(losses)  # no descent: use the whole curve
            pick = int(np.argmin(np.gradient(losses[:stop], np.log(lrs[:stop]))))
        else:
            start, end = _longest_valley(losses)
            pick = start + 2 * (end - start) // 3
        return int(usable[pick])

    def plot(self, ax=None, method="valley"):
        """Draw the loss against the learning rate (log x axis) and mark the suggestion.

        The smoothed loss is a line, the raw per-batch losses faint dots; the y axis is cut
        just above the starting loss so the blow-up at the end does not flatten the curve.

        Args:
            ax: A matplotlib Axes to draw on, or None for a new figure.
            method: A Python string, the suggestion rule to mark (see `suggestion`), or None
                to mark nothing.

        Returns:
            The matplotlib Axes.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        ax.plot(self.lrs, self.raw_losses, ".", alpha=0.3, label="raw batch loss")
        ax.plot(self.lrs, self.losses, "-", label="smoothed loss")
        finite = self.losses[np.isfinite(self.losses)]
        if len(finite):
            low, high = float(np.min(finite)), float(finite[0])
            span = max(high - low, 1e-12)
            ax.set_ylim(low - 0.1 * span, high + 0.3 * span)
        if method is not None:
            lr = self.suggestion(method)
            ax.axvline(lr, color="0.3", linestyle="--", label=f"{method}: {lr:.2g}")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate (log scale)")
        ax.set_ylabel("training loss")
        ax.set_title(
            "LR range test" + (" (stopped early: loss diverged)" if self.stopped_early else "")
        )
        ax.legend()
        return ax


def _curve(name, values, length=None):
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        check.fail(name, "must be a 1-D array of numbers", values)
    if array.ndim != 1:
        check.fail(name, "must be a 1-D array", values)
    if length is not None and len(array) != length:
        check.fail(name, f"must have the same length as `lrs` ({length})", values)
    return array


def _longest_valley(losses):
    """(start, end) of the longest strictly decreasing subsequence of `losses`.

    `run[i]` is the length of the longest decreasing subsequence ending at step i (fastai's
    O(n^2) loop, inner loop vectorised) and `first[i]` the step where it begins. Among equally
    long predecessors the latest wins, so after a plateau the valley starts at the plateau's
    end, not its beginning; among equally long valleys the earliest wins.
    """
    n = len(losses)
    run = np.ones(n, dtype=int)
    first = np.arange(n)
    for i in range(1, n):
        earlier = np.flatnonzero(losses[:i] > losses[i])
        if len(earlier):
            j = earlier[len(earlier) - 1 - np.argmax(run[earlier][::-1])]
            run[i], first[i] = run[j] + 1, first[j]
    end = int(np.argmax(run))
    return int(first[end]), end


def lr_range_test(
    model,
    x,
    y,
    *,
    min_lr=1e-6,
    max_lr=10.0,
    steps=100,
    batch_size=32,
    smoothing=0.98,
    divergence_factor=4.0,
    seed=0,
):
    """Run the LR range test on a compiled Keras model, then restore the model.

    Step `i` (from 0) trains one mini-batch with `model.train_on_batch` at

    ```python
    lr_i = min_lr * (max_lr / min_lr) ** (i / (steps - 1))
    ```

    and records the batch loss. Batches are consecutive slices of the data in a shuffled
    order fixed by `seed`, reshuffled each time the data runs out. The smoothed loss is an
    exponential moving average with bias correction (as in fastai, so early steps are not
    pulled towards 0):

    ```python
    avg = smoothing * avg + (1 - smoothing) * raw_loss      # avg starts at 0
    loss_i = avg / (1 - smoothing ** (i + 1))
    ```

    The test stops early, after recording the step, when `loss_i` is NaN/inf or exceeds
    `divergence_factor` times the best smoothed loss so far (checked while that best is > 0).

    Afterwards the model is exactly as it was: its variables (weights, non-trainable state,
    seed-generator state), its metrics' state, and all optimizer variables (the step counter
    `iterations`, the learning rate, momenta and other slots) are assigned their saved values,
    even if the test raised. An optimizer that was not built yet (no `fit` so far) is built
    first, with `optimizer.build(model.trainable_variables)` as Keras would, and after the
    test its fresh variables are reset to those initial values (e.g. zero momenta,
    `iterations` 0): it stays built, and the next `fit` is identical to a fit on a model that
    never saw the test. A model that is not built yet is built by calling it on one batch, and
    keeps the weights it was built with.

    `result.lrs` holds the float64 values above; the optimizer stores each as float32.

    Example:

    >>> import keras
    >>> from lrlab import data, models
    >>> (x, y), _ = data.load_digits()
    >>> model = models.digits_mlp(optimizer=keras.optimizers.SGD(learning_rate=0.01))
    >>> result = lr_range_test(model, x, y, min_lr=1e-4, max_lr=1.0, steps=20, batch_size=64)
    >>> len(result.lrs), float(result.lrs[-1])
    (20, 1.0)
    >>> round(float(model.optimizer.learning_rate), 6), int(model.optimizer.iterations)
    (0.01, 0)

    Args:
        model: A compiled Keras 3 model whose optimizer holds a float learning rate.
        x: The inputs: a NumPy array (or list/tuple/dict of arrays), first axis = samples.
        y: The targets, same structure rules and as many samples as `x`.
        min_lr: A Python float > 0: the first learning rate.
        max_lr: A Python float > `min_lr`: the last learning rate.
        steps: A Python int >= 6: the number of mini-batches (and learning rates).
        batch_size: A Python int, 1 <= batch_size <= number of samples.
        smoothing: A Python float in [0, 1): the moving average's decay (0 = no smoothing).
        divergence_factor: A Python float > 1: stop once the smoothed loss exceeds this many
            times its best.
        seed: A Python int: fixes the batch order.

    Returns:
        A `RangeTestResult` with `lrs`, `losses` (smoothed), `raw_losses` and `stopped_early`.

    Raises:
        ValueError: for a bad argument, an uncompiled model, `x` and `y` of different lengths,
            or an optimizer built on a `LearningRateSchedule` (its LR is a function of the
            step counter and cannot be set, so it cannot be swept).
    """
    min_lr = check.positive("min_lr", min_lr)
    max_lr = check.positive("max_lr", max_lr)
    if min_lr >= max_lr:
        check.fail("min_lr", f"must be < max_lr ({max_lr!r})", min_lr)
    steps = check.integer("steps", steps, minimum=6)
    batch_size = check.integer("batch_size", batch_size, minimum=1)
    smoothing, divergence_factor = _stop_rule_args(smoothing, divergence_factor)
    seed = check.integer("seed", seed)
    optimizer = _settable_optimizer(model)
    n = _num_samples(x, y)
    if batch_size > n:
        check.fail("batch_size", f"must be <= the number of samples ({n})", batch_size)

    lrs = min_lr * (max_lr / min_lr) ** (np.arange(steps) / (steps - 1))
    order = _batch_order(n, steps * batch_size, seed)

    if not model.built:
        model(_take(x, order[:batch_size]))
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    model_state = [(v, v.numpy()) for v in model.variables]
    optimizer_state = [(v, v.numpy()) for v in optimizer.variables]
    metric_state = [(v, v.numpy()) for v in model.metrics_variables]

    raw, smooth = [], []
    smoother = _Smoother(smoothing, divergence_factor)
    try:
        for i in range(steps):
            optimizer.learning_rate = float(lrs[i])
            batch = order[i * batch_size : (i + 1) * batch_size]
            # Older Keras 3 (seen on 3.11 and 3.12) `train_on_batch` reports the running mean of the loss
            # since the last reset, not this batch's loss: reset so every version gives the batch's.
            model.reset_metrics()
            logs = model.train_on_batch(_take(x, batch), _take(y, batch), return_dict=True)
            loss = float(logs["loss"])
            smoothed, stop = smoother.add(loss)
            raw.append(loss)
            smooth.append(smoothed)
            if stop:
                break
    finally:
        for variable, value in model_state + optimizer_state:
            variable.assign(value)
        model.reset_metrics()
        for variable, value in metric_state:
            variable.assign(value)
    return RangeTestResult(lrs[: len(raw)], smooth, raw, stopped_early=len(raw) < steps)


class _Smoother:
    """The range test's bias-corrected moving average and stop rule, one loss at a time."""

    def __init__(self, smoothing, divergence_factor):
        self.smoothing, self.divergence_factor = smoothing, divergence_factor
        self.average, self.best, self.count = 0.0, math.inf, 0

    def add(self, loss):
        """Return (smoothed loss, whether the test stops here)."""
        self.count += 1
        self.average = self.smoothing * self.average + (1.0 - self.smoothing) * loss
        smoothed = self.average / (1.0 - self.smoothing**self.count)
        stop = not math.isfinite(smoothed) or (
            self.best > 0 and smoothed > self.divergence_factor * self.best
        )
        self.best = min(self.best, smoothed)
        return smoothed, stop


def smooth_recorded(raw_losses, smoothing, divergence_factor=4.0):
    """Smooth recorded raw losses exactly as `lr_range_test` does, up to where it would stop.

    >>> smooth_recorded([2.0, 1.0, 100.0, 1.0], 0.0).tolist()
    [2.0, 1.0, 100.0]
    """
    smoother, smoothed = _Smoother(smoothing, divergence_factor), []
    for loss in np.asarray(raw_losses, dtype=float).tolist():
        value, stop = smoother.add(loss)
        smoothed.append(value)
        if stop:
            break
    return np.array(smoothed)


def resmoothed(run, smoothing, divergence_factor=4.0):
    """A recorded raw run (from `range_test_runs`) read as `lr_range_test` would have read it.

    The raw losses are smoothed with `smooth_recorded`, cut where the stop rule fires, and
    returned as a `RangeTestResult`, `stopped_early` set when the cut came before the last step.
    NumPy only, so it takes milliseconds; `widgets.RangeTestExplorer` computes the same in the
    page, in JavaScript (tests/test_explorer_range_test.py checks the two are equal).

    >>> raw = RangeTestResult(np.geomspace(1e-3, 1.0, 4), [2.0, 1.0, 100.0, 1.0])
    >>> resmoothed(raw, 0.0)
    RangeTestResult(steps=3, lrs=0.001..0.1, stopped_early=True)

    Args:
        run: A `RangeTestResult` holding raw losses (`range_test_runs` records them unsmoothed).
        smoothing: A Python float in [0, 1): the moving average's decay.
        divergence_factor: A Python float > 1: the stop rule, as in `lr_range_test`.

    Returns:
        A `RangeTestResult`.

    Raises:
        ValueError: if `run` is not a `RangeTestResult`, or `smoothing` or `divergence_factor`
            is out of range.
    """
    if not isinstance(run, RangeTestResult):
        check.fail(
            "run", "must be a RangeTestResult, e.g. a value of finder.range_test_runs(...)", run
        )
    smoothing, divergence_factor = _stop_rule_args(smoothing, divergence_factor)
    smoothed = smooth_recorded(run.raw_losses, smoothing, divergence_factor)
    n = len(smoothed)
    return RangeTestResult(run.lrs[:n], smoothed, run.raw_losses[:n], stopped_early=n < len(run))


def range_test_runs(model, x, y, *, ranges, steps, batch_size=64, seed=0):
    """Raw LR range tests for every (min_lr, max_lr) in `ranges` and every count in `steps`.

    Each run is `lr_range_test` with `smoothing=0` and no early stop but on NaN/inf
    (`divergence_factor=1e30`), so a reader (lesson 04's `widgets.RangeTestExplorer`) can
    smooth it and apply the stop rule afterwards (`resmoothed`): with the same settings, the
    finder's own smoothed curve comes out equal. `lr_range_test` restores the model after
    each run, so every run starts from the same state.

    Args:
        model: A compiled `keras.Model` with a float learning rate.
        x, y: The training data, as for `lr_range_test`.
        ranges: An iterable of `(min_lr, max_lr)` pairs of positive floats.
        steps: An iterable of Python ints >= 6: the step counts to run each range with.
        batch_size: A Python int >= 1.
        seed: A Python int: the batch order's random seed.

    Returns:
        A dict `{(min_lr, max_lr, steps): RangeTestResult}`, keys as Python floats and ints.

    Raises:
        ValueError: for a bad argument of `lr_range_test` (the message names it).
    """
    return {
        (float(low), float(high), int(n)): lr_range_test(
            model,
            x,
            y,
            min_lr=low,
            max_lr=high,
            steps=n,
            batch_size=batch_size,
            smoothing=0.0,
            divergence_factor=1e30,
            seed=seed,
        )
        for low, high in ranges
        for n in steps
    }


def _stop_rule_args(smoothing, divergence_factor):
    """The smoothing and stop-rule arguments shared by the range test and its replays, checked."""
    smoothing = check.number("smoothing", smoothing)
    if not 0 <= smoothing < 1:
        check.fail("smoothing", "must be in [0, 1)", smoothing)
    divergence_factor = check.number("divergence_factor", divergence_factor)
    if divergence_factor <= 1:
        check.fail("divergence_factor", "must be > 1", divergence_factor)
    return smoothing, divergence_factor


def _settable_optimizer(model):
    import keras

    if not isinstance(model, keras.Model):
        check.fail("model", "must be a keras.Model", model)
    optimizer = getattr(model, "optimizer", None)
    if not getattr(model, "compiled", False) or optimizer is None:
        check.fail(
            "model",
            "must be compiled with an optimizer (call model.compile(optimizer=..., loss=...) first)",
            model,
        )
    learning_rate = getattr(optimizer, "_learning_rate", None)
    if not isinstance(learning_rate, keras.Variable):
        from lrlab.callbacks import holds_schedule  # Keras-facing: imported only when a test runs

        kind = "a LearningRateSchedule" if holds_schedule(optimizer) else "a callable"
        raise ValueError(
            f"The range test sets the learning rate at every step, but this optimizer was built "
            f"on {kind}, whose learning rate is a function of the step counter and is not "
            "settable. Compile a copy of the model with a float learning rate, e.g. "
            f"{type(optimizer).__name__}(learning_rate=0.01), for the test. "
            f"Received: model.optimizer.learning_rate={learning_rate!r}"
        )
    return optimizer


def _leaves(data):
    if isinstance(data, dict):
        return [leaf for value in data.values() for leaf in _leaves(value)]
    if isinstance(data, (list, tuple)):
        return [leaf for value in data for leaf in _leaves(value)]
    return [data]


def _take(data, index):
    """Rows `index` of every array in a nested list/tuple/dict structure."""
    if isinstance(data, dict):
        return {key: _take(value, index) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(_take(value, index) for value in data)
    return np.asarray(data)[index]


def _num_samples(x, y):
    lengths = {}
    for name, data in (("x", x), ("y", y)):
        leaves = _leaves(data)
        if not leaves or any(np.ndim(leaf) == 0 for leaf in leaves):
            check.fail(name, "must be an array (or list/dict of arrays) with a sample axis", data)
        sizes = {len(leaf) for leaf in leaves}
        if len(sizes) != 1:
            check.fail(
                name,
                f"must have one number of samples in every array, not {sorted(sizes)}",
                type(data).__name__,
            )
        lengths[name] = sizes.pop()
    if lengths["x"] != lengths["y"]:
        raise ValueError(
            "Arguments `x` and `y` must have the same number of samples. "
            f"Received: len(x)={lengths['x']}, len(y)={lengths['y']}"
        )
    if lengths["x"] == 0:
        check.fail("x", "must hold at least one sample", "empty array")
    return lengths["x"]


def _batch_order(n, length, seed):
    """`length` sample indices: seeded permutations of range(n), one after another."""
    rng = np.random.default_rng(seed)
    rounds = -(-length // n)
    return np.concatenate([rng.permutation(n) for _ in range(rounds)])[:length]
