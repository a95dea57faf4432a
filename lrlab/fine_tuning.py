"""Fine-tuning tools: layer-wise learning-rate decay, one learning rate per layer, and a
learning-rate log that survives a resumed run.

One LR per layer: Keras 3.15 added `keras.optimizers.MultiOptimizer`, which hands each variable
to the optimizer an `OptimizerMap` picks for its path. `per_layer_optimizer` builds one; on older
Keras (the course supports 3.7+) it falls back to a single optimizer whose `update_step` scales
the learning rate per variable, which gives the same updates. `has_multi_optimizer()` is the gate.
"""

import collections.abc
import re

import keras
import numpy as np

from lrlab import _validation as check

__all__ = [
    "layerwise_decay",
    "has_multi_optimizer",
    "per_layer_optimizer",
    "variable_learning_rates",
    "StepLearningRateRecorder",
    "transfer_digits",
]


def layerwise_decay(num_layers, base_lr, decay):
    """Layer-wise LR decay: the top layer (the head) gets `base_lr`, each layer below `decay` times less.

    ```python
    [base_lr * decay ** (num_layers - 1 - i) for i in range(num_layers)]
    ```

    Layer 0 is nearest the input, so it gets the smallest LR: general low-level features move
    least, the task-specific head most.

    Example:

    >>> layerwise_decay(3, 0.01, 0.5)
    [0.0025, 0.005, 0.01]

    Args:
        num_layers: A Python int >= 1: how many layers (or blocks) get their own LR.
        base_lr: A Python float. Must be positive: the head's LR.
        decay: A Python float in (0, 1]: the factor between a layer and the one below it.

    Returns:
        A list of `num_layers` Python floats, input side first.

    Raises:
        ValueError: if an argument is out of range.
    """
    n = check.integer("num_layers", num_layers, minimum=1)
    base = check.positive("base_lr", base_lr)
    factor = check.fraction("decay", decay)
    return [base * factor ** (n - 1 - i) for i in range(n)]


def has_multi_optimizer():
    """True when the installed Keras has `keras.optimizers.MultiOptimizer` (Keras >= 3.15)."""
    return hasattr(keras.optimizers, "MultiOptimizer")


def _lookup(patterns, path, default):
    """OptimizerMap's rule: an exact key first, else the one key that `re.fullmatch`es `path`."""
    if path in patterns:
        return patterns[path]
    matches = [key for key in patterns if re.fullmatch(key, path)]
    if len(matches) > 1:
        raise ValueError(
            f"Variable path {path!r} matches several keys of `learning_rates`: {matches}"
        )
    return patterns[matches[0]] if matches else default


def _patterns(learning_rates):
    """{variable path or regex: LR} from a mapping whose keys are layers or path regexes."""
    if not isinstance(learning_rates, collections.abc.Mapping) or not learning_rates:
        check.fail(
            "learning_rates",
            "must be a non-empty dict {layer or variable-path regex: LR}",
            learning_rates,
        )
    patterns = {}
    for key, lr in learning_rates.items():
        lr = check.positive("learning_rates", lr)
        if isinstance(key, keras.layers.Layer):
            if not key.weights:
                check.fail(
                    "learning_rates",
                    f"keys must be built layers with weights; layer {key.name!r} has none",
                    learning_rates,
                )
            patterns.update({variable.path: lr for variable in key.weights})
        elif isinstance(key, str):
            try:
                re.compile(key)
            except re.error:
                check.fail(
                    "learning_rates",
                    f"has a key that is not a valid regular expression: {key!r}",
                    learning_rates,
                )
            patterns[key] = lr
        else:
            check.fail(
                "learning_rates",
                "keys must be Keras layers or variable-path regexes (str)",
                learning_rates,
            )
    return patterns


_SCALED_CLASSES = {}


