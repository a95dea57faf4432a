"""lrlab.cyclical closed forms against independent references (the callback that applies
one-cycle is tested in test_callbacks.py)."""

import math

import numpy as np
import pytest

from lrlab import cyclical

# ---- triangular (Smith 2015) ----------------------------------------------------------------


def _triangle_reference(step, base, top, half):
    """Piecewise-linear interpolation through the cycle's corners: base, top, base, top..."""
    knots = np.arange(0, step + 2 * half + 1, half)
    values = np.where(np.arange(len(knots)) % 2 == 0, base, top)
    return float(np.interp(step, knots, values))


@pytest.mark.parametrize("step", [0, 1, 3, 4, 5, 7, 8, 13, 40, 41.5])
def test_triangular_matches_interpolated_corners(step):
    got = cyclical.triangular(step, 0.002, 0.05, step_size=4)
    assert math.isclose(got, _triangle_reference(step, 0.002, 0.05, 4), rel_tol=1e-12)


def test_triangular_modes_scale_the_amplitude():
    base, top, half = 0.01, 0.11, 5
    # peaks of cycles 1, 2, 3 are at steps 5, 15, 25
    assert cyclical.triangular(
        [5, 15, 25], base, top, half, mode="triangular"
    ).tolist() == pytest.approx([0.11] * 3)
    assert cyclical.triangular(
        [5, 15, 25], base, top, half, mode="triangular2"
    ).tolist() == pytest.approx([0.11, 0.06, 0.035])
    gamma = 0.99
    got = cyclical.triangular(15, base, top, half, mode="exp_range", gamma=gamma)
    assert got == pytest.approx(base + (top - base) * gamma**15)
    # troughs stay at base_lr in every mode
    for mode in cyclical.TRIANGULAR_MODES:
        assert cyclical.triangular(20, base, top, half, mode=mode, gamma=gamma) == pytest.approx(
            base
        )


def test_triangular_array_in_array_out():
    steps = np.arange(12).reshape(3, 4)
    out = cyclical.triangular(steps, 0.1, 1.0, 3)
    assert out.shape == (3, 4)
    assert isinstance(cyclical.triangular(2, 0.1, 1.0, 3), float)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(base_lr=0.0), "base_lr"),
        (dict(max_lr=0.001), "max_lr"),
        (dict(step_size=0), "step_size"),
        (dict(mode="cosine"), "mode"),
        (dict(gamma=1.5), "gamma"),
        (dict(step=-1), "step"),
    ],
)
def test_triangular_rejects_bad_arguments(kwargs, name):
    args = dict(step=3, base_lr=0.01, max_lr=0.1, step_size=4) | kwargs
    with pytest.raises(ValueError, match=f"`{name}`"):
        cyclical.triangular(**args)


# ---- one-cycle ----------------------------------------------------------------------------


def test_one_cycle_corners():
    total, top = 201, 0.8  # peak at step 0.25 * 200 = 50
    assert cyclical.one_cycle(0, total, top, pct_start=0.25) == pytest.approx(top / 25)
    assert cyclical.one_cycle(50, total, top, pct_start=0.25) == top
    assert cyclical.one_cycle(200, total, top, pct_start=0.25) == pytest.approx(top / 25 / 1e4)
    # after the cycle the LR stays at its final value
    assert cyclical.one_cycle(10_000, total, top, pct_start=0.25) == pytest.approx(top / 25 / 1e4)


def test_one_cycle_linear_is_smiths_triangle():
    total, top, div, final_div = 101, 0.3, 10.0, 100.0
    steps = np.arange(total)
    knots, values = [0, 30, 100], [top / div, top, top / div / final_div]
    got = cyclical.one_cycle(
        steps, total, top, div_factor=div, final_div_factor=final_div, anneal="linear"
    )
    np.testing.assert_allclose(got, np.interp(steps, knots, values), rtol=1e-12)


def test_one_cycle_cosine_is_monotone_with_half_way_means():
    total, top = 101, 0.3
    lr = cyclical.one_cycle(np.arange(total), total, top)
    assert np.all(np.diff(lr[:31]) > 0) and np.all(np.diff(lr[30:]) < 0)
    low, final = top / 25, top / 25 / 1e4
    assert lr[15] == pytest.approx((low + top) / 2)  # half-way up: cos(pi/2) = 0
    assert lr[65] == pytest.approx((top + final) / 2)  # half-way down
    # a half cosine starts flat: the first step rises less than a straight line would
    assert lr[1] - lr[0] < (top - low) / 30


def test_one_cycle_momentum_mirrors_the_lr():
    total = 101
    steps = np.arange(total)
    lr = cyclical.one_cycle(steps, total, 1.0, div_factor=1e9, final_div_factor=1.0)  # low end ~ 0
    momentum = cyclical.one_cycle_momentum(steps, total, base_momentum=0.8, max_momentum=0.9)
    # both use the same phases: momentum = max - (max - base) * (lr normalised to [0, 1])
    np.testing.assert_allclose(momentum, 0.9 - 0.1 * lr, atol=1e-9)
    assert cyclical.one_cycle_momentum(30, total, 0.8, 0.9) == pytest.approx(0.8)
    assert cyclical.one_cycle_momentum(100, total, 0.8, 0.9) == pytest.approx(0.9)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(total_steps=1), "total_steps"),
        (dict(total_steps=10.5), "total_steps"),
        (dict(max_lr=-0.1), "max_lr"),
        (dict(pct_start=1.0), "pct_start"),
        (dict(div_factor=0.5), "div_factor"),
        (dict(final_div_factor=0.0), "final_div_factor"),
        (dict(anneal="exp"), "anneal"),
    ],
)
def test_one_cycle_rejects_bad_arguments(kwargs, name):
    args = dict(step=3, total_steps=100, max_lr=0.1) | kwargs
    with pytest.raises(ValueError, match=f"`{name}`"):
        cyclical.one_cycle(**args)


@pytest.mark.parametrize(
    "kwargs, name",
    [(dict(base_momentum=1.0), "base_momentum"), (dict(max_momentum=0.5), "max_momentum")],
)
def test_one_cycle_momentum_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        cyclical.one_cycle_momentum(**(dict(step=0, total_steps=10) | kwargs))
