"""Grid and random search for the learning rate: pick candidates, train each, compare.

The learning rate acts multiplicatively (0.001 vs 0.002 matters as much as 0.1 vs 0.2), so
candidates are spread evenly in log space: a log-spaced `grid`, or `log_uniform` random
samples. `search_learning_rates` trains a fresh model for every candidate and seed at one fixed
budget and returns a `SearchResult` table; `plot_search` draws it with error bars.

`import lrlab.search` does not import TensorFlow: only `search_learning_rates` and
`reuse_model` need Keras, and import it when called.
"""

import math

import numpy as np

from lrlab import _validation as check

__all__ = [
    "log_uniform",
    "grid",
    "search_learning_rates",
    "reuse_model",
    "SearchResult",
    "plot_search",
]


def _bounds(low, high):
    low = check.positive("low", low)
    high = check.positive("high", high)
    if high <= low:
        check.fail("high", f"must be > low ({low!r})", high)
    return low, high


def log_uniform(low, high, n, rng):
    """`n` learning rates drawn log-uniformly from [low, high]: as likely in each decade.

    ```python
    lr = exp(uniform(log(low), log(high)))     # == 10 ** uniform(log10(low), log10(high))
    ```

    Both spellings consume the same random numbers, so with one `rng` state they agree to
    rounding. Drawing `uniform(low, high)` instead would put 90% of the samples in the top
    decade.

    Example:

    >>> samples = log_uniform(1e-4, 1.0, 1000, np.random.default_rng(0))
    >>> samples.shape, bool(samples.min() >= 1e-4), bool(samples.max() <= 1.0)
    ((1000,), True, True)
    >>> share = np.mean(samples < 1e-2)   # the lower two of four decades: about half
    >>> bool(0.45 < share < 0.55)
    True

    Args:
        low: A Python float > 0: the smallest learning rate.
        high: A Python float > `low`: the largest learning rate.
        n: A Python int >= 0: how many samples.
        rng: A `numpy.random.Generator`, e.g. `np.random.default_rng(seed)`.

    Returns:
        A float64 NumPy array of shape `(n,)`, every value in [low, high].

    Raises:
        ValueError: if `low` or `high` is not positive, `high <= low`, `n` is not a
            non-negative integer, or `rng` is not a `numpy.random.Generator`.
    """
    low, high = _bounds(low, high)
    n = check.integer("n", n)
    if not isinstance(rng, np.random.Generator):
        check.fail("rng", "must be a numpy.random.Generator, e.g. numpy.random.default_rng(0)", rng)
    samples = np.exp(rng.uniform(math.log(low), math.log(high), size=n))
    return np.clip(samples, low, high)  # exp(log(high)) can round a hair above high


def grid(low, high, n):
    """`n` learning rates evenly spaced in log space, from `low` to `high` inclusive.

    ```python
    lr_i = low * (high / low) ** (i / (n - 1))      # i = 0 .. n-1
    ```

    Example:

    >>> np.round(grid(1e-3, 1.0, 4), 12).tolist()  # NumPy < 2 prints the third as 0.09999999999999999
    [0.001, 0.01, 0.1, 1.0]

    Args:
        low: A Python float > 0: the first learning rate.
        high: A Python float > `low`: the last learning rate.
        n: A Python int >= 2: how many learning rates.

    Returns:
        A float64 NumPy array of shape `(n,)`, increasing, with exactly `low` and `high` at
        its ends.

    Raises:
        ValueError: if `low` or `high` is not positive, `high <= low`, or `n < 2`.
    """
    low, high = _bounds(low, high)
    n = check.integer("n", n, minimum=2)
    return np.geomspace(low, high, n)


