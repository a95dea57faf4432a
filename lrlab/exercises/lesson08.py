"""Lesson 08's exercise checkers: an optimizer with one LR per layer, and resuming a run."""

import math

import numpy as np

from lrlab.exercises.framework import (
    Probe,
    exercise,
    guarded,
    short,
)

# ---- lesson 08: an optimizer that gives each layer its own learning rate ------------------------

# Hidden models, each with layers that have no weights between those that do (Dropout,
# Activation, Flatten, Add, the functional model's InputLayer) or after the head (a softmax), a
# layer with one variable (no bias) and one whose variables are not a kernel and a bias
# (LayerNormalization), and layer names that a loose regex confuses ("embed" is a prefix of
# "embed_norm"). Variable paths differ too: a Sequential model's start with the model's name, a
# functional model's with the layer's.
_OPTIMIZER_CASES = [  # (builder name, description, base_lr, decay)
    (
        "sequential",
        "a Sequential model (Dense, Dropout, Dense, Activation, Dense, Flatten, Dense, Activation)",
        0.1,
        0.5,
    ),
    (
        "functional",
        "a functional model (Input, Dense, LayerNormalization, Dense without bias, Add, "
        "Dropout, Dense)",
        0.03,
        0.7,
    ),
    (
        "head_only",
        "a Sequential model (Flatten, Dense: the head is its only layer with weights)",
        0.2,
        0.3,
    ),
]


def _optimizer_model(kind):
    """A hidden model of the cases above, freshly built (the student's answer may change it)."""
    import keras

    layers = keras.layers
    keras.utils.set_random_seed(0)
    if kind == "sequential":
        return keras.Sequential(
            [
                keras.Input((6,)),
                layers.Dense(8, activation="relu", name="body_1"),
                layers.Dropout(0.2, name="dropout"),
                layers.Dense(8, name="body_2"),
                layers.Activation("relu", name="relu"),
                layers.Dense(8, activation="relu", name="body_3"),
                layers.Flatten(name="flatten"),
                layers.Dense(3, name="head"),
                layers.Activation("softmax", name="softmax"),
            ],
            name="hidden_sequential",
        )
    if kind == "functional":
        inputs = keras.Input((6,), name="features")
        embedded = layers.Dense(6, name="embed")(inputs)
        mixed = layers.Dense(6, use_bias=False, name="mix")(
            layers.LayerNormalization(name="embed_norm")(embedded)
        )
        joined = layers.Dropout(0.1, name="dropout")(layers.Add(name="residual")([embedded, mixed]))
        outputs = layers.Dense(2, name="head")(joined)
        return keras.Model(inputs, outputs, name="hidden_functional")
    return keras.Sequential(
        [keras.Input((2, 3)), layers.Flatten(name="flatten"), layers.Dense(2, name="head")],
        name="hidden_head_only",
    )


def _depth_table(model, count_every_layer=False):
    """[(layer, depth)] for each layer with weights, in model order; depth 0 is the head. With
    `count_every_layer`, the depth a mistaken answer gives, counting layers without weights too."""
    layers = list(model.layers)
    weighted = [i for i, layer in enumerate(layers) if layer.trainable_weights]
    if count_every_layer:
        return [(layers[i], len(layers) - 1 - i) for i in weighted]
    return [(layers[i], len(weighted) - 1 - rank) for rank, i in enumerate(weighted)]


def _not_an_optimizer(got, where):
    """The verdict when `got` is not a Keras optimizer instance, else None."""
    import keras

    if isinstance(got, keras.optimizers.Optimizer):
        return None
    wanted = "expected a Keras optimizer, ready for model.compile(optimizer=...)."
    if isinstance(got, dict):
        return (
            f"{where} returned a dict; {wanted} Hint: model.compile takes one optimizer. "
            "Section 2 shows the Keras class that turns a mapping from variable paths to "
            "optimizers into one optimizer."
        )
    if isinstance(got, (list, tuple, np.ndarray)):
        return (
            f"{where} returned a {type(got).__name__} {short(got)}; {wanted} Hint: learning rates "
            "alone do not train a model: give each layer an optimizer with its LR, and hand Keras "
            "one optimizer that sends each variable to its layer's (section 2)."
        )
    if isinstance(got, keras.Model):
        return f"{where} returned the model; {wanted} Hint: return the optimizer itself."
    if isinstance(got, type):
        return f"{where} returned the class {got.__name__}; {wanted} Hint: return an instance."
    return f"{where} returned {type(got).__name__} {short(got)}; {wanted}"


