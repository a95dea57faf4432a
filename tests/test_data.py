"""The offline data: the digits split is deterministic, scaled and stratified; the capstone's
generated task is fixed."""

import numpy as np
import pytest

from lrlab import data


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
