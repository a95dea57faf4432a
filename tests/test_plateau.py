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


def _pytorch_lrs(monitored, initial_lr, factor, patience, cooldown, threshold, min_lr):
    """PyTorch's ReduceLROnPlateau.step (mode "min", threshold_mode "abs"), transcribed from
    torch/optim/lr_scheduler.py: bad epochs must exceed `patience`, and a cooldown epoch's bad
    count is reset after it was counted. PyTorch's eps (skip cuts < 1e-8) is left out: the
    curves below never cut that low."""
    lr, best, bad, cooldown_left, lrs = initial_lr, float("inf"), 0, 0, []
    for value in monitored:
        lrs.append(lr)
        if value < best - threshold:
            best, bad = value, 0
        else:
            bad += 1
        if cooldown_left > 0:
            cooldown_left, bad = cooldown_left - 1, 0
        if bad > patience:
            lr, cooldown_left, bad = max(lr * factor, min_lr), cooldown, 0
    return lrs


@pytest.mark.parametrize("patience", [0, 1, 3])
@pytest.mark.parametrize("cooldown", [0, 1, 2])
def test_pytorch_patience_and_cooldown_are_keras_minus_one(patience, cooldown):
    rng = np.random.default_rng(patience * 10 + cooldown)
    for _ in range(200):
        monitored = (np.cumsum(rng.normal(-0.01, 0.05, 30)) + 1).round(2).tolist()
        expected = _pytorch_lrs(monitored, 0.1, 0.5, patience, cooldown, 1e-4, 1e-3)
        replay = plateau.reduce_on_plateau(
            monitored, 0.1, factor=0.5, patience=patience + 1, cooldown=cooldown + 1, min_lr=1e-3
        )
        assert replay["lr"] == pytest.approx(expected, rel=1e-12)


def test_keras_cooldown_one_acts_as_zero():
    flat = [1.0] * 8
    by_cooldown = [_keras_lrs(flat, 0.1, factor=0.5, patience=1, cooldown=c) for c in (0, 1, 2)]
    np.testing.assert_allclose(by_cooldown[0], by_cooldown[1], rtol=1e-6)
    assert by_cooldown[2][3] == pytest.approx(by_cooldown[2][2])  # cooldown 2 holds one epoch