def _variable_learning_rates(model_where, variables, gradients):
    """{variable path: the LR its step shows}, or a verdict when a step is not an SGD step."""
    rates = {}
    for variable, gradient in zip(variables, gradients):
        moved = -np.asarray(variable.numpy(), dtype=float)  # every weight was 0 before the step
        if not np.all(np.isfinite(moved)):
            return f"{model_where}: after one step, `{variable.path}` holds NaN or inf."
        ratio = moved / gradient
        lr = float(np.median(ratio))
        if np.max(np.abs(ratio - lr)) > 1e-4 * abs(lr) + 1e-12:
            return (
                f"{model_where}: the weights of `{variable.path}` did not move in proportion to "
                "their gradients, so that was not a plain SGD step and shows no single LR. Hint: "
                "the exercise asks for plain SGD at each layer's LR (as section 2's per-layer "
                "demo uses); adaptive optimizers such as Adam rescale every gradient."
            )
        rates[variable.path] = lr
    return rates


def _optimizer_hint(got, expected, table, model, base_lr, decay):
    """A hint for a wrong list of per-layer LRs (input side first), from the mistake it matches."""

    def same(values):
        return np.allclose(got, values, rtol=1e-5, atol=1e-12)

    names = [layer.name for layer, _ in table]
    if len(got) > 1 and same([got[0]] * len(got)):
        return (
            f"every layer trained at {got[0]:.4g}. Each layer with weights needs its own LR; if "
            "your map was meant to pick them, check that its keys match this model's variable "
            f"paths (such as `{table[0][0].trainable_weights[0].path}`), exactly or as a regex "
            "matching the whole path."
        )
    if len(got) > 1 and decay != 1 and same(expected[::-1]):
        return (
            f"the decay runs from the wrong end: the head (`{names[-1]}`) trains at base_lr, "
            f"and the layer with weights nearest the input (`{names[0]}`) at the smallest LR."
        )
    if decay != 1 and (same(np.multiply(expected, decay)) or same(np.divide(expected, decay))):
        return (
            f"the depth is off by one: the head (`{names[-1]}`) trains at base_lr itself, and "
            "each layer with weights below it at one more factor of decay."
        )
    every = [base_lr * decay**depth for _, depth in _depth_table(model, count_every_layer=True)]
    if decay != 1 and same(every):
        quiet = [layer.name for layer in model.layers if not layer.trainable_weights]
        return (
            "the layers without weights count as levels in your answer (here "
            f"{', '.join(f'`{n}`' for n in quiet)}). They have nothing to train: only the "
            "layers with weights take a level."
        )
    ratios = np.divide(got, expected)
    if same(np.multiply(expected, ratios[0])):
        return (
            f"the ratios between the layers are right, but every step is {ratios[0]:.4g} times "
            "what plain SGD (default settings) takes at these LRs: the head trains at base_lr."
        )
    return (
        f"the head (`{names[-1]}`) trains at base_lr, and each layer with weights below it at "
        "decay times the LR of the layer above; layers without weights do not count."
    )


def _optimizer_problem(call, kind, description, base_lr, decay):
    """The verdict on one hidden model, or None."""
    model = _optimizer_model(kind)
    variables = list(model.trainable_variables)  # before the student's code sees the model
    table = _depth_table(model)
    where = f"layerwise_optimizer(model, {short(base_lr)}, {short(decay)})"
    model_where = f"{where} on {description}"
    got = call(model, base_lr, decay)
    problem = _not_an_optimizer(got, model_where)
    if problem:
        return problem
    # One step with known gradients, outside the answer: from zero weights, an SGD step at LR a
    # leaves w = -a * g, so each variable shows its LR (momentum and weight decay add nothing yet).
    for variable in variables:
        variable.assign(np.zeros(variable.shape, dtype=variable.dtype))
    rng = np.random.default_rng(1)
    gradients = [rng.uniform(0.5, 2.0, size=v.shape).astype("float32") for v in variables]
    guarded(
        f"{model_where}: one step of the optimizer you returned, "
        "optimizer.apply(gradients, model.trainable_variables),",
        got.apply,
        gradients,
        variables,
        timeout=10.0,
        hint="Hint: return a new optimizer that can train this model's own variables; try one "
        "step yourself with optimizer.apply on the model's trainable_variables.",
    )
    rates = _variable_learning_rates(model_where, variables, gradients)
    if isinstance(rates, str):
        return rates
    per_layer = []
    for layer, _ in table:
        values = [rates[v.path] for v in layer.trainable_weights]
        if not np.allclose(values, values[0], rtol=1e-5, atol=1e-12):
            shown = ", ".join(f"`{v.name}` at {rates[v.path]:.4g}" for v in layer.trainable_weights)
            return (
                f"{model_where}: layer `{layer.name}` trained {shown}. Hint: all the weights "
                "of a layer share its LR; the decay counts layers, not variables."
            )
        per_layer.append(values[0])
    expected = [base_lr * decay**depth for _, depth in table]
    if np.allclose(per_layer, expected, rtol=1e-5, atol=1e-12):
        return None
    shown = ", ".join(f"{layer.name} {lr:.4g}" for (layer, _), lr in zip(table, per_layer))
    want = ", ".join(f"{layer.name} {lr:.4g}" for (layer, _), lr in zip(table, expected))
    hint = _optimizer_hint(per_layer, expected, table, model, base_lr, decay)
    return (
        f"{model_where}: the layers with weights trained at [{shown}], expected [{want}]. "
        f"Hint: {hint}"
    )


