"""Tiny Keras models that train on the digits in about a second on a laptop CPU."""

from lrlab import _validation as check

__all__ = ["digits_mlp"]


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
