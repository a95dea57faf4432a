"""Quiet TensorFlow before any test imports it, seed each test, and keep deprecations loud."""

import os
import pathlib
import sys

import pytest

# instructor/ (solutions, hidden cases, nbgrader) is not a package students install: tests import it from the tree.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from lrlab.notebook import THIRD_PARTY_NOISE, quiet_tensorflow  # noqa: E402

quiet_tensorflow()
# nbval's kernels inherit this: there `lrlab.setup()` turns DeprecationWarnings into errors too.
os.environ["LRLAB_STRICT_WARNINGS"] = "1"


def pytest_configure(config):
    # After pyproject.toml's "error::DeprecationWarning", so these win: the one list of known noise.
    for message, module in THIRD_PARTY_NOISE:
        config.addinivalue_line("filterwarnings", f"ignore:{message}:DeprecationWarning:{module}")


@pytest.fixture(autouse=True)
def _seeded():
    import keras

    keras.utils.set_random_seed(0)
