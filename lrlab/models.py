"""Tiny Keras models that train in about a second on a laptop CPU: the digits MLP, and the
lesson-07 capstone's model with its training budget."""

from lrlab import _validation as check
from lrlab import data

__all__ = ["digits_mlp", "CAPSTONE", "capstone_model", "train_capstone"]

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


def capstone_model():
    """The model the lesson-07 student never sees: a 16-32-32-3 ReLU MLP, seeded, uncompiled.

    Returns:
        A `keras.Sequential` for `data.capstone_data()`, the same initial weights every call.
    """
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential([
        keras.Input((16,)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(3, activation="softmax"),
    ])


def train_capstone(optimizer):
    """Train `capstone_model()` with `optimizer` on the `CAPSTONE` budget.

    Args:
        optimizer: A fresh (unbuilt) Keras optimizer, learning rate or schedule included.

    Returns:
        `(val_accuracies, losses)`: two lists with one value per epoch (validation accuracy,
        training loss).
    """
    (x, y), (x_val, y_val) = data.capstone_data()
    model = capstone_model()
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"],
                  steps_per_execution=CAPSTONE["steps_per_epoch"])
    history = model.fit(
        x, y, batch_size=CAPSTONE["batch_size"], epochs=CAPSTONE["epochs"], verbose=0,
        validation_data=(x_val, y_val), validation_batch_size=len(x_val),
    )
    return history.history["val_accuracy"], history.history["loss"]