def _draw_layerwise(rng):
    kind = rng.choice([case[0] for case in _OPTIMIZER_CASES])
    return {
        "kind": kind,
        "base_lr": round(10 ** rng.uniform(-3, -0.5), 5),
        "decay": round(rng.uniform(0.2, 0.95), 3),
    }


def _observe_layerwise(answer, inputs):
    """The LR each trainable variable of a hidden model moved at, in one step of the answer's
    optimizer from zero weights (what the checker measures)."""
    model = _optimizer_model(inputs["kind"])
    variables = list(model.trainable_variables)
    optimizer = answer(model, inputs["base_lr"], inputs["decay"])
    for variable in variables:
        variable.assign(np.zeros(variable.shape, dtype=variable.dtype))
    gradients = [np.full(v.shape, 1.5, dtype="float32") for v in variables]
    optimizer.apply(gradients, variables)
    return [float(-np.median(v.numpy()) / 1.5) for v in variables]


def _judge_layerwise(inputs, rates):
    model = _optimizer_model(inputs["kind"])
    expected = [
        inputs["base_lr"] * inputs["decay"] ** depth
        for layer, depth in _depth_table(model)
        for _ in layer.trainable_weights
    ]
    names = [v.path for v in model.trainable_variables]
    if len(rates) != len(expected):
        return f"{len(rates)} learning rates came back for {len(expected)} variables."
    for name, got, want in zip(names, rates, expected):
        if not math.isclose(float(got), want, rel_tol=1e-5, abs_tol=1e-12):
            return (
                f"with base_lr={inputs['base_lr']} and decay={inputs['decay']}, `{name}` trained at "
                f"{float(got):.4g}, expected {want:.4g}."
            )
    return None


@exercise(
    "layerwise_optimizer",
    timeout=5.0,
    observed=True,  # its answer takes a model and returns an optimizer
    probe=Probe(_draw_layerwise, _observe_layerwise, _judge_layerwise),
    off=[
        "lrlab.fine_tuning.per_layer_optimizer",
        "lrlab.fine_tuning.layerwise_decay",
        "lrlab.fine_tuning._scaled_class",
    ],
)
def _verify_layerwise_optimizer(call):
    for case in _OPTIMIZER_CASES:
        problem = _optimizer_problem(call, *case)
        if problem:
            return problem
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


def _observe_resume(answer, inputs):
    """The steps and LRs of the resumed run for one of the cases, as the checker records them."""
    import tempfile

    from lrlab.fine_tuning import StepLearningRateRecorder

    _, learning_rate, extra_callbacks, _, _ = _resume_cases()[inputs["case"]]
    x, y = _resume_data()
    batch, start, end = _RESUME["batch_size"], _RESUME["initial_epoch"], _RESUME["epochs"]
    with tempfile.TemporaryDirectory() as folder:
        model = _resume_model(learning_rate())
        model.fit(x, y, batch_size=batch, epochs=start, verbose=0, callbacks=extra_callbacks())
        model.save(f"{folder}/checkpoint.keras")
        recorder = StepLearningRateRecorder()
        answer(
            f"{folder}/checkpoint.keras", x, y, batch, start, end, extra_callbacks() + [recorder]
        )
    return {
        "steps": [int(s) for s in recorder.steps],
        "lrs": [float(v) for v in recorder.learning_rates],
    }


def _judge_resume(inputs, run):
    import types

    name, _, _, expected_lr, hint = _resume_cases()[inputs["case"]]
    per_epoch = math.ceil(_RESUME["rows"] / _RESUME["batch_size"])
    reference = [expected_lr(t, t // per_epoch) for t in range(_RESUME["epochs"] * per_epoch)]
    recorder = types.SimpleNamespace(steps=list(run["steps"]), learning_rates=list(run["lrs"]))
    return _resume_steps_verdict(f"resume_training with {name}", recorder, reference, hint)


@exercise(
    "resume_training",
    timeout=30.0,
    observed=True,  # it takes callbacks and trains a model
    probe=Probe(lambda rng: {"case": rng.randrange(2)}, _observe_resume, _judge_resume),
)
def _verify_resume_training(call):
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        for case in _resume_cases():
            problem = _resume_problem(*case, call, folder)
            if problem:
                return problem
    return None
