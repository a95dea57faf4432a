"""Lesson 08's exercise checkers: per-layer learning rates, and resuming a run."""

import math
import numbers

import numpy as np

from lrlab.exercises.framework import (
    describe_call,
    exercise,
    short,
)

# ---- lesson 08: layer-wise learning-rate decay -------------------------------------------------

_LAYERWISE_CASES = [  # (num_layers, base_lr, decay), hint
    (
        (4, 0.01, 0.5),
        "layer 0 is nearest the input and gets the smallest LR; the last layer gets base_lr.",
    ),
    ((1, 0.1, 0.3), "a single layer is the head: it gets base_lr."),
    ((3, 0.001, 1.0), "with decay 1 every layer gets base_lr."),
    ((2, 4.0, 0.5), "layer i gets base_lr * decay ** (num_layers - 1 - i)."),
    ((6, 3e-4, 0.8), "layer i gets base_lr * decay ** (num_layers - 1 - i)."),
]


def _layerwise_expected(args):
    from lrlab import (
        fine_tuning,
    )  # Keras-facing: imported when a check runs, not with lrlab.exercises

    return fine_tuning.layerwise_decay(*args)


def _layerwise_hint(got, args, default):
    """A specific hint when `got` matches a mistake a teacher would expect."""
    n, base, decay = args
    if (
        n > 1
        and decay != 1
        and np.allclose(got, _layerwise_expected(args)[::-1], rtol=1e-6, atol=0)
    ):
        return (
            "the decay runs from the wrong end: layer 0 (next to the input) gets the smallest LR "
            "and the last layer, the head, gets base_lr."
        )
    for shift in (1, -1):  # the depth counted one too deep or one too shallow
        wrong = [base * decay ** (n - 1 - i + shift) for i in range(n)]
        if decay != 1 and np.allclose(got, wrong, rtol=1e-6, atol=0):
            return (
                "the depth is off by one: the last layer, i = num_layers - 1 (the head), "
                "gets base_lr itself, and each layer below it one more factor of decay."
            )
    return default


def _as_float_list(got, where, n):
    """The answer as a list of `n` floats, or a verdict string."""
    if isinstance(got, np.ndarray):
        if got.ndim != 1:
            return (
                f"{where} returned an array of shape {got.shape}; expected a list of {n} numbers."
            )
        got = list(got)
    if not isinstance(got, (list, tuple)):
        return (
            f"{where} returned {type(got).__name__} {short(got)}; expected a list of {n} numbers."
        )
    if len(got) != n:
        return (
            f"{where} returned {len(got)} values, expected {n}. Hint: one learning rate per layer, "
            "for i in range(num_layers)."
        )
    for value in got:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            return f"{where} returned {short(value)} ({type(value).__name__}) in the list; expected numbers."
        if isinstance(value, (numbers.Integral, np.integer)):
            return (
                f"{where} returned the int {value!r}; expected floats. Hint: Keras 3 rejects an int "
                "learning rate (keras.optimizers.SGD(learning_rate=1) raises)."
            )
        if not math.isfinite(value):
            return f"{where} returned {value!r}; expected finite learning rates."
    return [float(v) for v in got]


@exercise("layerwise_learning_rates", off=["lrlab.fine_tuning.layerwise_decay"])
def _verify_layerwise_learning_rates(call):
    for args, hint in _LAYERWISE_CASES:
        where = describe_call("layerwise_learning_rates", args)
        got = _as_float_list(call(*args), where, args[0])
        if isinstance(got, str):
            return got
        expected = _layerwise_expected(args)
        if not np.allclose(got, expected, rtol=1e-6, atol=0):
            shown = ", ".join(f"{v:.4g}" for v in got)
            want = ", ".join(f"{v:.4g}" for v in expected)
            return f"{where} returned [{shown}], expected [{want}]. Hint: {_layerwise_hint(got, args, hint)}"
    return None


# ---- lesson 08: resume a run without restarting its learning rate ------------------------------

# A tiny model and data, so a check takes about a second.
_RESUME = {"rows": 96, "batch_size": 32, "initial_epoch": 2, "epochs": 4}


def _resume_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(_RESUME["rows"], 4)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int32) + (x[:, 1] > 0).astype(np.int32)


def _resume_model(learning_rate):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.SGD(learning_rate), "sparse_categorical_crossentropy")
    return model


