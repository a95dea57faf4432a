"""Tiny Keras models that train in about a second on a laptop CPU: the digits MLP, the
lesson-07 capstone's model with its training budget, and `branch`, which forks a training run
(lesson 09's warmup-stable-decay cooldowns)."""

from lrlab import _validation as check
from lrlab import data

__all__ = [
    "digits_mlp",
    "deep_mlp",
    "evaluate",
    "train_digits",
    "CAPSTONE",
    "capstone_model",
    "train_capstone",
    "branch",
]

# The capstone's budget and goal: the notebook states it, the `plan_learning_rate` checker enforces it.
CAPSTONE = {"steps_per_epoch": 30, "epochs": 5, "batch_size": 25, "target_accuracy": 0.85}


def digits_mlp(hidden_units=64, optimizer=None, seed=0):
    """A 64-`hidden_units`-10 ReLU MLP for the 8x8 digits, compiled when `optimizer` is given.

    Args:
        hidden_units: A Python int >= 1.
        optimizer: A Keras optimizer (or name) to compile with, or None to return it uncompiled.
        seed: A Python int: fixes the initial weights, so two models with one seed start equal.

    Returns:
        A `keras.Sequential`, compiled with sparse categorical cross-entropy and accuracy when an
        optimizer was given.
    """
    units = check.integer("hidden_units", hidden_units, minimum=1)
    seed = check.integer("seed", seed)
    import keras

    init = keras.initializers.GlorotUniform
    model = keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(units, activation="relu", kernel_initializer=init(seed)),
            keras.layers.Dense(10, activation="softmax", kernel_initializer=init(seed + 1)),
        ],
        name="digits_mlp",
    )
    if optimizer is not None:
        model.compile(
            optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"]
        )
    return model


def deep_mlp(optimizer=None, depth=4, hidden_units=64, seed=0):
    """A deeper digits MLP: `depth` ReLU layers of `hidden_units`, then a 10-way softmax.

    Lesson 07 uses it to show warm-up: deep ReLU stacks are the ones a large first step breaks.

    Args:
        optimizer: A Keras optimizer to compile with (sparse categorical cross-entropy and
            accuracy), or None to return it uncompiled.
        depth: A Python int >= 1, the number of hidden layers.
        hidden_units: A Python int >= 1.
        seed: A Python int: seeds Keras's global random state (`keras.utils.set_random_seed`),
            then the layers draw their initial weights from it.

    Returns:
        A `keras.Sequential` for the 8x8 digits (64 inputs).
    """
    depth = check.integer("depth", depth, minimum=1)
    units = check.integer("hidden_units", hidden_units, minimum=1)
    seed = check.integer("seed", seed)
    import keras

    keras.utils.set_random_seed(seed)  # Keras's default initializers, drawn from this seed
    layers = [keras.layers.Dense(units, activation="relu") for _ in range(depth)]
    model = keras.Sequential(
        [keras.Input((64,)), *layers, keras.layers.Dense(10, activation="softmax")], name="deep_mlp"
    )
    if optimizer is not None:
        model.compile(
            optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"]
        )
    return model


def evaluate(model, x, y):
    """`(accuracy, cross-entropy)` of a softmax classifier on `(x, y)`, as Python floats.

    One eager call of the model (no `evaluate()`, so no extra graph to trace).
    """
    import keras
    import numpy as np

    probabilities = keras.ops.convert_to_numpy(model(x))
    accuracy = np.mean(probabilities.argmax(axis=1) == y)
    loss = -np.mean(np.log(np.clip(probabilities[np.arange(len(y)), y], 1e-7, 1.0)))
    return float(accuracy), float(loss)


def train_digits(optimizer, x, y, *, batch_size, epochs, strategy=None, callbacks=(), seed=0):
    """Build `digits_mlp(seed=seed)` (inside `strategy.scope()` when given), train it, return it.

    Args:
        optimizer: A fresh Keras optimizer; with a `strategy`, pass a function returning one,
            since optimizers must be created inside the strategy's scope.
        x, y: The training data.
        batch_size: A Python int, the (global) batch size.
        epochs: A Python int.
        strategy: A `tf.distribute.Strategy`, or None for one device.
        callbacks: Keras callbacks for `fit`.
        seed: A Python int: seeds the initial weights and the shuffling.

    Returns:
        The trained `keras.Sequential`.
    """
    import contextlib

    import keras

    keras.utils.set_random_seed(seed)
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        model = digits_mlp(optimizer=optimizer() if callable(optimizer) else optimizer, seed=seed)
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=list(callbacks))
    return model


