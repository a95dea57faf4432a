"""The learning rate and the network's scale, in Keras (lesson 10): a digits model whose first
layer a normalization makes scale-invariant, MLPs in the standard and the maximal-update
parametrization (μP) with their per-layer Adam learning rates, a learning-rate sweep that
reuses one compiled model, and `UpdateRatioRecorder`, the |Δw| / |w| of each layer per step.

The formulas live in `lrlab.scale` (NumPy); the per-layer learning rates go through lesson 08's
`lrlab.fine_tuning.per_layer_optimizer`.
"""

import keras
import numpy as np

from lrlab import _validation as check
from lrlab import fine_tuning, scale, search

__all__ = [
    "normalized_mlp",
    "mlp",
    "hidden_kernels",
    "mup_learning_rates",
    "parametrized_optimizer",
    "learning_rate_sweep",
    "UpdateRatioRecorder",
]


def normalized_mlp(normalization="layer", units=64, epsilon=1e-6, seed=0):
    """A digits classifier whose first layer is scale-invariant: Dense (no bias) -> norm -> ReLU
    -> Dense(10) logits.

    Scaling the first kernel by c > 0 scales its pre-activations by c, which the normalization
    divides out (up to its `epsilon`): the loss stays, and its gradient shrinks by 1/c. A bias
    would break that (and is redundant before a normalization, which has its own shift).

    Args:
        normalization: "layer" (LayerNormalization over the units) or "batch"
            (BatchNormalization of each unit over the batch, in training mode).
        units: A Python int >= 1: the first layer's units.
        epsilon: A Python float > 0: the normalization's epsilon. Keras's default, 1e-3, adds a
            visible error once the pre-activations' variance is small; 1e-6 keeps the invariance
            to about 1e-6 here.
        seed: A Python int: fixes the initial weights.

    Returns:
        An uncompiled `keras.Sequential`; its layer "normalized_dense" is the scale-invariant one
        and "output" gives logits.
    """
    if normalization not in scale.NORMALIZATIONS:
        check.fail("normalization", f"must be one of {scale.NORMALIZATIONS}", normalization)
    units = check.integer("units", units, minimum=1)
    eps = check.positive("epsilon", epsilon)
    seed = check.integer("seed", seed)
    norm = (
        keras.layers.LayerNormalization(epsilon=eps, name="norm")
        if normalization == "layer"
        else keras.layers.BatchNormalization(epsilon=eps, name="norm")
    )
    init = keras.initializers.GlorotUniform
    return keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(
                units, use_bias=False, kernel_initializer=init(seed), name="normalized_dense"
            ),
            norm,
            keras.layers.ReLU(name="relu"),
            keras.layers.Dense(10, kernel_initializer=init(seed + 1), name="output"),
        ],
        name=f"{normalization}_normalized_mlp",
    )


def mlp(width, parametrization="sp", base_width=32, depth=2, inputs=64, classes=10, seed=0):
    """A ReLU MLP for the digits in the standard (SP) or maximal-update (μP) parametrization.

    `depth` ReLU layers of `width` units ("input_dense", then "hidden_1", ...), then logits
    ("output"); in μP a `Rescaling` layer ("output_multiplier") multiplies the last hidden
    layer's output by base_width / width before the output layer (the same as multiplying the
    output layer's W x). Initialisation as `lrlab.scale.parametrization_rules` says: normal,
    std sqrt(2/fan_in) for the ReLU layers; std sqrt(1/width) (SP) or sqrt(1/base_width) (μP)
    for the output layer; zero biases. At width == base_width both give the same weights.

    Args:
        width: A Python int >= 1: the hidden width.
        parametrization: "sp" (default) or "mup".
        base_width: A Python int >= 1: the width at which μP equals SP.
        depth: A Python int >= 2: ReLU layers (so at least one width x width hidden layer).
        inputs: A Python int >= 1: input features (64 for the digits).
        classes: A Python int >= 2: output logits.
        seed: A Python int: fixes the initial weights.

    Returns:
        An uncompiled `keras.Sequential` named "<parametrization>_mlp_<width>".
    """
    rules = scale.parametrization_rules(width, base_width, parametrization)
    depth = check.integer("depth", depth, minimum=2)
    inputs = check.integer("inputs", inputs, minimum=1)
    classes = check.integer("classes", classes, minimum=2)
    seed = check.integer("seed", seed)

    def normal(std, offset):
        return keras.initializers.RandomNormal(stddev=std, seed=seed + offset)

    layers = [
        keras.Input((inputs,)),
        keras.layers.Dense(
            width,
            activation="relu",
            kernel_initializer=normal(np.sqrt(2 / inputs), 0),
            name="input_dense",
        ),
    ]
    for i in range(1, depth):
        layers.append(
            keras.layers.Dense(
                width,
                activation="relu",
                kernel_initializer=normal(np.sqrt(2 / width), i),
                name=f"hidden_{i}",
            )
        )
    if parametrization == "mup":
        layers.append(keras.layers.Rescaling(rules["output_multiplier"], name="output_multiplier"))
    layers.append(
        keras.layers.Dense(
            classes, kernel_initializer=normal(rules["output"]["init_std"], depth), name="output"
        )
    )
    return keras.Sequential(layers, name=f"{parametrization}_mlp_{width}")