def _resume_cases():
    """(name, learning rate or schedule, make extra callbacks, LR at step t and epoch e, hint)."""
    import keras

    return [
        (
            "an optimizer built on ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)",
            lambda: keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5),
            lambda: [],
            lambda step, epoch: 0.1 * 0.5 ** (step / 2),
            "the schedule is evaluated at the optimizer's step counter: keep the saved optimizer (load the whole "
            "model with keras.models.load_model, and do not compile it again).",
        ),
        (
            "an SGD(0.1) optimizer driven by LearningRateScheduler(lambda epoch: 0.1 * 0.5 ** epoch)",
            lambda: 0.1,
            lambda: [keras.callbacks.LearningRateScheduler(lambda epoch: 0.1 * 0.5**epoch)],
            lambda step, epoch: 0.1 * 0.5**epoch,
            "the callback computes the LR from the epoch number, and fit counts epochs from `initial_epoch` "
            "(0 unless you pass it): fit(..., initial_epoch=initial_epoch, epochs=epochs).",
        ),
    ]


def _resume_steps_verdict(where, recorder, reference, hint):
    """The steps the resumed run trained and their LRs, against the uninterrupted run's `reference`."""
    start_epoch, end_epoch = _RESUME["initial_epoch"], _RESUME["epochs"]
    per_epoch = len(reference) // end_epoch
    first, last = start_epoch * per_epoch, end_epoch * per_epoch
    if not recorder.steps:
        return (
            f"{where} trained no step that the checker could see. Hint: pass `callbacks` to model.fit, and "
            "remember that `epochs` is the index of the last epoch: fit(initial_epoch=2, epochs=4) trains 2 more."
        )
    if recorder.steps[0] == 0:
        return (
            f"{where}: the optimizer's step counter started again at 0 instead of {first}, so the LR "
            f"schedule restarted (LR {recorder.learning_rates[0]:.4g} instead of {reference[first]:.4g}). "
            "Hint: load the whole model with keras.models.load_model, which restores the optimizer and its "
            "step count, and do not compile it again."
        )
    if len(recorder.steps) != last - first:
        return (
            f"{where} trained {len(recorder.steps)} steps, expected {last - first} ({end_epoch - start_epoch} "
            f"epochs of {per_epoch}). Hint: in fit, `epochs` is the index of the last epoch, not how many "
            "more to train; `initial_epoch` is where to start."
        )
    if recorder.steps != list(range(first, last)):
        return f"{where} trained the steps {recorder.steps}, expected {list(range(first, last))}."
    for step, got in zip(recorder.steps, recorder.learning_rates):
        if not math.isclose(got, reference[step], rel_tol=1e-6):
            return (
                f"{where}: at step {step} the LR was {got:.4g}; the uninterrupted run used {reference[step]:.4g}. "
                f"Hint: {hint}"
            )
    return None


def _resume_problem(name, learning_rate, extra_callbacks, expected_lr, hint, call, folder):
    import keras

    from lrlab.fine_tuning import StepLearningRateRecorder

    x, y = _resume_data()
    batch, start_epoch, end_epoch = (
        _RESUME["batch_size"],
        _RESUME["initial_epoch"],
        _RESUME["epochs"],
    )
    per_epoch = math.ceil(len(x) / batch)
    # What an uninterrupted run uses at every step (tests/test_checkers.py checks it against one).
    reference = [expected_lr(step, step // per_epoch) for step in range(end_epoch * per_epoch)]
    model = _resume_model(learning_rate())
    model.fit(x, y, batch_size=batch, epochs=start_epoch, verbose=0, callbacks=extra_callbacks())
    path = f"{folder}/checkpoint_{len(extra_callbacks())}.keras"
    model.save(path)
    recorder = StepLearningRateRecorder()
    where = (
        f"resume_training(path, x, y, {batch}, {start_epoch}, {end_epoch}, callbacks) with {name}"
    )
    returned = call(path, x, y, batch, start_epoch, end_epoch, extra_callbacks() + [recorder])
    problem = _resume_steps_verdict(where, recorder, reference, hint)
    if problem:
        return problem
    if not isinstance(returned, keras.Model):
        return f"{where} returned {type(returned).__name__}; return the model you trained."
    if int(returned.optimizer.iterations) != len(reference):
        taken = int(returned.optimizer.iterations)
        return f"the model you returned has taken {taken} steps, expected {len(reference)}."
    return None


@exercise("resume_training", timeout=30.0)
def _verify_resume_training(call):
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        for case in _resume_cases():
            problem = _resume_problem(*case, call, folder)
            if problem:
                return problem
    return None