class SearchResult:
    """The outcome of a learning-rate search: one row per learning rate, over its seeds.

    Each row is a dict with `lr`, `val_accuracy_mean`, `val_accuracy_std`, `val_loss_mean`,
    `val_loss_std` (population std over seeds, NaN-propagating: a diverged run shows as NaN
    loss), `steps` (optimizer steps spent on this LR, all seeds) and `seeds`. Rows are
    sorted by learning rate. `str(result)` is an aligned text table.

    Example:

    >>> result = SearchResult([
    ...     {"lr": 0.1, "seed": 0, "val_accuracy": 0.90, "val_loss": 0.30, "steps": 50},
    ...     {"lr": 0.1, "seed": 1, "val_accuracy": 0.94, "val_loss": 0.20, "steps": 50},
    ...     {"lr": 0.01, "seed": 0, "val_accuracy": 0.80, "val_loss": 0.60, "steps": 50},
    ... ])
    >>> print(result)
      lr  val accuracy (mean ± std)  val loss (mean ± std)  steps  seeds
    0.01            0.8000 ± 0.0000        0.6000 ± 0.0000     50      1
     0.1            0.9200 ± 0.0200        0.2500 ± 0.0500    100      2
    >>> result.best()["lr"], result.total_steps
    (0.1, 150)

    Args:
        runs: A list of dicts, one per trained model, with keys `lr`, `seed`,
            `val_accuracy`, `val_loss` and `steps`.

    Attributes:
        runs: The list of per-run dicts, as given.
        rows: The per-learning-rate summary dicts, sorted by `lr`.
    """

    def __init__(self, runs):
        self.runs = [dict(run) for run in runs]
        self.rows = []
        for lr in sorted({run["lr"] for run in self.runs}):
            group = [run for run in self.runs if run["lr"] == lr]
            acc = np.array([run["val_accuracy"] for run in group], dtype=float)
            loss = np.array([run["val_loss"] for run in group], dtype=float)
            self.rows.append(
                {
                    "lr": lr,
                    "val_accuracy_mean": float(np.mean(acc)),
                    "val_accuracy_std": float(np.std(acc)),
                    "val_loss_mean": float(np.mean(loss)),
                    "val_loss_std": float(np.std(loss)),
                    "steps": int(sum(run["steps"] for run in group)),
                    "seeds": len(group),
                }
            )

    @property
    def total_steps(self):
        """Optimizer steps spent by the whole search (every LR, every seed)."""
        return int(sum(run["steps"] for run in self.runs))

    def best(self):
        """The row with the highest mean validation accuracy (ties: lower mean val loss).

        Rows whose accuracy is NaN (no accuracy metric) are ranked by val loss alone.
        """
        if not self.rows:
            raise ValueError("Cannot pick the best row of an empty search.")

        def key(row):
            acc, loss = row["val_accuracy_mean"], row["val_loss_mean"]
            return (
                -acc if math.isfinite(acc) else math.inf,
                loss if math.isfinite(loss) else math.inf,
            )

        return min(self.rows, key=key)

    def to_text(self):
        """The rows as an aligned text table, one line per learning rate."""
        header = ["lr", "val accuracy (mean ± std)", "val loss (mean ± std)", "steps", "seeds"]
        lines = [
            [
                f"{row['lr']:.3g}",
                f"{row['val_accuracy_mean']:.4f} ± {row['val_accuracy_std']:.4f}",
                f"{row['val_loss_mean']:.4f} ± {row['val_loss_std']:.4f}",
                str(row["steps"]),
                str(row["seeds"]),
            ]
            for row in self.rows
        ]
        widths = [max(len(line[i]) for line in [header] + lines) for i in range(len(header))]
        return "\n".join(
            "  ".join(cell.rjust(width) for cell, width in zip(line, widths))
            for line in [header] + lines
        )

    def __str__(self):
        return self.to_text()

    def __repr__(self):
        return f"SearchResult({len(self.rows)} learning rates, {len(self.runs)} runs)\n{self.to_text()}"


