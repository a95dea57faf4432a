"""Keras 2 learning-rate idioms, each run in the installed Keras 3 next to its replacement:
the table lesson 07 shows, built from what really happens, never typed in."""

import warnings

__all__ = ["outcome", "keras2_idioms", "markdown_table"]


def _short(message, limit=80):
    """The first sentence of the first line of `message`, cut at a word boundary if still too long."""
    text = message.splitlines()[0].split(". ")[0]
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " ..."


def outcome(action):
    """Run `action()` and describe what happened in a few words: its result, its first warning
    (NumPy/TensorFlow DeprecationWarnings aside), or its exception.

    >>> outcome(lambda: 1 / 0)
    'ZeroDivisionError: division by zero'
    >>> outcome(lambda: None)
    'works'
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = action()
        except Exception as error:
            return f"{type(error).__name__}: {_short(str(error))}"
    text = "works" + ("" if result is None else f" ({result})")
    caught = [w for w in caught if not issubclass(w.category, DeprecationWarning)]
    if caught:
        text += f"; {caught[0].category.__name__}: {_short(str(caught[0].message))}"
    return text.replace("|", "/")  # a Markdown table cell


def _lr_after_steps(optimizer, steps=10):
    import keras
    import numpy as np

    w = keras.Variable(np.ones(3, "float32"))
    for _ in range(steps):
        optimizer.apply([np.ones(3, "float32")], [w])
    return f"LR after {steps} steps: {float(optimizer.learning_rate):.4g}"


def _set_lr(optimizer, value):
    optimizer.learning_rate = value
    return f"LR now {float(optimizer.learning_rate):.4g}"


def keras2_idioms(x, y):
    """The Keras 2 LR idioms older tutorials use, each with its Keras 3 replacement.

    Args:
        x, y: Training data for the digits MLP (`lrlab.models.digits_mlp`); the callback rows
            fit it for 2 epochs on the first 256 rows.

    Returns:
        A list of `(old, run_old, new, run_new)`: the Keras 2 idiom and its replacement as
        Markdown code, each with a no-argument callable that runs it in Keras 3.
    """
    import keras
    import numpy as np
    import tensorflow as tf

    from lrlab import models

    def fit_with(scheduler):
        model = models.digits_mlp(optimizer=keras.optimizers.SGD(0.1))
        return model.fit(
            x[:256], y[:256], batch_size=128, epochs=2, verbose=0, callbacks=[scheduler]
        ).history

    schedules, callbacks = keras.optimizers.schedules, keras.callbacks
    sgd = keras.optimizers.SGD(0.1)
    return [
        (
            "`SGD(lr=0.1)`",
            lambda: keras.optimizers.SGD(lr=0.1),
            "`SGD(learning_rate=0.1)`",
            lambda: keras.optimizers.SGD(learning_rate=0.1) and None,
        ),
        (
            "`SGD(learning_rate=1)` (an int)",
            lambda: keras.optimizers.SGD(learning_rate=1),
            "`SGD(learning_rate=1.0)`",
            lambda: keras.optimizers.SGD(learning_rate=1.0) and None,
        ),
        (
            "`SGD(0.1, decay=0.01)` (time-based decay)",
            lambda: _lr_after_steps(keras.optimizers.SGD(0.1, decay=0.01)),
            "`SGD(InverseTimeDecay(0.1, 1, 0.01))`",
            lambda: f"LR at step 10: {float(schedules.InverseTimeDecay(0.1, 1, 0.01)(10)):.4g}",
        ),
        (
            "`optimizer.lr`",
            lambda: sgd.lr,
            "`optimizer.learning_rate`",
            lambda: f"{float(sgd.learning_rate):.4g}",
        ),
        (
            "`K.get_value(optimizer.lr)`",
            lambda: keras.backend.get_value(sgd.learning_rate),
            "`float(optimizer.learning_rate)`",
            lambda: f"{float(sgd.learning_rate):.4g}",
        ),
        (
            "`K.set_value(optimizer.lr, 0.05)`",
            lambda: keras.backend.set_value(sgd.learning_rate, 0.05),
            "`optimizer.learning_rate = 0.05`",
            lambda: _set_lr(sgd, 0.05),
        ),
        (
            "`LearningRateScheduler(lambda e, lr: lr * tf.math.exp(-0.1))`",
            lambda: (
                fit_with(callbacks.LearningRateScheduler(lambda e, lr: lr * tf.math.exp(-0.1)))
                and None
            ),
            "`... float(lr * np.exp(-0.1))`",
            lambda: (
                "LRs: "
                + ", ".join(
                    f"{v:.4g}"
                    for v in fit_with(
                        callbacks.LearningRateScheduler(lambda e, lr: float(lr * np.exp(-0.1)))
                    )["learning_rate"]
                )
            ),
        ),
        (
            '`history.history["lr"]`',
            lambda: fit_with(callbacks.LearningRateScheduler(lambda e: 0.1))["lr"],
            '`history.history["learning_rate"]`',
            lambda: [
                round(v, 4)
                for v in fit_with(callbacks.LearningRateScheduler(lambda e: 0.1))["learning_rate"]
            ],
        ),
        (
            "`ReduceLROnPlateau(epsilon=0.5)`",
            lambda: f"min_delta = {callbacks.ReduceLROnPlateau(epsilon=0.5).min_delta:g}",
            "`ReduceLROnPlateau(min_delta=0.5)`",
            lambda: f"min_delta = {callbacks.ReduceLROnPlateau(min_delta=0.5).min_delta:g}",
        ),
        (
            "`keras.optimizers.legacy.SGD`",
            lambda: keras.optimizers.legacy.SGD(0.1),
            "`keras.optimizers.SGD`",
            lambda: keras.optimizers.SGD(0.1) and None,
        ),
        (
            "`tf.keras.optimizers.schedules.ExponentialDecay`",
            lambda: (
                f"{float(tf.keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)(10)):.4g}"
            ),
            "`keras.optimizers.schedules.ExponentialDecay`",
            lambda: f"{float(schedules.ExponentialDecay(0.1, 10, 0.5)(10)):.4g}",
        ),
    ]


def markdown_table(idioms):
    """Run every idiom of `keras2_idioms` and its replacement; the results as a Markdown table."""
    table = [
        "| Keras 2 idiom | what Keras 3 does | Keras 3 replacement | outcome |",
        "|---|---|---|---|",
    ]
    table += [
        f"| {old} | {outcome(run_old)} | {new} | {outcome(run_new)} |"
        for old, run_old, new, run_new in idioms
    ]
    return "\n".join(table)
