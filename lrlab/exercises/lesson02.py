"""Lesson 02's exercise checker: Keras 2 optimizer arguments to Keras 3."""

import math

from lrlab.exercises.framework import (
    Probe,
    describe_call,
    error_text,
    exercise,
    short,
)

# ---- lesson 02: Keras 2 optimizer arguments to Keras 3 ---------------------------------------

# (Keras 2 arguments, the Keras 3 arguments they mean, hint). A learning rate given as a pair
# (lr0, decay) means Keras 2's per-step time-based decay lr0 / (1 + decay * step).
_KERAS2_CASES = [
    (
        {"lr": 0.01},
        {"learning_rate": 0.01},
        "Keras 3 refuses one of the argument names Keras 2 accepted: which one, and what is it called now?",
    ),
    (
        {"learning_rate": 0.1, "momentum": 0.9},
        {"learning_rate": 0.1, "momentum": 0.9},
        "these are already Keras 3 arguments: nothing here needs to change.",
    ),
    (
        {"lr": 1, "momentum": 0.9, "nesterov": True},
        {"learning_rate": 1.0, "momentum": 0.9, "nesterov": True},
        "Keras 3 is stricter about the type of the learning rate than Keras 2 was, and every other "
        "argument must survive the translation.",
    ),
    (
        {"lr": 0.1, "decay": 0.0},
        {"learning_rate": 0.1},
        "`decay=0` meant no decay at all: what is left to translate?",
    ),
    (
        {"lr": 0.1, "decay": 0.01, "momentum": 0.9},
        {"learning_rate": (0.1, 0.01), "momentum": 0.9},
        "Keras 3 ignores `decay=`, so the decay has to live in the learning rate itself, as something "
        "Keras calls with the optimizer's step (lesson 02, section 5).",
    ),
    (
        {"learning_rate": 0.5, "decay": 0.001},
        {"learning_rate": (0.5, 0.001)},
        "Keras 2 decayed once per optimizer step (batch), from step 0: compare your learning rate "
        "with Keras 2's at the steps above.",
    ),
]
_KERAS2_STEPS = (0, 1, 10, 1000)  # where the learning rate is compared
_KERAS2_GRADIENTS = (1.0, -0.5, 2.0)  # a few real SGD steps, so momentum and nesterov count too


def _keras3_optimizer(where, kwargs, hint):
    """`keras.optimizers.SGD(**kwargs)` as `compile` would build it; (optimizer, None) or (None, verdict)."""
    import warnings

    import keras

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            optimizer = keras.optimizers.SGD(**kwargs)
        except Exception as error:
            message = str(error).strip().splitlines()[0] if str(error).strip() else ""
            return None, (
                f"{where}: keras.optimizers.SGD(**your_dict) raised {type(error).__name__}: "
                f"{message} Hint: {hint}"
            )
    ignored = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    if ignored:
        return None, (
            f'{where}: keras.optimizers.SGD(**your_dict) warned "{ignored[0][:160]}": '
            f"Keras 3 ignores that argument. Hint: {hint}"
        )
    return optimizer, None


def _keras2_expected_optimizer(expected):
    import keras

    kwargs = dict(expected)
    if isinstance(kwargs["learning_rate"], tuple):
        lr0, decay = kwargs["learning_rate"]
        kwargs["learning_rate"] = keras.optimizers.schedules.InverseTimeDecay(lr0, 1, decay)
    return keras.optimizers.SGD(**kwargs)


def _keras2_learning_rates(where, optimizer, expected, hint):
    """The learning rate Keras 3 trains with at each telling step must be Keras 2's."""
    for step in _KERAS2_STEPS:
        optimizer.iterations.assign(step)
        try:
            lr = float(optimizer.learning_rate)  # what every training step reads
        except Exception as error:
            return (
                f"{where}: Keras 3 could not read the learning rate at step {step}: "
                f"{error_text(error, first_line_only=True)} Keras calls a learning rate that is "
                f"a plain function with no argument, so it never sees the step. Hint: {hint}"
            )
        expected.iterations.assign(step)
        want = float(expected.learning_rate)
        if not math.isclose(lr, want, rel_tol=1e-5):
            return (
                f"{where}: with your arguments Keras 3 trains at step {step} with learning rate "
                f"{lr:.6g}; Keras 2 used {want:.6g}. Hint: {hint}"
            )
    return None


