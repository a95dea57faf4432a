"""lrlab.cyclical closed forms and lrlab.one_cycle.OneCycleScheduler, against independent references."""

import math

import keras
import numpy as np
import pytest

from lrlab import cyclical
from lrlab.callbacks import LearningRateRecorder
from lrlab.one_cycle import OneCycleScheduler


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
    assert cyclical.triangular([5, 15, 25], base, top, half, mode="triangular").tolist() == pytest.approx([0.11] * 3)
    assert cyclical.triangular([5, 15, 25], base, top, half, mode="triangular2").tolist() == pytest.approx(
        [0.11, 0.06, 0.035]
    )
    gamma = 0.99
    got = cyclical.triangular(15, base, top, half, mode="exp_range", gamma=gamma)
    assert got == pytest.approx(base + (top - base) * gamma**15)
    # troughs stay at base_lr in every mode
    for mode in cyclical.TRIANGULAR_MODES:
        assert cyclical.triangular(20, base, top, half, mode=mode, gamma=gamma) == pytest.approx(base)


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
    got = cyclical.one_cycle(steps, total, top, div_factor=div, final_div_factor=final_div, anneal="linear")
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


# ---- warm-up + cosine == Keras CosineDecay -----------------------------------------------------

@pytest.mark.parametrize(
    "initial, decay_steps, target, warmup, alpha",
    [(0.0, 50, 0.1, 10, 0.0), (0.01, 37, 0.5, 13, 0.1), (0.2, 20, 0.2, 0, 0.05)],
)
def test_warmup_cosine_matches_keras_cosine_decay(initial, decay_steps, target, warmup, alpha):
    steps = np.arange(0, warmup + decay_steps + 15)  # also beyond the end
    keras_schedule = keras.optimizers.schedules.CosineDecay(
        initial, decay_steps, alpha=alpha, warmup_target=target, warmup_steps=warmup
    )
    expected = np.array([float(keras_schedule(s)) for s in steps])
    got = cyclical.warmup_cosine(steps, initial, decay_steps, target, warmup, alpha=alpha)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)  # float32 near 0


def test_warmup_cosine_decay_runs_after_the_warmup():
    # the LR reaches its floor at warmup + decay_steps, not at decay_steps
    assert cyclical.warmup_cosine(50, 0.0, 50, 0.1, 10) > 0.0
    assert cyclical.warmup_cosine(60, 0.0, 50, 0.1, 10) == pytest.approx(0.0, abs=1e-15)


# ---- the Keras callback --------------------------------------------------------------------

def _tiny_fit(optimizer, callbacks, epochs=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(96, 5)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int32")
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=16, epochs=epochs, verbose=0, callbacks=callbacks)
    return model


class _MomentumRecorder(keras.callbacks.Callback):
    def __init__(self, name):
        super().__init__()
        self.name, self.values = name, []

    def on_train_batch_end(self, batch, logs=None):
        self.values.append(float(keras.ops.convert_to_numpy(getattr(self.model.optimizer, self.name))))


def test_scheduler_sets_the_closed_form_lr_every_batch():
    total = 3 * 6  # 96 rows / 16 per batch = 6 steps per epoch
    scheduler = OneCycleScheduler(total, max_lr=0.4, pct_start=0.4)
    recorder = LearningRateRecorder()
    _tiny_fit(keras.optimizers.SGD(0.01), [scheduler, recorder])
    expected = cyclical.one_cycle(np.arange(total), total, 0.4, pct_start=0.4)
    assert recorder.steps == list(range(total))
    np.testing.assert_allclose(recorder.batch_lrs, expected, rtol=1e-6)


@pytest.mark.parametrize("optimizer, name", [(lambda: keras.optimizers.SGD(0.01, momentum=0.9), "momentum"),
                                             (lambda: keras.optimizers.Adam(0.01), "beta_1")])
def test_scheduler_cycles_momentum_and_restores_a_float(optimizer, name):
    total = 18
    scheduler = OneCycleScheduler(total, 0.1, cycle_momentum=True, base_momentum=0.8, max_momentum=0.95)
    recorder = _MomentumRecorder(name)
    model = _tiny_fit(optimizer(), [scheduler, recorder])
    expected = cyclical.one_cycle_momentum(np.arange(total), total, 0.8, 0.95)
    np.testing.assert_allclose(recorder.values, expected, rtol=1e-6)
    assert scheduler.momentum_name == name
    value = getattr(model.optimizer, name)
    assert isinstance(value, float) and value == pytest.approx(0.95)
    assert model.optimizer.get_config()[name] == pytest.approx(0.95)


def test_cycled_momentum_really_drives_the_update():
    # SGD built with momentum 0.9, scheduler holding it at 0.5 == SGD built with momentum 0.5
    total = 18
    held = OneCycleScheduler(total, 0.2, cycle_momentum=True, base_momentum=0.5, max_momentum=0.5)
    a = _tiny_fit(keras.optimizers.SGD(0.01, momentum=0.9), [held])
    b = _tiny_fit(keras.optimizers.SGD(0.01, momentum=0.5), [OneCycleScheduler(total, 0.2)])
    c = _tiny_fit(keras.optimizers.SGD(0.01, momentum=0.9), [OneCycleScheduler(total, 0.2)])
    for wa, wb, wc in zip(a.get_weights(), b.get_weights(), c.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)
    assert not all(np.allclose(wa, wc, atol=1e-4) for wa, wc in zip(a.get_weights(), c.get_weights()))


def test_scheduler_refuses_what_it_cannot_drive():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)
    with pytest.raises(ValueError, match="LearningRateSchedule"):
        _tiny_fit(keras.optimizers.SGD(schedule), [OneCycleScheduler(18, 0.1)], epochs=1)
    with pytest.raises(ValueError, match="momentum > 0"):
        _tiny_fit(keras.optimizers.SGD(0.1), [OneCycleScheduler(18, 0.1, cycle_momentum=True)], epochs=1)
    with pytest.raises(ValueError, match="beta_1"):
        _tiny_fit(keras.optimizers.RMSprop(0.1), [OneCycleScheduler(18, 0.1, cycle_momentum=True)], epochs=1)
    with pytest.raises(ValueError, match="`max_lr`"):
        OneCycleScheduler(18, 0.0)
    with pytest.raises(ValueError, match="`cycle_momentum`"):
        OneCycleScheduler(18, 0.1, cycle_momentum="yes")