def search_learning_rates(
    build_model, lrs, x, y, x_val, y_val, *, epochs, batch_size, seeds=(0, 1, 2)
):
    """Train a fresh model per learning rate and seed at one budget; tabulate the results.

    For each `lr` in `lrs` and each `seed` in `seeds`:

    ```python
    keras.utils.set_random_seed(seed)
    model = build_model(lr, seed)              # compiled, with learning rate `lr`
    model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)
    model.evaluate(x_val, y_val)               # final val accuracy and val loss
    ```

    Every candidate gets the same budget (`epochs`), so the comparison is fair; several seeds
    show how much of a difference is noise. The steps spent are read from
    `model.optimizer.iterations`. The accuracy is the `evaluate` metric named `accuracy`
    (or the first whose name contains `acc`), NaN if there is none.

    Example:

    >>> import keras
    >>> from lrlab import data, models
    >>> (x, y), (x_val, y_val) = data.load_digits()
    >>> def build(lr, seed):
    ...     return models.digits_mlp(optimizer=keras.optimizers.Adam(learning_rate=lr), seed=seed)
    >>> result = search_learning_rates(build, grid(1e-3, 1e-2, 2), x, y, x_val, y_val,
    ...                                epochs=1, batch_size=128, seeds=(0,))
    >>> [row["steps"] for row in result.rows]
    [11, 11]

    Args:
        build_model: A callable `build_model(lr, seed)` returning a compiled Keras model
            whose optimizer uses learning rate `lr` (a Python float).
        lrs: A 1-D sequence of positive learning rates, e.g. from `grid` or `log_uniform`.
        x, y: The training data.
        x_val, y_val: The validation data.
        epochs: A Python int >= 1: the training budget of every run.
        batch_size: A Python int >= 1.
        seeds: A non-empty sequence of Python ints, one run per seed per learning rate.

    Returns:
        A `SearchResult`.

    Raises:
        ValueError: for a bad argument, or if `build_model` returns an uncompiled model.
    """
    if not callable(build_model):
        check.fail(
            "build_model",
            "must be callable as build_model(lr, seed) -> compiled model",
            build_model,
        )
    candidates = np.asarray(lrs, dtype=float) if not isinstance(lrs, str) else None
    if candidates is None or candidates.ndim != 1 or len(candidates) == 0:
        check.fail("lrs", "must be a non-empty 1-D sequence of learning rates", lrs)
    if not np.all(np.isfinite(candidates) & (candidates > 0)):
        check.fail("lrs", "must hold positive finite learning rates", lrs)
    epochs = check.integer("epochs", epochs, minimum=1)
    batch_size = check.integer("batch_size", batch_size, minimum=1)
    if isinstance(seeds, (int, np.integer)) or len(seeds) == 0:
        check.fail("seeds", "must be a non-empty sequence of integers", seeds)
    seeds = [check.integer("seeds", seed) for seed in seeds]
    for name, inputs, targets in (("y", x, y), ("y_val", x_val, y_val)):
        if len(inputs) != len(targets):
            check.fail(
                name,
                f"must have as many samples as its inputs ({len(inputs)})",
                f"{len(targets)} samples",
            )

    import keras

    runs = []
    for lr in candidates.tolist():
        for seed in seeds:
            keras.utils.set_random_seed(seed)
            model = build_model(lr, seed)
            if not getattr(model, "compiled", False):
                check.fail("build_model", "must return a compiled Keras model", build_model)
            model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)
            scores = model.evaluate(
                x_val, y_val, batch_size=max(batch_size, 256), verbose=0, return_dict=True
            )
            runs.append(
                {
                    "lr": lr,
                    "seed": seed,
                    "val_accuracy": _accuracy(scores),
                    "val_loss": float(scores.get("loss", math.nan)),
                    "steps": int(model.optimizer.iterations),
                }
            )
    return SearchResult(runs)


