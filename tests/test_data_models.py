"""The offline digits data and the tiny model: deterministic, scaled, quick to train."""

import sys

import numpy as np
import pytest

from lrlab import data, models


def test_digits_split_is_deterministic_scaled_and_stratified():
    (x1, y1), (xv1, yv1) = data.load_digits()
    (x2, y2), _ = data.load_digits()
    np.testing.assert_array_equal(x1, x2)
    assert x1.shape == (1347, 64) and xv1.shape == (450, 64)
    assert x1.dtype == np.float32 and 0.0 <= x1.min() and x1.max() <= 1.0 and x1.max() == 1.0
    assert set(np.unique(y1)) == set(range(10))
    assert np.abs(np.bincount(yv1) / len(yv1) - np.bincount(y1) / len(y1)).max() < 0.01
    (x3, _), _ = data.load_digits(seed=1)
    assert not np.array_equal(x1, x3)


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.1, "a"])
def test_bad_validation_fraction(fraction):
    with pytest.raises(ValueError, match="`validation_fraction`"):
        data.load_digits(validation_fraction=fraction)


def test_digits_mlp_learns_and_is_seeded():
    import keras

    (x, y), (xv, yv) = data.load_digits()
    model = models.digits_mlp(optimizer=keras.optimizers.Adam(0.01))
    same = models.digits_mlp()
    for a, b in zip(model.get_weights(), same.get_weights()):
        np.testing.assert_array_equal(a, b)
    model.fit(x, y, epochs=5, batch_size=64, verbose=0)
    _, accuracy = model.evaluate(xv, yv, verbose=0)
    assert accuracy > 0.9


def test_digits_mlp_bad_units():
    with pytest.raises(ValueError, match="`hidden_units`.*Received: hidden_units=0"):
        models.digits_mlp(hidden_units=0)


def test_import_lrlab_does_not_import_tensorflow():
    import subprocess

    code = "import lrlab, lrlab.schedules, lrlab.landscapes, lrlab.exercises, sys; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
