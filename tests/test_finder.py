"""The LR range test: checked against a NumPy re-run, twin models and curves built by hand."""

import math
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import keras
import numpy as np
import pytest

from lrlab import data, finder, models
from lrlab.finder import RangeTestResult, lr_range_test


@pytest.fixture(scope="module")
def digits():
    return data.load_digits()


def make_optimizer(name, lr=0.01):
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=lr, momentum=0.9)
    return keras.optimizers.Adam(learning_rate=lr)


def quadratic_model(w0, lr=0.05):
    """loss(w) = w**2 with x = 1, y = 0: plain SGD gives w <- w * (1 - 2 * lr), in closed form."""
    model = keras.Sequential(
        [
            keras.Input((1,)),
            keras.layers.Dense(
                1, use_bias=False, kernel_initializer=keras.initializers.Constant(w0)
            ),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    return model


def reference_run(w0, lrs, smoothing, divergence_factor):
    """The range test on loss = w**2, redone in NumPy: raw and smoothed losses, stop included."""
    w, average, best, raw, smooth = w0, 0.0, math.inf, [], []
    for i, lr in enumerate(lrs):
        loss = w * w
        average = smoothing * average + (1 - smoothing) * loss
        smoothed = average / (1 - smoothing ** (i + 1))
        raw.append(loss)
        smooth.append(smoothed)
        if not math.isfinite(smoothed) or (best > 0 and smoothed > divergence_factor * best):
            break
        best = min(best, smoothed)
        w = w - lr * 2 * w
    return np.array(raw), np.array(smooth)


def snapshot(model):
    optimizer = model.optimizer
    return {
        "weights": [v.numpy().copy() for v in model.variables],
        "optimizer": [(v.path, v.numpy().copy()) for v in optimizer.variables],
        "iterations": int(optimizer.iterations),
        "lr": float(optimizer.learning_rate),
    }


def assert_same_state(before, after):
    assert after["iterations"] == before["iterations"]
    assert after["lr"] == before["lr"]
    assert len(after["weights"]) == len(before["weights"])
    for a, b in zip(before["weights"], after["weights"]):
        np.testing.assert_array_equal(a, b)
    assert [np.shape(v) for _, v in after["optimizer"]] == [
        np.shape(v) for _, v in before["optimizer"]
    ]
    for (_, a), (_, b) in zip(before["optimizer"], after["optimizer"]):
        np.testing.assert_array_equal(a, b)


# --- the sweep itself --------------------------------------------------------------------


def test_learning_rates_grow_exponentially_from_min_to_max():
    model = quadratic_model(1.0)
    result = lr_range_test(
        model,
        np.ones((40, 1)),
        np.zeros((40, 1)),
        min_lr=1e-4,
        max_lr=0.3,
        steps=25,
        batch_size=8,
        divergence_factor=1e9,
    )
    expected = [1e-4 * (0.3 / 1e-4) ** (i / 24) for i in range(25)]
    assert len(result.lrs) == 25 and not result.stopped_early
    np.testing.assert_allclose(result.lrs, expected, rtol=1e-9, atol=0)
    assert result.lrs[0] == pytest.approx(1e-4, rel=1e-12)
    assert result.lrs[-1] == pytest.approx(0.3, rel=1e-12)


def test_losses_match_a_numpy_rerun_of_the_sweep():
    # Each step's loss is recorded before that step's update, which uses lrs[i]: if the LR
    # applied were off by one step, or the smoothing wrong, this would not match.
    model = quadratic_model(1.5)
    result = lr_range_test(
        model,
        np.ones((16, 1)),
        np.zeros((16, 1)),
        min_lr=1e-3,
        max_lr=0.4,
        steps=30,
        batch_size=4,
        smoothing=0.7,
        divergence_factor=1e9,
    )
    raw, smooth = reference_run(1.5, result.lrs, 0.7, 1e9)
    np.testing.assert_allclose(result.raw_losses, raw, rtol=1e-5)
    np.testing.assert_allclose(result.losses, smooth, rtol=1e-5)
    assert result.raw_losses[-1] < 0.5 * result.raw_losses[0]  # it did train


def test_stops_at_the_step_where_the_smoothed_loss_diverges():
    # 1 - 2 * lr < -1 once lr > 1: |w| grows, the loss explodes.
    model = quadratic_model(1.0)
    result = lr_range_test(
        model,
        np.ones((16, 1)),
        np.zeros((16, 1)),
        min_lr=1e-2,
        max_lr=100.0,
        steps=60,
        batch_size=4,
        smoothing=0.5,
    )
    raw, smooth = reference_run(1.0, np.geomspace(1e-2, 100.0, 60), 0.5, 4.0)
    assert len(raw) < 60  # the reference stops too
    assert result.stopped_early
    assert len(result.lrs) == len(raw)
    np.testing.assert_allclose(result.losses, smooth, rtol=1e-4)
    assert result.losses[-1] > 4.0 * np.min(result.losses[:-1])
    assert float(model.layers[0].kernel.numpy()[0, 0]) == 1.0  # restored after the blow-up


def test_stops_on_a_non_finite_loss_and_suggestions_stay_finite():
    model = quadratic_model(1e18)  # |1 - 2 lr| >= 3: the loss overflows float32 within a few steps
    result = lr_range_test(
        model,
        np.ones((8, 1)),
        np.zeros((8, 1)),
        min_lr=2.0,
        max_lr=1e6,
        steps=40,
        batch_size=4,
        smoothing=0.0,
        divergence_factor=1e30,
    )
    assert result.stopped_early
    assert not np.isfinite(result.raw_losses[-1])
    assert np.all(np.isfinite(result.raw_losses[:-1]))
    assert float(model.layers[0].kernel.numpy()[0, 0]) == pytest.approx(1e18, rel=1e-6)


def test_digits_sweep_diverges_and_stops_early(digits):
    (x, y), _ = digits
    model = models.digits_mlp(optimizer=keras.optimizers.SGD(learning_rate=0.01))
    before = snapshot(model)
    result = lr_range_test(model, x, y, min_lr=1e-3, max_lr=1e3, steps=60, batch_size=128)
    assert result.stopped_early and len(result.lrs) < 60
    last = result.losses[-1]
    assert not np.isfinite(last) or last > 4.0 * np.min(result.losses[:-1])
    assert_same_state(before, snapshot(model))


def test_batches_cycle_through_seeded_shuffles():
    order = finder._batch_order(10, 35, seed=3)
    assert len(order) == 35
    for start in (0, 10, 20):
        assert sorted(order[start : start + 10]) == list(range(10))
    np.testing.assert_array_equal(order, finder._batch_order(10, 35, seed=3))
    assert not np.array_equal(order, finder._batch_order(10, 35, seed=4))


def test_same_seed_gives_the_same_curve(digits):
    # One model, three tests: it is restored after each, so only the batch order differs.
    (x, y), _ = digits
    model = models.digits_mlp(optimizer=keras.optimizers.SGD(learning_rate=0.01))
    curves = [
        lr_range_test(model, x, y, steps=12, batch_size=64, seed=seed).raw_losses
        for seed in (0, 0, 1)
    ]
    np.testing.assert_allclose(curves[0], curves[1], rtol=1e-6)
    assert not np.allclose(curves[0], curves[2])


# --- leaves the model exactly as it found it ---------------------------------------------


@pytest.mark.slow  # trains a model: full suite only
@pytest.mark.parametrize("built", [True, False], ids=["built", "not-built"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_restores_the_model_and_the_next_fit_is_unchanged(digits, optimizer, built):
    (x, y), _ = digits
    x, y = x[:512], y[:512]
    tested = models.digits_mlp(optimizer=make_optimizer(optimizer), seed=5)
    twin = models.digits_mlp(optimizer=make_optimizer(optimizer), seed=5)  # never sees the test
    if built:  # train both a little first: non-zero momenta, iterations > 0
        for model in (tested, twin):
            keras.utils.set_random_seed(1)
            model.fit(x, y, epochs=1, batch_size=64, verbose=0)
    assert tested.optimizer.built == built
    before = snapshot(tested)

    lr_range_test(tested, x, y, min_lr=1e-4, max_lr=1.0, steps=20, batch_size=64)

    after = snapshot(tested)
    if built:
        assert_same_state(before, after)
    else:
        # Built by the test; its fresh variables must equal those of an optimizer built the
        # way Keras builds it, on an identical model.
        assert tested.optimizer.built
        reference = models.digits_mlp(optimizer=make_optimizer(optimizer), seed=5)
        reference.optimizer.build(reference.trainable_variables)
        assert len(after["optimizer"]) > 2  # slots exist now
        expected = snapshot(reference)
        assert_same_state(expected, after)
        assert after["iterations"] == 0
        for _, value in after["optimizer"][2:]:
            assert not np.any(value)

    for model in (tested, twin):
        keras.utils.set_random_seed(2)
        model.fit(x, y, epochs=1, batch_size=64, verbose=0)
    trained, untouched = snapshot(tested), snapshot(twin)
    assert trained["iterations"] == untouched["iterations"] > 0
    for a, b in zip(untouched["weights"], trained["weights"]):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-7)
    for (_, a), (_, b) in zip(untouched["optimizer"], trained["optimizer"]):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-7)
    assert not np.allclose(before["weights"][0], trained["weights"][0])  # the fit did train


def test_an_unbuilt_model_keeps_the_weights_it_was_built_with():
    def unbuilt():
        init = keras.initializers.GlorotUniform
        model = keras.Sequential(
            [
                keras.layers.Dense(8, activation="relu", kernel_initializer=init(3)),
                keras.layers.Dense(3, activation="softmax", kernel_initializer=init(4)),
            ]
        )
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
            loss="sparse_categorical_crossentropy",
        )
        return model

    x = np.random.default_rng(0).normal(size=(64, 5)).astype("float32")
    y = (x[:, 0] > 0).astype("int32") + (x[:, 1] > 0)
    tested, twin = unbuilt(), unbuilt()
    assert not tested.built
    lr_range_test(tested, x, y, min_lr=1e-3, max_lr=1.0, steps=10, batch_size=16)
    twin(x[:1])  # built on data, as the test did, but never trained
    for a, b in zip(tested.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(tested.optimizer.iterations) == 0


def test_restores_the_model_when_a_step_raises(monkeypatch):
    model = quadratic_model(2.0)
    before = snapshot(model)
    train_on_batch, calls = model.train_on_batch, []

    def fails_at_step_five(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt  # as if the learner pressed Stop mid-test
        return train_on_batch(*args, **kwargs)

    monkeypatch.setattr(model, "train_on_batch", fails_at_step_five)
    with pytest.raises(KeyboardInterrupt):
        lr_range_test(
            model,
            np.ones((8, 1)),
            np.zeros((8, 1)),
            min_lr=0.01,
            max_lr=0.4,
            steps=10,
            batch_size=4,
        )
    assert len(calls) == 5
    assert_same_state(before, snapshot(model))


# --- suggestions, on curves whose answer is known by construction ------------------------


def sigmoid_curve():
    """Flat, then falling fastest at lr = 1e-2, bottom at lr = 1e-1, then a steep rise."""
    lrs = np.geomspace(1e-5, 10.0, 121)  # 20 points per decade: 1e-2 is index 60
    t = np.log10(lrs)
    losses = 1.5 - np.tanh(1.5 * (t + 2)) + 20 * np.maximum(t + 1, 0) ** 2
    return lrs, losses


def test_steepest_is_the_most_negative_slope():
    lrs, losses = sigmoid_curve()
    assert RangeTestResult(lrs, losses).suggestion("steepest") == pytest.approx(1e-2, rel=1e-9)


def test_minimum_over_ten():
    lrs, losses = sigmoid_curve()
    assert int(np.argmin(losses)) == 80  # lr = 1e-1 by construction
    assert RangeTestResult(lrs, losses).suggestion("minimum/10") == pytest.approx(1e-2, rel=1e-9)


def test_valley_is_two_thirds_along_the_longest_descent():
    # Plateau (steps 0..39), straight descent (40..90), rise (91..99): the valley runs from
    # the plateau's last step, 39, to the bottom, 90; two thirds along is 39 + 2 * 51 // 3 = 73.
    lrs = np.geomspace(1e-4, 1.0, 100)
    i = np.arange(100)
    losses = np.where(i < 40, 2.0, 2.0 - 0.02 * (i - 39))
    losses = np.where(i > 90, losses[90] + 0.5 * (i - 90), losses)
    assert finder._longest_valley(losses) == (39, 90)
    assert RangeTestResult(lrs, losses).suggestion() == pytest.approx(lrs[73], rel=1e-12)


def test_valley_ignores_a_short_dip_before_the_long_descent():
    lrs = np.geomspace(1e-4, 1.0, 100)
    losses = np.full(100, 3.0)
    losses[15:20] = [2.9, 2.8, 2.7, 2.6, 3.0]  # a 4-step dip, back up to the plateau
    losses[50:95] = np.linspace(2.95, 1.0, 45)  # the real valley: steps 49 .. 94
    losses[95:] = 5.0
    start, end = finder._longest_valley(losses)
    assert (start, end) == (49, 94)
    assert RangeTestResult(lrs, losses).suggestion("valley") == pytest.approx(lrs[49 + 30])


def test_suggestions_skip_the_first_tenth_of_the_steps():
    # A noisy start (the moving average has seen few batches) must not be read as the minimum.
    lrs, losses = sigmoid_curve()
    losses = losses.copy()
    losses[:12] = -5.0  # 12 = 121 // 10 steps are skipped
    assert RangeTestResult(lrs, losses).suggestion("minimum/10") == pytest.approx(1e-2)


def test_suggestions_ignore_nan_and_inf():
    lrs, losses = sigmoid_curve()
    clean = RangeTestResult(lrs, losses)
    dirty = losses.copy()
    dirty[100:] = np.nan  # a diverged tail
    dirty[110] = np.inf
    dirty[30] = np.nan  # and one hole in the plateau
    result = RangeTestResult(lrs, dirty)
    for method in finder.SUGGESTION_METHODS:
        value = result.suggestion(method)
        assert math.isfinite(value)
        assert value == pytest.approx(clean.suggestion(method), rel=1e-9), method


def test_suggestion_needs_finite_losses():
    lrs = np.geomspace(1e-4, 1.0, 20)
    with pytest.raises(ValueError, match="finite"):
        RangeTestResult(lrs, np.full(20, np.nan)).suggestion()
    losses = np.full(20, np.nan)
    losses[[3, 7]] = [1.0, 0.5]
    with pytest.raises(ValueError, match="only 2 of 20"):
        RangeTestResult(lrs, losses).suggestion("steepest")


def test_unknown_method_lists_the_methods():
    lrs, losses = sigmoid_curve()
    with pytest.raises(
        ValueError, match="method.*'valley', 'steepest', 'minimum/10'.*Received: method='best'"
    ):
        RangeTestResult(lrs, losses).suggestion("best")


@pytest.mark.parametrize(
    "lrs, losses, match",
    [
        ([[1e-3, 1e-2]], [1.0, 0.5], "lrs"),
        ([1e-3, 1e-2], [1.0, 0.5, 0.2], "losses"),
        ([1e-2, 1e-3], [1.0, 0.5], "increasing"),
        ([0.0, 1e-3], [1.0, 0.5], "lrs"),
        ([], [], "lrs"),
    ],
)
def test_result_rejects_bad_arrays(lrs, losses, match):
    with pytest.raises(ValueError, match=match):
        RangeTestResult(lrs, losses)


def test_result_attributes_are_numpy_arrays():
    result = RangeTestResult([1e-3, 1e-2, 1e-1], [1, 2, 3], raw_losses=[1, 2, 4], stopped_early=1)
    for name in ("lrs", "losses", "raw_losses"):
        assert isinstance(getattr(result, name), np.ndarray)
        assert getattr(result, name).dtype == np.float64
    assert result.stopped_early is True
    np.testing.assert_array_equal(RangeTestResult([1e-3, 1e-2], [2, 1]).raw_losses, [2, 1])


def test_plot_marks_the_suggestion_on_a_log_axis():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lrs, losses = sigmoid_curve()
    result = RangeTestResult(lrs, losses)
    ax = result.plot(method="steepest")
    assert ax.get_xscale() == "log"
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    marked = [line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert marked == [pytest.approx(result.suggestion("steepest"))]
    fig, given = plt.subplots()
    assert result.plot(ax=given) is given
    plt.close("all")


# --- re-reading recorded runs: smooth_recorded and range_test_runs ---------------------------


def _ema(raw, beta):
    out, avg = [], 0.0
    for i, loss in enumerate(raw):
        avg = beta * avg + (1 - beta) * loss
        out.append(avg / (1 - beta ** (i + 1)))
    return np.array(out)


def test_smooth_recorded_is_the_bias_corrected_average():
    raw = np.array([2.0, 1.5, 1.2, 1.0, 0.9, 0.8])
    np.testing.assert_allclose(finder.smooth_recorded(raw, 0.9), _ema(raw, 0.9), rtol=0, atol=0)
    np.testing.assert_array_equal(finder.smooth_recorded(raw, 0.0), raw)
    assert finder.smooth_recorded(raw, 0.9)[0] == 2.0  # bias correction: not pulled towards 0


def test_smooth_recorded_stops_like_the_finder():
    raw = np.array([2.0, 1.0, 0.5, 1.9, 2.1, 5.0, 7.0])
    out = finder.smooth_recorded(raw, 0.0, divergence_factor=4.0)
    assert len(out) == 5 and out[-1] == 2.1  # first value > 4 x best (0.5), recorded then stop
    assert len(finder.smooth_recorded([1.0, np.nan, 1.0], 0.5)) == 2


def test_range_test_runs_resmoothed_equal_the_finders_own_curve(digits):
    (x, y), _ = digits
    x, y = x[:256], y[:256]
    model = models.digits_mlp(
        hidden_units=16, optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)
    )
    runs = finder.range_test_runs(model, x, y, ranges=[(1e-4, 30.0)], steps=[40], batch_size=32)
    direct = lr_range_test(
        model, x, y, min_lr=1e-4, max_lr=30.0, steps=40, batch_size=32, smoothing=0.9
    )
    again = finder.smooth_recorded(runs[(1e-4, 30.0, 40)].raw_losses, 0.9)
    assert len(again) == len(direct)
    np.testing.assert_array_equal(again, direct.losses)


def test_resmoothed_is_smooth_recorded_with_the_stop_flag():
    lrs = np.geomspace(1e-3, 1.0, 6)
    raw = RangeTestResult(lrs, [2.0, 1.0, 0.5, 1.9, 2.1, 5.0])
    stopped = finder.resmoothed(raw, 0.0)  # 2.1 > 4 x 0.5: stops at step 5 of 6
    np.testing.assert_array_equal(stopped.losses, finder.smooth_recorded(raw.raw_losses, 0.0))
    np.testing.assert_array_equal(stopped.lrs, lrs[:5])
    np.testing.assert_array_equal(stopped.raw_losses, raw.raw_losses[:5])
    assert stopped.stopped_early
    full = finder.resmoothed(raw, 0.9)  # smoothed, never 4 x its best
    assert len(full) == 6 and not full.stopped_early
    np.testing.assert_allclose(full.losses, _ema(raw.raw_losses, 0.9), rtol=0, atol=1e-15)
    assert not finder.resmoothed(raw, 0.0, divergence_factor=10.0).stopped_early


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"run": [1.0, 2.0]}, "run"),
        ({"smoothing": 1.0}, "smoothing"),
        ({"divergence_factor": 1.0}, "divergence_factor"),
    ],
)
def test_resmoothed_bad_arguments(kwargs, match):
    args = {"run": RangeTestResult([1e-3, 1e-2, 1e-1], [1.0, 0.9, 0.8]), "smoothing": 0.5, **kwargs}
    with pytest.raises(ValueError, match=match):
        finder.resmoothed(**args)