def reuse_model(model, initial_weights):
    """A `build_model(lr, seed)` for `search_learning_rates` that reuses one compiled model.

    A new Keras model traces its training step again on its first `fit`, an overhead that
    adds up over dozens of short runs. Instead, each call puts `model` back in the state a
    freshly built and compiled model would have, and returns it:

    ```python
    model.set_weights(initial_weights(seed))        # the seed's initial weights
    optimizer variables <- their values when fresh  # step count 0, momenta 0, ...
    model.optimizer.learning_rate = lr
    ```

    A `keras.optimizers.MultiOptimizer` (per-layer LRs, lesson 08) has no learning rate of its
    own: each member's is set to `lr` times its ratio to the default member's, as compiled, so
    the per-layer ratios stay and `lr` is the base LR. The fresh optimizer values are saved now
    (the optimizer is built first if needed), so `model` must be compiled with float learning
    rates and not trained yet.
    `initial_weights(seed)` is called once per seed; its weights are remembered.

    Example:

    >>> import keras
    >>> from lrlab import models
    >>> model = models.digits_mlp(optimizer=keras.optimizers.SGD(0.01, momentum=0.9))
    >>> build = reuse_model(model, lambda seed: models.digits_mlp(seed=seed).get_weights())
    >>> build(0.05, seed=1) is model, round(float(model.optimizer.learning_rate), 6)
    (True, 0.05)

    Args:
        model: A compiled `keras.Model` whose optimizer holds a float learning rate and has
            taken no step yet.
        initial_weights: A callable `initial_weights(seed)` returning a list of arrays for
            `model.set_weights`, e.g. `lambda seed: models.digits_mlp(seed=seed).get_weights()`.

    Returns:
        A function `build_model(lr, seed=0)` returning `model`, reset.

    Raises:
        ValueError: if `model` is not compiled, has a schedule learning rate or has already
            trained, or `initial_weights` is not callable.
    """
    import keras

    if not isinstance(model, keras.Model) or not getattr(model, "compiled", False):
        check.fail("model", "must be a compiled keras.Model", model)
    optimizer = model.optimizer
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    members = _members(optimizer, model)
    if not all(isinstance(getattr(m, "_learning_rate", None), keras.Variable) for m, _ in members):
        check.fail(
            "model", "must have an optimizer with a float learning rate (not a schedule)", model
        )
    if int(optimizer.iterations) != 0:
        check.fail(
            "model",
            "must not have trained yet (its optimizer's step count must be 0)",
            f"<model with optimizer.iterations={int(optimizer.iterations)}>",
        )
    if not callable(initial_weights):
        check.fail(
            "initial_weights",
            "must be callable as initial_weights(seed) -> list of arrays",
            initial_weights,
        )
    fresh = [(variable, variable.numpy()) for variable in optimizer.variables]
    weights = {}

    def build_model(lr, seed=0):
        lr = check.positive("lr", lr)
        seed = check.integer("seed", seed)
        if seed not in weights:
            weights[seed] = initial_weights(seed)
        model.set_weights(weights[seed])
        for variable, value in fresh:
            variable.assign(value)
        for member, ratio in members:
            member.learning_rate = lr * ratio
        model.reset_metrics()
        return model

    return build_model


def _members(optimizer, model):
    """[(optimizer that updates some of `model`'s variables, its LR / the base LR)]: a
    MultiOptimizer's members (the base is its default member's LR), else [(optimizer, 1.0)]."""
    import keras

    if not isinstance(optimizer, getattr(keras.optimizers, "MultiOptimizer", ())):
        return [(optimizer, 1.0)]
    mapping = optimizer._optimizer_map  # Keras 3.15 has no public way to list the members
    default = float(mapping.default_optimizer.learning_rate)
    members = {}
    for variable in model.trainable_variables:
        member = mapping(variable)
        members[id(member)] = (member, float(member.learning_rate) / default)
    return list(members.values())


def _accuracy(scores):
    if "accuracy" in scores:
        return float(scores["accuracy"])
    for name, value in scores.items():
        if "acc" in name:
            return float(value)
    return math.nan


def plot_search(result, ax=None):
    """Mean validation accuracy (± one std over seeds) against the learning rate.

    The best learning rate (see `SearchResult.best`) is marked with a dashed line.

    Args:
        result: A `SearchResult`.
        ax: A matplotlib Axes to draw on, or None for a new figure.

    Returns:
        The matplotlib Axes.
    """
    if not isinstance(result, SearchResult):
        check.fail("result", "must be a SearchResult", result)
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    lrs = [row["lr"] for row in result.rows]
    means = [row["val_accuracy_mean"] for row in result.rows]
    stds = [row["val_accuracy_std"] for row in result.rows]
    seeds = max((row["seeds"] for row in result.rows), default=0)
    ax.errorbar(
        lrs, means, yerr=stds, marker="o", capsize=3, label=f"mean ± std over {seeds} seed(s)"
    )
    if result.rows:
        best = result.best()["lr"]
        ax.axvline(best, color="0.3", linestyle="--", label=f"best: {best:.2g}")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("final validation accuracy")
    ax.set_title(
        f"Learning-rate search: {len(result.rows)} rates, {result.total_steps} training steps"
    )
    ax.legend()
    return ax