def save_and_load(model):
    """Save `model` to a temporary `.keras` file and load it back: a real round trip, as
    `model.save` then `keras.models.load_model` in a later session would do.

    Returns:
        The loaded model (its optimizer, step counter and schedule included).
    """
    import os
    import tempfile

    import keras

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        return keras.models.load_model(path)


def capstone_model():
    """The model the lesson-07 student never sees: a 16-32-32-3 ReLU MLP, seeded, uncompiled.

    Returns:
        A `keras.Sequential` for `data.capstone_data()`, the same initial weights every call.
    """
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((16,)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )


def train_capstone(optimizer):
    """Train `capstone_model()` with `optimizer` on the `CAPSTONE` budget.

    Args:
        optimizer: A fresh (unbuilt) Keras optimizer, learning rate or schedule included.

    Returns:
        `(val_accuracies, losses)`: the validation accuracy after each epoch, and the training
        loss curve the way lesson 03 reads it (`lrlab.diagnosis`): the loss on the whole training
        set before training, then the mean batch loss of each epoch (`epochs + 1` values).
    """
    import keras
    import numpy as np

    (x, y), (x_val, y_val) = data.capstone_data()
    model = capstone_model()
    # Computed eagerly (a few small matrix products) rather than by evaluate(), which would
    # trace a second graph: the checker trains once per answer, so this keeps it fast.
    accuracies = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: accuracies.append(
            float(np.mean(keras.ops.convert_to_numpy(model(x_val)).argmax(axis=1) == y_val))
        )
    )
    start = float(keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y, model(x))))
    # Not student-facing: one graph call per epoch, and no per-batch callback to miss.
    model.compile(
        optimizer,
        "sparse_categorical_crossentropy",
        steps_per_execution=CAPSTONE["steps_per_epoch"],
    )
    history = model.fit(
        x,
        y,
        batch_size=CAPSTONE["batch_size"],
        epochs=CAPSTONE["epochs"],
        verbose=0,
        callbacks=[record],
    )
    return accuracies, [start, *history.history["loss"]]


def branch(model, learning_rate, **compile_kwargs):
    """A copy of a compiled, trained `model` that continues its training with a new `learning_rate`.

    The copy gets the model's weights and its optimizer's whole state (step counter, Adam's
    moments...), in a fresh optimizer of the same class and settings whose learning rate is
    `learning_rate`: a warmup-stable-decay cooldown branched off a shared stable run. The
    original model is left as it was, so it can go on and branch again later.

    Args:
        model: A compiled Keras model whose optimizer is built (it has trained).
        learning_rate: A Python float or a `LearningRateSchedule` for the copy's optimizer; a
            schedule is evaluated at the copied step counter, so it continues from there.
        **compile_kwargs: Passed to the copy's `compile` (loss, metrics, steps_per_execution...).

    Returns:
        The compiled copy, a new Keras model.

    Raises:
        ValueError: if `model` has no built optimizer, or its optimizer's state cannot be copied.
    """
    import keras

    old = getattr(model, "optimizer", None)
    if old is None or not old.built:
        check.fail(
            "model", "must be compiled and trained (its optimizer built) before branching", model
        )
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    optimizer = type(old).from_config({**old.get_config(), "learning_rate": learning_rate})
    copy.compile(optimizer=optimizer, **compile_kwargs)
    optimizer.build(copy.trainable_variables)
    if [tuple(v.shape) for v in optimizer.variables] != [tuple(v.shape) for v in old.variables]:
        check.fail(
            "model",
            f"must have an optimizer whose state can be copied ({type(old).__name__}'s variables "
            "differ in the copy)",
            model,
        )
    for new, value in zip(optimizer.variables, old.variables):
        new.assign(value)
    return copy