# --- bad arguments ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_model():
    return quadratic_model(1.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"min_lr": 0.0}, "min_lr"),
        ({"min_lr": -1e-3}, "min_lr"),
        ({"min_lr": float("nan")}, "min_lr"),
        ({"max_lr": 0.0}, "max_lr"),
        ({"max_lr": "10"}, "max_lr"),
        (
            {"min_lr": 1.0, "max_lr": 0.1},
            r"Argument `min_lr` must be < max_lr.*Received: min_lr=1.0",
        ),
        ({"min_lr": 0.1, "max_lr": 0.1}, "min_lr"),
        ({"steps": 5}, r"Argument `steps` must be an integer >= 6. Received: steps=5"),
        ({"steps": 10.5}, "steps"),
        ({"steps": True}, "steps"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 17}, r"batch_size.*<= the number of samples \(16\)"),
        ({"smoothing": 1.0}, "smoothing"),
        ({"smoothing": -0.1}, "smoothing"),
        ({"divergence_factor": 1.0}, "divergence_factor"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_arguments_raise_value_error(small_model, kwargs, match):
    with pytest.raises(ValueError, match=match):
        lr_range_test(small_model, np.ones((16, 1)), np.zeros((16, 1)), **kwargs)


def test_uncompiled_model_is_rejected():
    model = models.digits_mlp()  # no optimizer: not compiled
    with pytest.raises(ValueError, match="model.*compiled"):
        lr_range_test(model, np.zeros((32, 64)), np.zeros(32))


def test_schedule_optimizer_is_rejected_with_the_reason():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.9)
    model = models.digits_mlp(optimizer=keras.optimizers.SGD(learning_rate=schedule))
    with pytest.raises(ValueError, match="LearningRateSchedule.*not settable"):
        lr_range_test(model, np.zeros((32, 64)), np.zeros(32))


def test_x_and_y_lengths_must_match(small_model):
    with pytest.raises(ValueError, match=r"same number of samples.*len\(x\)=16, len\(y\)=15"):
        lr_range_test(small_model, np.ones((16, 1)), np.zeros((15, 1)))


# --- the point of it all -------------------------------------------------------------------
@pytest.mark.slow  # trains a model: full suite only
def test_suggestion_trains_the_digits_mlp_well(digits):
    (x, y), (x_val, y_val) = digits
    probe = models.digits_mlp(optimizer=keras.optimizers.Adam(), seed=0)
    result = lr_range_test(probe, x, y, steps=100, batch_size=64)
    lr = result.suggestion()
    assert 1e-4 < lr < 0.1
    keras.utils.set_random_seed(0)
    model = models.digits_mlp(optimizer=keras.optimizers.Adam(learning_rate=lr), seed=0)
    model.fit(x, y, epochs=4, batch_size=64, verbose=0)
    predicted = np.argmax(keras.ops.convert_to_numpy(model(x_val, training=False)), axis=1)
    assert np.mean(predicted == y_val) >= 0.90


def test_importing_finder_does_not_import_tensorflow():
    import subprocess
    import sys

    code = "import sys, lrlab.finder; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