def _keras2_steps(where, optimizer, expected, hint):
    """A few real SGD steps from step 0 move a weight exactly as the intended optimizer does."""
    import keras

    optimizer.iterations.assign(0)
    expected.iterations.assign(0)
    got_w, want_w = keras.Variable(1.0), keras.Variable(1.0)
    for gradient in _KERAS2_GRADIENTS:
        try:
            optimizer.apply([keras.ops.convert_to_tensor(gradient)], [got_w])
        except Exception as error:
            return (
                f"{where}: a training step with your arguments raised "
                f"{error_text(error, first_line_only=True)} Hint: {hint}"
            )
        expected.apply([keras.ops.convert_to_tensor(gradient)], [want_w])
    got, want = float(got_w.numpy()), float(want_w.numpy())
    if not math.isclose(got, want, rel_tol=1e-5, abs_tol=1e-7):
        return (
            f"{where}: after {len(_KERAS2_GRADIENTS)} training steps with gradients "
            f"{list(_KERAS2_GRADIENTS)} a weight starting at 1 is at {got:.6g} with your arguments, "
            f"{want:.6g} with Keras 2's meaning of them. Hint: {hint}"
        )
    return None


def _draw_keras2(rng):
    kwargs = {"lr": round(rng.uniform(0.001, 0.5), 4), "momentum": round(rng.uniform(0.0, 0.95), 2)}
    if rng.random() < 0.8:
        kwargs["decay"] = round(10 ** rng.uniform(-4, -1), 5)
    return {"kwargs": kwargs, "steps": sorted(rng.sample(range(2000), 4))}


def _observe_keras2(answer, inputs):
    """The learning rates and momentum of the SGD optimizer built from the answer's arguments."""
    import keras

    optimizer = keras.optimizers.SGD(**answer(dict(inputs["kwargs"])))
    lrs = []
    for step in inputs["steps"]:
        optimizer.iterations.assign(step)
        lrs.append(float(optimizer.learning_rate))
    return lrs + [float(optimizer.momentum)]


def _judge_keras2(inputs, values):
    kwargs, steps = inputs["kwargs"], inputs["steps"]
    wanted = [kwargs["lr"] / (1 + kwargs.get("decay", 0.0) * s) for s in steps] + [
        kwargs["momentum"]
    ]
    names = [f"the LR at step {s}" for s in steps] + ["the momentum"]
    for name, got, want in zip(names, values, wanted):
        if not math.isclose(float(got), want, rel_tol=1e-5, abs_tol=1e-9):
            return (
                f"for keras2_to_keras3({kwargs}), {name} is {float(got):.6g}, expected {want:.6g}."
            )
    return None if len(values) == len(wanted) else f"{len(values)} values came back."


@exercise(
    "keras2_to_keras3",
    timeout=10.0,
    observed=True,  # its answer returns Keras objects (schedules)
    probe=Probe(_draw_keras2, _observe_keras2, _judge_keras2),
)
def _verify_keras2_to_keras3(call):
    for given, expected, hint in _KERAS2_CASES:
        where = describe_call("keras2_to_keras3", (given,))
        original = dict(given)
        got = call(given)
        if given != original:
            return (
                f"{where} changed the dict it was given. "
                "Hint: leave the caller's dict as it was and return a new one."
            )
        if not isinstance(got, dict):
            return f"{where} returned {type(got).__name__} {short(got)}; expected a dict of keyword arguments."
        optimizer, problem = _keras3_optimizer(where, got, hint)
        if problem:
            return problem
        reference = _keras2_expected_optimizer(expected)
        problem = _keras2_learning_rates(where, optimizer, reference, hint) or _keras2_steps(
            where, optimizer, reference, hint
        )
        if problem:
            return problem
    return None