def hidden_kernels(model):
    """The kernels of the `mlp`'s hidden layers (width x width), input side first."""
    return [layer.kernel for layer in model.layers if layer.name.startswith("hidden_")]


def mup_learning_rates(model, learning_rate, base_width, parametrization="mup"):
    """{variable path: Adam learning rate} for every trainable variable of an `mlp`.

    μP: each hidden kernel gets `learning_rate * base_width / width` (its fan-in is the width);
    every other variable, biases included, `learning_rate`. SP: `learning_rate` for all.

    Args:
        model: A model built by `mlp`.
        learning_rate: A Python float > 0: the base learning rate.
        base_width: A Python int >= 1.
        parametrization: "mup" (default) or "sp".

    Returns:
        A dict {variable path: Python float}.
    """
    lr = check.positive("learning_rate", learning_rate)
    rates = {variable.path: lr for variable in model.trainable_variables}
    for kernel in hidden_kernels(model):
        rule = scale.parametrization_rules(kernel.shape[0], base_width, parametrization)
        rates[kernel.path] = lr * rule["hidden"]["lr_multiplier"]
    return rates


def parametrized_optimizer(model, learning_rate, base_width, parametrization="mup", **kwargs):
    """Adam with `mup_learning_rates` per variable, through lesson 08's `per_layer_optimizer`.

    `kwargs` go to `per_layer_optimizer` (and on to every `keras.optimizers.Adam`).
    """
    rates = mup_learning_rates(model, learning_rate, base_width, parametrization)
    return fine_tuning.per_layer_optimizer(
        keras.optimizers.Adam, rates, float(learning_rate), **kwargs
    )


def learning_rate_sweep(
    model, optimizer, learning_rates, x, y, *, epochs, batch_size, seed=0, loss=None
):
    """Train `model` from its current weights once per base learning rate; the final losses.

    `model` is compiled once with `optimizer` (built for any base LR, e.g. by
    `parametrized_optimizer`, whose per-variable LR ratios are kept), so its training step is
    traced once. Before each run `search.reuse_model` brings back the initial weights and the
    fresh optimizer (step counter and moments) and sets each member's LR to base LR x its ratio;
    every run sees the same batches (shuffled with `seed`). Equal to a fresh model and optimizer
    per LR.

    Args:
        model: An uncompiled Keras model (logits out).
        optimizer: A Keras optimizer (plain, per-layer or MultiOptimizer), not yet used.
        learning_rates: A sequence of Python floats > 0: the base learning rates.
        x, y: Training inputs and integer labels.
        epochs: A Python int >= 1.
        batch_size: A Python int >= 1.
        seed: A Python int: the batch order.
        loss: The loss (default: sparse categorical cross-entropy from logits).

    Returns:
        A NumPy array: the mean training loss of the last epoch of each run (nan if it diverged).
    """
    rates = [check.positive("learning_rates", lr) for lr in learning_rates]
    if not rates:
        check.fail("learning_rates", "must hold at least one learning rate", learning_rates)
    epochs = check.integer("epochs", epochs, minimum=1)
    batch_size = check.integer("batch_size", batch_size, minimum=1)
    seed = check.integer("seed", seed)
    import tensorflow as tf

    loss = loss or keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=optimizer, loss=loss)
    initial = model.get_weights()
    restart = search.reuse_model(model, lambda _: initial)
    losses = []
    for lr in rates:
        restart(lr)  # the initial weights, a fresh optimizer state, base LR lr
        batches = tf.data.Dataset.from_tensor_slices((x, y))
        batches = batches.shuffle(len(x), seed=seed).batch(batch_size)
        history = model.fit(batches, epochs=epochs, shuffle=False, verbose=0)
        last = history.history["loss"][-1]
        losses.append(last if np.isfinite(last) else np.nan)
    model.set_weights(initial)
    return np.asarray(losses, dtype=float)


