"""LR range test vs grid search vs random search: accuracy reached and training steps spent.

Run it from the repository root (no network; 1237 s for the default 3 datasets x 3 seeds on a
shared, busy 2-core machine, so expect 10-20 minutes):

    .venv/bin/python benchmarks/finder_vs_search.py
    .venv/bin/python benchmarks/finder_vs_search.py --datasets digits --seeds 0 --optimizer adam

For each dataset and seed, a small MLP (one hidden layer of 64 ReLU units, SGD with momentum
0.9 by default) is trained for a fixed budget of `epochs` at a learning rate chosen by:

- range test: `lrlab.finder.lr_range_test` (100 steps, 1e-5 .. 10), then one training run at
  its suggestion (valley, the default rule; steepest and minimum/10 are shown for reference).
  Its steps = the range test's 100 steps + one training run.
- grid: 13 learning rates, half a decade apart over the same range 1e-5 .. 10; one training
  run each; the best final validation accuracy wins. Steps = 13 training runs.
- random: 13 log-uniform samples over 1e-5 .. 10 (`lrlab.search.log_uniform`), same budget.

Each seed fixes the initial weights, the shuffling, the range test's batch order and the
random-search samples; the train/validation split is fixed. Accuracy is the final validation
accuracy. Note that the grid and random "best" are picked *on* the validation set they are
scored on, which flatters them a little; the range test never looks at validation data.

Target: the range test within 2 accuracy points of the grid's best at <= 10% of its steps.
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np

from lrlab import data, finder, search

LOW, HIGH, GRID_POINTS, RANGE_TEST_STEPS = 1e-5, 10.0, 13, 100
METHODS = ("valley", "steepest", "minimum/10")


def load(name):
    """((x_train, y_train), (x_val, y_val)) plus the training budget for dataset `name`."""
    if name == "digits":
        return data.load_digits(), {"epochs": 20, "batch_size": 64}
    from sklearn.datasets import load_breast_cancer, make_classification
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    if name == "breast_cancer":
        x, y = load_breast_cancer(return_X_y=True)
        budget = {"epochs": 30, "batch_size": 32}
    elif name == "make_classification":
        x, y = make_classification(
            n_samples=2000,
            n_features=20,
            n_informative=10,
            n_classes=4,
            class_sep=1.0,
            random_state=0,
        )
        budget = {"epochs": 20, "batch_size": 64}
    else:
        raise ValueError(f"Unknown dataset {name!r}")
    x_train, x_val, y_train, y_val = train_test_split(
        x, y, test_size=0.25, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(x_train)
    cast = lambda a: scaler.transform(a).astype(np.float32)
    return (
        (cast(x_train), y_train.astype(np.int32)),
        (cast(x_val), y_val.astype(np.int32)),
    ), budget


def model_builder(n_features, n_classes, optimizer):
    def build(lr, seed):
        import keras

        init = keras.initializers.GlorotUniform
        model = keras.Sequential(
            [
                keras.Input((n_features,)),
                keras.layers.Dense(64, activation="relu", kernel_initializer=init(seed)),
                keras.layers.Dense(
                    n_classes, activation="softmax", kernel_initializer=init(seed + 1)
                ),
            ]
        )
        opt = (
            keras.optimizers.SGD(learning_rate=lr, momentum=0.9)
            if optimizer == "sgd"
            else keras.optimizers.Adam(learning_rate=lr)
        )
        # steps_per_execution only batches Python overhead (same updates, ~1.5x faster here).
        model.compile(
            optimizer=opt,
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            steps_per_execution=32,
        )
        return model

    return build


def run_dataset(name, seeds, optimizer):
    import keras

    ((x, y), (x_val, y_val)), budget = load(name)
    build = model_builder(x.shape[1], int(y.max()) + 1, optimizer)
    rows = []
    for seed in seeds:
        # (a) range test, then one training run at each rule's suggestion
        keras.utils.set_random_seed(seed)
        probe = build(0.01, seed)
        result = finder.lr_range_test(
            probe,
            x,
            y,
            min_lr=LOW,
            max_lr=HIGH,
            steps=RANGE_TEST_STEPS,
            batch_size=budget["batch_size"],
            seed=seed,
        )
        spent = len(result.lrs)  # the test's own steps (fewer if it stopped early)
        for method in METHODS:
            lr = result.suggestion(method)
            run = search.search_learning_rates(
                build, [lr], x, y, x_val, y_val, seeds=(seed,), **budget
            ).runs[0]
            rows.append(
                dict(
                    dataset=name,
                    seed=seed,
                    method=f"range test ({method})",
                    lr=lr,
                    val_accuracy=run["val_accuracy"],
                    steps=spent + run["steps"],
                )
            )
        # (b) grid and (c) random search, same range, same number of candidates
        candidates = {
            "grid": search.grid(LOW, HIGH, GRID_POINTS),
            "random": search.log_uniform(LOW, HIGH, GRID_POINTS, np.random.default_rng(seed)),
        }
        for method, lrs in candidates.items():
            found = search.search_learning_rates(
                build, lrs, x, y, x_val, y_val, seeds=(seed,), **budget
            )
            best = found.best()
            rows.append(
                dict(
                    dataset=name,
                    seed=seed,
                    method=f"{method} best of {len(lrs)}",
                    lr=best["lr"],
                    val_accuracy=best["val_accuracy_mean"],
                    steps=found.total_steps,
                )
            )
        print(f"  {name} seed {seed} done", file=sys.stderr, flush=True)
    return rows


def table(rows, columns):
    cells = [[fmt(row[key]) for key, _, fmt in columns] for row in rows]
    header = [title for _, title, _ in columns]
    widths = [max(len(line[i]) for line in [header] + cells) for i in range(len(header))]
    line = lambda values: "  ".join(
        v.ljust(w) if i < 2 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths))
    )
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(c) for c in cells])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets", nargs="+", default=["digits", "breast_cancer", "make_classification"]
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    args = parser.parse_args()

    from lrlab.notebook import seed_everything

    seed_everything(0)  # also silences retracing warnings
    start = time.perf_counter()
    rows = [row for name in args.datasets for row in run_dataset(name, args.seeds, args.optimizer)]
    grid_steps = {
        (r["dataset"], r["seed"]): r["steps"] for r in rows if r["method"].startswith("grid")
    }
    grid_acc = {
        (r["dataset"], r["seed"]): r["val_accuracy"] for r in rows if r["method"].startswith("grid")
    }
    for row in rows:
        key = (row["dataset"], row["seed"])
        row["share"] = row["steps"] / grid_steps[key]
        row["gap"] = 100 * (row["val_accuracy"] - grid_acc[key])

    optimizer = "SGD(momentum=0.9)" if args.optimizer == "sgd" else "Adam"
    print(f"\nPer seed ({optimizer}; steps = optimizer steps, incl. the range test's own):\n")
    print(
        table(
            rows,
            [
                ("dataset", "dataset", str),
                ("method", "method", str),
                ("seed", "seed", str),
                ("lr", "lr", lambda v: f"{v:.3g}"),
                ("val_accuracy", "val acc", lambda v: f"{v:.4f}"),
                ("gap", "vs grid (pts)", lambda v: f"{v:+.1f}"),
                ("steps", "steps", str),
                ("share", "% of grid steps", lambda v: f"{100 * v:.1f}%"),
            ],
        )
    )

    summary = []
    for name in args.datasets:
        for method in dict.fromkeys(r["method"] for r in rows if r["dataset"] == name):
            group = [r for r in rows if r["dataset"] == name and r["method"] == method]
            gap = float(np.mean([r["gap"] for r in group]))
            share = float(np.mean([r["share"] for r in group]))
            summary.append(
                dict(
                    dataset=name,
                    method=method,
                    acc=f"{np.mean([r['val_accuracy'] for r in group]):.4f} ± "
                    f"{np.std([r['val_accuracy'] for r in group]):.4f}",
                    gap=gap,
                    worst=min(r["gap"] for r in group),
                    steps=float(np.mean([r["steps"] for r in group])),
                    share=share,
                    target=(
                        "-"
                        if not method.startswith("range test")
                        else "yes"
                        if all(r["gap"] >= -2 and r["share"] <= 0.10 for r in group)
                        else "no"
                    ),
                )
            )
    print(
        f"\nMean over seeds {args.seeds} (target: range test >= grid - 2 points on every seed, "
        "at <= 10% of the grid's steps):\n"
    )
    print(
        table(
            summary,
            [
                ("dataset", "dataset", str),
                ("method", "method", str),
                ("acc", "val acc (mean ± std)", str),
                ("gap", "vs grid (pts)", lambda v: f"{v:+.1f}"),
                ("worst", "worst seed", lambda v: f"{v:+.1f}"),
                ("steps", "steps", lambda v: f"{v:.0f}"),
                ("share", "% of grid steps", lambda v: f"{100 * v:.1f}%"),
                ("target", "target met", str),
            ],
        )
    )
    print(f"\nTotal wall time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
