"""The tiny models: the digits MLP learns and is seeded; the capstone's budget fits its data."""

import numpy as np
import pytest

from lrlab import data, models


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


def test_the_capstone_budget_is_one_pass_over_its_data_per_epoch():
    (x, _), _ = data.capstone_data()
    budget = models.CAPSTONE
    assert -(-len(x) // budget["batch_size"]) == budget["steps_per_epoch"]