class UpdateRatioRecorder(keras.callbacks.Callback):
    """Record each layer's update-to-weight ratio |w_after - w_before| / |w_before| during `fit`.

    For every layer with a `kernel` (or the `layers` given), after every training batch
    (`every="batch"`) or epoch (`every="epoch"`) it logs the ratio of its kernel, and the
    kernel's norm after the update. CS231n's rule of thumb: about 1e-3 per step (Frobenius
    norm). With `steps_per_execution=N`, Keras calls batch hooks once per N batches, so each
    entry then spans N steps.

    Example:

    >>> recorder = UpdateRatioRecorder()
    >>> # model.fit(..., callbacks=[recorder]); recorder.ratios["dense"] -> one float per step
    >>> recorder.ratios, recorder.norms
    ({}, {})

    Args:
        layers: None (default: every layer with a kernel) or a list of layer names.
        every: "batch" (default) or "epoch".
        ord: "fro" (Frobenius, default) or 2 (spectral norm, for 2-D kernels), as in
            `lrlab.scale.update_ratio`.

    Attributes:
        ratios: {layer name: list of Python floats}, one per batch (or epoch).
        norms: {layer name: list of the kernel's norm after each batch (or epoch)}.
        start_norms: {layer name: the kernel's norm when `fit` began (the last `fit`)}.
    """

    def __init__(self, layers=None, every="batch", ord="fro"):
        super().__init__()
        if every not in ("batch", "epoch"):
            check.fail("every", "must be 'batch' or 'epoch'", every)
        if ord not in ("fro", 2):
            check.fail("ord", "must be 'fro' or 2", ord)
        if layers is not None and (
            isinstance(layers, str) or not all(isinstance(name, str) for name in layers)
        ):
            check.fail("layers", "must be None or a list of layer names", layers)
        self.layer_names, self.every, self.ord = layers, every, ord
        self.ratios, self.norms, self.start_norms, self._before = {}, {}, {}, {}

    def trajectory(self, layer):
        """(norms, ratios) of `layer` as NumPy arrays: the kernel's norm when `fit` began and
        after each batch (or epoch), one more than the ratios.

        Raises:
            ValueError: if nothing was recorded for `layer`.
        """
        if layer not in self.ratios:
            check.fail("layer", f"must be a recorded layer, one of {sorted(self.ratios)}", layer)
        norms = np.array([self.start_norms[layer], *self.norms[layer]])
        return norms, np.array(self.ratios[layer])

    def _kernels(self):
        layers = self.model.layers
        if self.layer_names is None:
            return {layer.name: layer.kernel for layer in layers if hasattr(layer, "kernel")}
        by_name = {layer.name: layer for layer in layers}
        missing = [name for name in self.layer_names if name not in by_name]
        if missing:
            check.fail("layers", f"names layers the model lacks: {missing}", self.layer_names)
        return {name: by_name[name].kernel for name in self.layer_names}

    def _snapshot(self):
        self._before = {
            name: keras.ops.convert_to_numpy(kernel) for name, kernel in self._kernels().items()
        }

    def _record(self):
        for name, kernel in self._kernels().items():
            after = keras.ops.convert_to_numpy(kernel)
            self.ratios.setdefault(name, []).append(
                scale.update_ratio(self._before[name], after, self.ord)
            )
            self.norms.setdefault(name, []).append(self._norm(after))
            self._before[name] = after

    def _norm(self, weights):
        return float(
            np.linalg.norm(weights, ord=2) if self.ord == 2 else np.sqrt(np.sum(weights**2))
        )

    def on_train_begin(self, logs=None):
        self._snapshot()
        self.start_norms = {name: self._norm(weights) for name, weights in self._before.items()}

    def on_train_batch_end(self, batch, logs=None):
        if self.every == "batch":
            self._record()

    def on_epoch_begin(self, epoch, logs=None):
        if self.every == "epoch":
            self._snapshot()

    def on_epoch_end(self, epoch, logs=None):
        if self.every == "epoch":
            self._record()
