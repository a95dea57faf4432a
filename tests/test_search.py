"""Grid and random search: sampling checked statistically, the search against direct fits."""

import math
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np
import pytest

from lrlab import search
from lrlab.search import SearchResult, grid, log_uniform, plot_search


def ks_statistic_uniform(u):
    """Kolmogorov-Smirnov distance between the sample `u` and Uniform(0, 1), by hand."""
    u = np.sort(u)
    n = len(u)
    above = np.arange(1, n + 1) / n - u
    below = u - np.arange(0, n) / n
    return float(max(above.max(), below.max()))


# --- log_uniform ---------------------------------------------------------------------------


def test_log_uniform_shape_range_and_dtype():
    samples = log_uniform(1e-5, 3.0, 5000, np.random.default_rng(1))
    assert samples.shape == (5000,)
    assert samples.dtype == np.float64
    assert samples.min() >= 1e-5 and samples.max() <= 3.0
    assert samples.min() < 2e-5 and samples.max() > 2.5  # it does reach both ends
    assert log_uniform(1e-3, 1.0, 0, np.random.default_rng(0)).shape == (0,)


def test_log_uniform_is_deterministic_for_a_seeded_generator():
    a = log_uniform(1e-4, 1.0, 50, np.random.default_rng(7))
    b = log_uniform(1e-4, 1.0, 50, np.random.default_rng(7))
    c = log_uniform(1e-4, 1.0, 50, np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    rng = np.random.default_rng(7)  # the generator advances: two draws differ
    assert not np.allclose(log_uniform(1e-4, 1.0, 50, rng), log_uniform(1e-4, 1.0, 50, rng))


def test_log_uniform_agrees_with_the_base_10_spelling():
    # What a student may write: same random numbers consumed, same values up to rounding.
    ours = log_uniform(1e-4, 0.5, 200, np.random.default_rng(3))
    theirs = 10 ** np.random.default_rng(3).uniform(np.log10(1e-4), np.log10(0.5), 200)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_log_of_samples_is_uniform_kolmogorov_smirnov():
    low, high, n = 1e-4, 10.0, 4000
    samples = log_uniform(low, high, n, np.random.default_rng(0))
    u = (np.log(samples) - np.log(low)) / (np.log(high) - np.log(low))
    critical = 1.628 / math.sqrt(n)  # 1% level of the KS test
    assert ks_statistic_uniform(u) < critical
    # The check has teeth: the samples are far from uniform on the linear scale,
    # and a plain uniform draw is far from uniform in log space.
    assert ks_statistic_uniform(samples / high) > 0.5
    linear = np.random.default_rng(0).uniform(low, high, n)
    u_linear = (np.log(linear) - np.log(low)) / (np.log(high) - np.log(low))
    assert ks_statistic_uniform(u_linear) > 10 * critical


def test_ks_statistic_matches_scipy_when_installed():
    stats = pytest.importorskip("scipy.stats")
    u = np.random.default_rng(5).uniform(size=300) ** 1.2
    assert ks_statistic_uniform(u) == pytest.approx(stats.kstest(u, "uniform").statistic, rel=1e-12)


@pytest.mark.parametrize(
    "args, match",
    [
        ((0.0, 1.0, 10), "low"),
        ((-1e-3, 1.0, 10), "low"),
        ((1e-3, 0.0, 10), "high"),
        ((1.0, 1e-3, 10), r"Argument `high` must be > low \(1.0\). Received: high=0.001"),
        ((1e-3, 1e-3, 10), "high"),
        ((1e-3, 1.0, -1), "n"),
        ((1e-3, 1.0, 2.5), "n"),
    ],
)
def test_log_uniform_bad_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        log_uniform(*args, np.random.default_rng(0))


@pytest.mark.parametrize("rng", [0, np.random, np.random.RandomState(0), None])
def test_log_uniform_wants_a_generator(rng):
    with pytest.raises(ValueError, match="rng.*numpy.random.Generator"):
        log_uniform(1e-3, 1.0, 5, rng)


# --- grid ----------------------------------------------------------------------------------


def test_grid_is_log_spaced_with_exact_ends():
    lrs = grid(1e-5, 10.0, 13)
    assert lrs.shape == (13,)
    assert lrs[0] == 1e-5 and lrs[-1] == 10.0
    np.testing.assert_allclose(np.diff(np.log10(lrs)), 0.5, rtol=1e-9)
    expected = [1e-5 * (10.0 / 1e-5) ** (i / 12) for i in range(13)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-12)


@pytest.mark.parametrize(
    "args, match", [((1e-3, 1.0, 1), "n"), ((0.0, 1.0, 5), "low"), ((1.0, 0.1, 5), "high")]
)
def test_grid_bad_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        grid(*args)


# --- SearchResult and its table -----------------------------------------------------------


def synthetic_runs():
    runs = []
    for lr, accs, losses in [
        (1e-3, [0.50, 0.60, 0.55], [1.2, 1.0, 1.1]),
        (1e-2, [0.90, 0.94, 0.92], [0.35, 0.25, 0.30]),
        (1e-1, [0.93, 0.91, 0.92], [0.30, 0.34, 0.26]),
        (1.0, [0.10, 0.10, 0.10], [math.nan, math.nan, math.nan]),
    ]:
        for seed, (acc, loss) in enumerate(zip(accs, losses)):
            runs.append(
                {"lr": lr, "seed": seed, "val_accuracy": acc, "val_loss": loss, "steps": 40}
            )
    return runs[::-1]  # out of order on purpose


def test_rows_summarise_runs_per_learning_rate():
    result = SearchResult(synthetic_runs())
    assert [row["lr"] for row in result.rows] == [1e-3, 1e-2, 1e-1, 1.0]
    row = result.rows[1]
    assert row["val_accuracy_mean"] == pytest.approx(0.92)
    assert row["val_accuracy_std"] == pytest.approx(np.sqrt(((0.02**2) * 2) / 3))
    assert row["val_loss_mean"] == pytest.approx(0.30)
    assert row["steps"] == 120 and row["seeds"] == 3
    assert math.isnan(result.rows[3]["val_loss_mean"])  # a diverged LR shows as NaN
    assert result.total_steps == 480


def test_best_prefers_accuracy_then_breaks_ties_with_loss():
    def run(lr, acc, loss):
        return {"lr": lr, "seed": 0, "val_accuracy": acc, "val_loss": loss, "steps": 10}

    assert SearchResult([run(0.1, 0.5, 0.25), run(0.01, 0.5, 0.125)]).best()["lr"] == 0.01
    assert SearchResult([run(0.1, 0.75, 0.5), run(0.01, 0.5, 0.125)]).best()["lr"] == 0.1
    no_accuracy = [run(0.1, math.nan, 0.5), run(0.01, math.nan, 0.25), run(1.0, math.nan, math.nan)]
    assert SearchResult(no_accuracy).best()["lr"] == 0.01
    assert SearchResult(synthetic_runs()).best()["lr"] in (1e-2, 1e-1)
    with pytest.raises(ValueError, match="empty"):
        SearchResult([]).best()


def test_text_table_is_aligned_and_complete():
    result = SearchResult(synthetic_runs())
    text = result.to_text()
    lines = text.splitlines()
    assert len(lines) == 1 + 4
    assert len({len(line) for line in lines}) == 1  # every line as wide: columns align
    assert "lr" in lines[0] and "val accuracy" in lines[0] and "steps" in lines[0]
    assert "0.9200 ± 0.0163" in lines[2]
    assert "nan" in lines[4]
    assert str(result) == text and text in repr(result)


def test_plot_search_draws_error_bars_on_a_log_axis():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result = SearchResult(synthetic_runs())
    ax = plot_search(result)
    assert ax.get_xscale() == "log"
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.containers) == 1  # the error-bar container
    x, y = ax.containers[0].lines[0].get_data()
    np.testing.assert_allclose(np.asarray(x, dtype=float), [1e-3, 1e-2, 1e-1, 1.0])
    np.testing.assert_allclose(np.asarray(y, dtype=float), [0.55, 0.92, 0.92, 0.10])
    fig, given = plt.subplots()
    assert plot_search(result, ax=given) is given
    with pytest.raises(ValueError, match="result"):
        plot_search([1, 2])
    plt.close("all")