def _scaled_class(optimizer_class):
    """A subclass of `optimizer_class` whose update of each variable uses LR x its multiplier."""
    if optimizer_class in _SCALED_CLASSES:
        return _SCALED_CLASSES[optimizer_class]

    class LayerwiseScaled(optimizer_class):
        # Every Keras optimizer receives the LR as an argument of update_step(gradient, variable,
        # learning_rate) (Keras 3.7 to 3.15 call it once per variable). Scaling it there equals a
        # separate optimizer with that LR only where the update is linear in the LR (SGD, Adam,
        # RMSprop...; not Adafactor's min(lr, 1/sqrt(t)) or Ftrl), and without weight decay or
        # global_clipnorm, which this one optimizer applies with the default LR, over all variables.
        def __init__(self, *args, lr_multipliers=None, **kwargs):
            super().__init__(*args, **kwargs)
            self.lr_multipliers = dict(lr_multipliers or {})

        def build(self, variables):
            super().build(variables)
            if not hasattr(self, "_multiplier_by_index"):
                self._multiplier_by_index = tuple(
                    float(_lookup(self.lr_multipliers, v.path, 1.0))
                    for v in self._trainable_variables
                )

        def update_step(self, gradient, variable, learning_rate):
            multiplier = self._multiplier_by_index[self._get_variable_index(variable)]
            if multiplier != 1.0:
                learning_rate = learning_rate * multiplier
            return super().update_step(gradient, variable, learning_rate)

        def get_config(self):
            return {**super().get_config(), "lr_multipliers": dict(self.lr_multipliers)}

    LayerwiseScaled.__name__ = LayerwiseScaled.__qualname__ = (
        f"LayerwiseScaled{optimizer_class.__name__}"
    )
    _SCALED_CLASSES[optimizer_class] = LayerwiseScaled
    return LayerwiseScaled


def per_layer_optimizer(
    optimizer_class,
    learning_rates,
    default_learning_rate,
    *,
    use_multi_optimizer=None,
    **optimizer_kwargs,
):
    """An optimizer that trains each layer (or variable) with its own learning rate.

    With Keras >= 3.15 it is a `keras.optimizers.MultiOptimizer`: one `optimizer_class` instance
    per distinct LR, chosen per variable by a `keras.optimizers.OptimizerMap` (exact variable path
    first, else the single regex key that `re.fullmatch`es the path; unmatched variables use
    `default_learning_rate`). On older Keras it is one `optimizer_class` whose `update_step`
    multiplies the LR by `lr / default_learning_rate` for each variable: the same updates for an
    optimizer whose update is linear in the LR (SGD, Adam, RMSprop, ...; not Adafactor or Ftrl).

    Differences between the two paths: with `weight_decay`, each MultiOptimizer member decays its
    variables with its own LR, the fallback with `default_learning_rate`; with `global_clipnorm`,
    each member clips its own variables' gradients, the fallback all of them together; a
    MultiOptimizer has no `learning_rate` attribute (read its members', `optimizer.optimizers`),
    the fallback has one (the default LR); the fallback class is created at run time, so
    `model.save` cannot restore it (save the weights instead).

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(2)])
    >>> body, head = model.layers
    >>> optimizer = per_layer_optimizer(keras.optimizers.Adam, {body: 1e-4}, default_learning_rate=1e-3)
    >>> rates = variable_learning_rates(optimizer, model.trainable_variables)
    >>> [f"{rates[v.path]:.0e}" for v in body.weights + head.weights]
    ['1e-04', '1e-04', '1e-03', '1e-03']

    Args:
        optimizer_class: A Keras optimizer class, e.g. `keras.optimizers.Adam`.
        learning_rates: A dict `{layer or variable-path regex: learning rate}`; a built layer
            stands for all its weights. LRs are Python floats > 0.
        default_learning_rate: A Python float > 0, for every variable no key matches.
        use_multi_optimizer: None (default) picks MultiOptimizer when Keras has it; False forces
            the fallback (to test it); True requires MultiOptimizer.
        **optimizer_kwargs: Passed to every `optimizer_class(...)` (e.g. `momentum=0.9`).

    Returns:
        An uncompiled Keras optimizer, to pass to `model.compile`.

    Raises:
        ValueError: on a bad argument, or `use_multi_optimizer=True` on Keras without MultiOptimizer.
    """
    if not (
        isinstance(optimizer_class, type)
        and issubclass(optimizer_class, keras.optimizers.Optimizer)
    ):
        check.fail(
            "optimizer_class",
            "must be a Keras optimizer class such as keras.optimizers.Adam",
            optimizer_class,
        )
    default = check.positive("default_learning_rate", default_learning_rate)
    patterns = _patterns(learning_rates)
    if use_multi_optimizer not in (None, True, False):
        check.fail("use_multi_optimizer", "must be None, True or False", use_multi_optimizer)
    if use_multi_optimizer and not has_multi_optimizer():
        check.fail(
            "use_multi_optimizer",
            f"needs keras.optimizers.MultiOptimizer (Keras >= 3.15; this is Keras "
            f"{keras.__version__})",
            use_multi_optimizer,
        )
    if use_multi_optimizer is False or not has_multi_optimizer():
        multipliers = {key: lr / default for key, lr in patterns.items()}
        return _scaled_class(optimizer_class)(
            learning_rate=default, lr_multipliers=multipliers, **optimizer_kwargs
        )
    members = {}  # one member optimizer per distinct learning rate

    def member(lr):
        if lr not in members:
            members[lr] = optimizer_class(learning_rate=lr, **optimizer_kwargs)
        return members[lr]

    mapping = keras.optimizers.OptimizerMap(
        member(default), {key: member(lr) for key, lr in patterns.items()}
    )
    return keras.optimizers.MultiOptimizer(mapping)


