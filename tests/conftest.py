"""Quiet TensorFlow before any test imports it, and seed each test."""

import pytest

from lrlab.notebook import quiet_tensorflow

quiet_tensorflow()


@pytest.fixture(autouse=True)
def _seeded():
    import keras

    keras.utils.set_random_seed(0)