def test_importing_search_does_not_import_tensorflow():
    import subprocess
    import sys

    code = "import sys, lrlab.search; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# --- search_learning_rates on real training -----------------------------------------------


def build_digits(lr, seed):
    import keras

    from lrlab import models

    return models.digits_mlp(optimizer=keras.optimizers.Adam(learning_rate=lr), seed=seed)


@pytest.mark.slow  # trains a model: full suite only
def test_search_trains_each_rate_and_seed_at_one_budget():
    import keras

    from lrlab import data

    (x, y), (x_val, y_val) = data.load_digits()
    result = search.search_learning_rates(
        build_digits, [3e-3, 1e-5], x, y, x_val, y_val, epochs=2, batch_size=128, seeds=(1,)
    )
    steps_per_run = 2 * math.ceil(len(x) / 128)
    assert [(run["lr"], run["seed"]) for run in result.runs] == [(3e-3, 1), (1e-5, 1)]
    assert all(run["steps"] == steps_per_run for run in result.runs)
    assert [row["lr"] for row in result.rows] == [1e-5, 3e-3]  # rows sorted by lr
    assert result.total_steps == 2 * steps_per_run
    slow, good = result.rows
    assert good["val_accuracy_mean"] > 0.8 > slow["val_accuracy_mean"]
    assert good["val_loss_mean"] < slow["val_loss_mean"]
    assert good["val_accuracy_std"] == 0.0  # one seed

    # Independent check of one run: the same seed and budget, trained and scored directly.
    keras.utils.set_random_seed(1)
    model = build_digits(3e-3, 1)
    model.fit(x, y, epochs=2, batch_size=128, verbose=0)
    probabilities = keras.ops.convert_to_numpy(model(x_val, training=False))
    accuracy = np.mean(np.argmax(probabilities, axis=1) == y_val)
    loss = -np.mean(np.log(probabilities[np.arange(len(y_val)), y_val]))
    assert result.runs[0]["val_accuracy"] == pytest.approx(accuracy, abs=1e-6)
    assert result.runs[0]["val_loss"] == pytest.approx(loss, rel=1e-4)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"build_model": "digits"}, "build_model"),
        ({"lrs": []}, "lrs"),
        ({"lrs": [1e-3, -1.0]}, "lrs"),
        ({"lrs": [[1e-3]]}, "lrs"),
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"seeds": ()}, "seeds"),
        ({"seeds": 3}, "seeds"),
        ({"seeds": (0, 1.5)}, "seeds"),
        ({"y": np.zeros(9)}, r"Argument `y` must have as many samples as its inputs \(10\)"),
        ({"y_val": np.zeros(4)}, "y_val"),
    ],
)
def test_search_bad_arguments(kwargs, match):
    args = {
        "build_model": build_digits,
        "lrs": [1e-3],
        "x": np.zeros((10, 64)),
        "y": np.zeros(10),
        "x_val": np.zeros((5, 64)),
        "y_val": np.zeros(5),
        "epochs": 1,
        "batch_size": 4,
        "seeds": (0,),
    }
    args.update(kwargs)
    positional = [args.pop(name) for name in ("build_model", "lrs", "x", "y", "x_val", "y_val")]
    with pytest.raises(ValueError, match=match):
        search.search_learning_rates(*positional, **args)