def variable_learning_rates(optimizer, variables):
    """{variable path: the LR `optimizer` trains it with}, for a plain, per-layer or MultiOptimizer optimizer."""
    if has_multi_optimizer() and isinstance(optimizer, keras.optimizers.MultiOptimizer):
        return {v.path: float(optimizer._optimizer_map(v).learning_rate) for v in variables}
    base = float(optimizer.learning_rate)
    multipliers = getattr(optimizer, "lr_multipliers", {})
    return {v.path: base * _lookup(multipliers, v.path, 1.0) for v in variables}


def _learning_rate_at(optimizer, step):
    """The LR `optimizer` used at optimizer step `step` (a MultiOptimizer: its default member's)."""
    if has_multi_optimizer() and isinstance(optimizer, keras.optimizers.MultiOptimizer):
        optimizer = getattr(optimizer._optimizer_map, "default_optimizer", optimizer.optimizers[0])
    if isinstance(optimizer._learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        return float(optimizer._learning_rate(step))
    return float(optimizer.learning_rate)


class StepLearningRateRecorder(keras.callbacks.Callback):
    """Log (optimizer step, learning rate) after every training batch, across `fit` calls.

    Unlike a recorder that starts afresh in `on_train_begin`, this one keeps appending, and
    it keys each entry by the optimizer's step counter (`iterations - 1` after the batch), not
    by the batch or epoch number. Pass the same recorder to the `fit` before a checkpoint and to
    the `fit` after it (even on a freshly loaded model): a correct resume continues the steps
    where they stopped; a schedule that restarted shows up in `rewinds()`.

    With `steps_per_execution=N`, Keras calls batch hooks once per N batches, so one entry is
    logged per N steps. For a MultiOptimizer the LR of its default member is logged.

    Example:

    >>> recorder = StepLearningRateRecorder()
    >>> # model.fit(..., callbacks=[recorder]); model = load_model(...); model.fit(..., callbacks=[recorder])
    >>> recorder.steps, recorder.learning_rates
    ([], [])

    Attributes:
        steps: The optimizer step of each entry (0 for the first batch ever trained).
        learning_rates: The LR that step used (read after any LR callback has set it).
    """

    def __init__(self):
        super().__init__()
        self.steps, self.learning_rates = [], []

    def on_train_batch_end(self, batch, logs=None):
        optimizer = self.model.optimizer
        step = int(optimizer.iterations) - 1
        self.steps.append(step)
        self.learning_rates.append(_learning_rate_at(optimizer, step))

    def rewinds(self):
        """Positions in the log where the step counter did not move forward (a restarted counter)."""
        steps = np.asarray(self.steps)
        return [int(i) + 1 for i in np.flatnonzero(np.diff(steps) <= 0)]


def transfer_digits(n_per_class=5, seed=0):
    """A small transfer-learning task from scikit-learn's bundled digits (no download).

    The 1,797 images are split in two halves of different images. Pretraining task: all ten
    digits in the first half (900 images). New task: digits 5-9 of the second half, relabelled
    0-4, with only `n_per_class` training images per class; its other images validate. Like a
    pets classifier fine-tuned from ImageNet (which contains dog breeds), the pretrained model
    has seen *other* images of these classes, under a different head.

    Args:
        n_per_class: A Python int >= 1: training images per new class.
        seed: A Python int: fixes the split.

    Returns:
        `((x_pre, y_pre), (x_new, y_new), (x_new_val, y_new_val))`: x float32 in [0, 1] of shape
        (n, 64); y_pre int32 in 0..9, the new task's y int32 in 0..4.
    """
    per_class = check.integer("n_per_class", n_per_class, minimum=1)
    seed = check.integer("seed", seed)
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    x, y = (digits.data / 16.0).astype(np.float32), digits.target.astype(np.int32)
    order = np.random.default_rng(seed).permutation(len(x))
    first, second = order[:900], order[900:]
    second = second[y[second] >= 5]
    picked = np.concatenate([second[y[second] == c][:per_class] for c in range(5, 10)])
    if len(picked) < 5 * per_class:
        check.fail("n_per_class", "is more than the images of some new class", n_per_class)
    rest = np.setdiff1d(second, picked)
    return (x[first], y[first]), (x[picked], y[picked] - 5), (x[rest], y[rest] - 5)
