"""Quiet TensorFlow before any test imports it, and seed each test."""

import pathlib
import sys

import pytest

# instructor/ (solutions, hidden cases, nbgrader) is not a package students install: tests import it from the tree.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from lrlab.notebook import quiet_tensorflow

quiet_tensorflow()


@pytest.fixture(autouse=True)
def _seeded():
    import keras

    keras.utils.set_random_seed(0)