def test_search_rejects_an_uncompiled_model():
    from lrlab import models

    with pytest.raises(ValueError, match="build_model.*compiled"):
        search.search_learning_rates(
            lambda lr, seed: models.digits_mlp(),
            [1e-3],
            np.zeros((8, 64)),
            np.zeros(8),
            np.zeros((4, 64)),
            np.zeros(4),
            epochs=1,
            batch_size=4,
            seeds=(0,),
        )


# --- reuse_model: one compiled model, reset per run -----------------------------------------


def _sgd_digits(seed=0, lr=0.01):
    import keras

    from lrlab import models

    return models.digits_mlp(
        optimizer=keras.optimizers.SGD(learning_rate=lr, momentum=0.9), seed=seed
    )


def _initial_weights(seed):
    from lrlab import models

    return models.digits_mlp(seed=seed).get_weights()


@pytest.mark.slow  # trains a model: full suite only
@pytest.mark.parametrize(
    "optimizer", ["sgd", "nadam"]
)  # Nadam has a variable that starts at 1, not 0
def test_reuse_model_trains_like_a_fresh_model(optimizer):
    import keras

    from lrlab import data, models

    (x, y), _ = data.load_digits()
    x, y = x[:256], y[:256]
    make = {
        "sgd": lambda lr: keras.optimizers.SGD(learning_rate=lr, momentum=0.9),
        "nadam": lambda lr: keras.optimizers.Nadam(learning_rate=lr),
    }[optimizer]
    build = search.reuse_model(models.digits_mlp(optimizer=make(0.01)), _initial_weights)
    build(0.02, seed=0).fit(
        x, y, epochs=1, batch_size=32, verbose=0
    )  # leaves momenta, steps, weights behind
    for lr, seed in ((0.05, 1), (0.003, 0)):
        keras.utils.set_random_seed(seed)
        reused = build(lr, seed)
        assert int(reused.optimizer.iterations) == 0
        reused.fit(x, y, epochs=2, batch_size=32, verbose=0)
        keras.utils.set_random_seed(seed)
        fresh = models.digits_mlp(optimizer=make(lr), seed=seed)
        fresh.fit(x, y, epochs=2, batch_size=32, verbose=0)
        for a, b in zip(fresh.get_weights(), reused.get_weights()):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
        assert float(reused.optimizer.learning_rate) == pytest.approx(lr)
        assert int(reused.optimizer.iterations) == int(fresh.optimizer.iterations)


def test_reuse_model_asks_for_each_seeds_weights_once():
    calls = []
    build = search.reuse_model(
        _sgd_digits(), lambda seed: calls.append(seed) or _initial_weights(seed)
    )
    for seed in (0, 1, 0, 1):
        build(0.01, seed)
    assert calls == [0, 1]


def test_reuse_model_bad_arguments():
    import keras

    from lrlab import models

    with pytest.raises(ValueError, match="model.*compiled"):
        search.reuse_model(models.digits_mlp(), _initial_weights)
    with pytest.raises(ValueError, match="initial_weights"):
        search.reuse_model(_sgd_digits(), "weights")
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    with pytest.raises(ValueError, match="model.*float learning rate"):
        search.reuse_model(
            models.digits_mlp(optimizer=keras.optimizers.SGD(learning_rate=schedule)),
            _initial_weights,
        )
    trained = _sgd_digits()
    trained.fit(np.zeros((8, 64)), np.zeros(8), epochs=1, batch_size=4, verbose=0)
    with pytest.raises(ValueError, match=r"model.*iterations=2"):
        search.reuse_model(trained, _initial_weights)
    build = search.reuse_model(_sgd_digits(), _initial_weights)
    with pytest.raises(ValueError, match="lr"):
        build(-0.1, 0)
    with pytest.raises(ValueError, match="seed"):
        build(0.1, 0.5)
