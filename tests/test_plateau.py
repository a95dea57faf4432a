"""`lrlab.plateau.reduce_on_plateau` replays Keras's own ReduceLROnPlateau, cut for cut."""

import keras
import numpy as np
import pytest

from lrlab import models, plateau


def _keras_lrs(monitored, initial_lr, **kwargs):
    """The LR of each epoch when Keras's callback watches `monitored` (its hooks called directly)."""
    model = models.digits_mlp(optimizer=keras.optimizers.SGD(initial_lr))
    callback = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", **kwargs)
    callback.set_model(model)
    callback.on_train_begin()
    lrs = []
    for epoch, value in enumerate(monitored):
        lrs.append(float(model.optimizer.learning_rate))
        callback.on_epoch_end(epoch, {"val_loss": value})
    return lrs


# Near-ties (a gain of exactly min_delta is not an improvement), plateaus, cooldown, min_lr, NaN.
CURVES = [
    (
        [0.5, 0.4, 0.4, 0.39995, 0.3, 0.31, 0.32, 0.33, 0.2, 0.2, 0.2, 0.2],
        {"factor": 0.5, "patience": 1, "cooldown": 1},
    ),
    (
        [0.5, 0.4, 0.4, 0.39995, 0.3, 0.31, 0.32, 0.33, 0.2, 0.2, 0.2, 0.2],
        {"factor": 0.5, "patience": 2},
    ),
    ([1.0] * 12, {"factor": 0.1, "patience": 1, "min_lr": 1e-3}),
    (
        [1.0, 0.9, 0.8999, 0.85, 0.8499, 0.8498, 0.7, 0.7],
        {"factor": 0.2, "patience": 1, "min_delta": 0.01},
    ),
    (
        [1.0, float("nan"), 0.9, 0.95, 0.95, 0.95, 0.95],
        {"factor": 0.5, "patience": 2, "cooldown": 2},
    ),
]


@pytest.mark.parametrize("monitored, kwargs", CURVES)
def test_the_replay_predicts_every_lr_keras_uses(monitored, kwargs):
    trace = plateau.reduce_on_plateau(monitored, 0.1, **kwargs)
    np.testing.assert_allclose(trace["lr"], _keras_lrs(monitored, 0.1, **kwargs), rtol=1e-6)
    cuts = [e for e in range(len(monitored) - 1) if trace["lr"][e + 1] < trace["lr"][e]]
    assert cuts == [e for e, cut in enumerate(trace["cut"]) if cut][: len(cuts)]


def test_the_trace_explains_each_epoch():
    trace = plateau.reduce_on_plateau([0.5, 0.4, 0.39995, 0.38, 0.38], 0.1, factor=0.5, patience=1)
    assert trace["best"] == [np.inf, 0.5, 0.4, 0.4, 0.38]
    assert trace["improved"] == [
        True,
        True,
        False,
        True,
        False,
    ]  # 0.39995 beats 0.4 by less than 1e-4
    assert trace["wait"] == [0, 0, 0, 0, 0]  # patience 1: each miss cuts and resets
    assert trace["cut"] == [False, False, True, False, True]
    assert trace["lr"] == [0.1, 0.1, 0.1, 0.05, 0.05]


@pytest.mark.parametrize(
    "name, value",
    [
        ("initial_lr", 0.0),
        ("factor", 1.0),
        ("patience", 0),
        ("cooldown", -1),
        ("min_delta", -1e-4),
        ("min_lr", -1.0),
    ],
)
def test_bad_arguments_name_themselves(name, value):
    kwargs = {"initial_lr": 0.1, name: value}
    with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}="):
        plateau.reduce_on_plateau([1.0], **kwargs)
