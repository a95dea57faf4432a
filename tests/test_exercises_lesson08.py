"""Lesson 08's exercise `layerwise_optimizer`: a Keras optimizer that trains each layer of a model
at its own learning rate (layer-wise decay from the head down).

The checker builds hidden models, calls the answer, takes one SGD step with known gradients
outside it and reads each variable's LR from how far it moved. Below: plausible wrong answers
(each rejected with a verdict whose hint names the case), right answers written differently
(each accepted), and the premises of the cases (the expected LRs are what a separate Keras SGD
per layer does; each case holds what it is meant to catch). The generic tests (stub not
attempted, solution cell passes, shortcuts refused) are in test_checkers.py and test_shortcuts.py.
"""

import re

import keras
import numpy as np
import pytest
from reference_code import telling_code

from instructor import cells, solutions
from lrlab import exercises, fine_tuning
from lrlab.exercises import check
from lrlab.exercises import lesson08 as checker

EXERCISE = "layerwise_optimizer"


def _weighted(model):
    return [layer for layer in model.layers if layer.trainable_weights]


def _mapped(by_path, default_lr):
    """A MultiOptimizer from {variable path: optimizer}, default SGD(default_lr)."""
    default = keras.optimizers.SGD(learning_rate=default_lr)
    return keras.optimizers.MultiOptimizer(keras.optimizers.OptimizerMap(default, by_path))


def _per_layer(model, lr_of_depth, layers=None, optimizer=keras.optimizers.SGD):
    """{path: optimizer(lr_of_depth(depth))}, depth counted from the head over `layers`."""
    by_path = {}
    for depth, layer in enumerate(reversed(layers or _weighted(model))):
        member = optimizer(learning_rate=lr_of_depth(depth))
        for variable in layer.trainable_weights:
            by_path[variable.path] = member
    return by_path


# ---- plausible wrong answers ---------------------------------------------------------------------


def _reversed(model, base_lr, decay):  # the input layer at base_lr, the head the smallest
    by_path = {}
    for depth, layer in enumerate(_weighted(model)):
        member = keras.optimizers.SGD(learning_rate=base_lr * decay**depth)
        for variable in layer.trainable_weights:
            by_path[variable.path] = member
    return _mapped(by_path, base_lr)


def _off_by_one(model, base_lr, decay):  # the head at base_lr * decay
    return _mapped(_per_layer(model, lambda depth: base_lr * decay ** (depth + 1)), base_lr)


def _counts_weightless_layers(model, base_lr, decay):  # every layer of model.layers takes a level
    by_path = {}
    for depth, layer in enumerate(reversed(model.layers)):
        member = keras.optimizers.SGD(learning_rate=base_lr * decay**depth)
        for variable in layer.trainable_weights:
            by_path[variable.path] = member
    return _mapped(by_path, base_lr)


def _head_is_the_last_layer(model, base_lr, decay):  # model.layers[-1] is the head, weights or not
    body = [layer for layer in model.layers[:-1] if layer.trainable_weights]
    by_path = {}
    for depth, layer in enumerate(reversed(body), start=1):
        member = keras.optimizers.SGD(learning_rate=base_lr * decay**depth)
        for variable in layer.trainable_weights:
            by_path[variable.path] = member
    return _mapped(by_path, base_lr)


def _counts_variables(model, base_lr, decay):  # each variable its own level: kernel and bias differ
    variables = model.trainable_variables
    by_path = {
        v.path: keras.optimizers.SGD(learning_rate=base_lr * decay**depth)
        for depth, v in enumerate(reversed(variables))
    }
    return _mapped(by_path, base_lr)


def _two_variables_per_layer(model, base_lr, decay):  # as if every layer had a kernel and a bias
    variables = model.trainable_variables
    by_path = {
        v.path: keras.optimizers.SGD(learning_rate=base_lr * decay ** (i // 2))
        for i, v in enumerate(reversed(variables))
    }
    return _mapped(by_path, base_lr)


def _one_lr(model, base_lr, decay):
    return keras.optimizers.SGD(learning_rate=base_lr)


def _keys_by_variable_name(model, base_lr, decay):  # "kernel", "bias": no path matches
    by_name = {}
    for depth, layer in enumerate(reversed(_weighted(model))):
        for variable in layer.trainable_weights:
            by_name[variable.name] = keras.optimizers.SGD(learning_rate=base_lr * decay**depth)
    return _mapped(by_name, base_lr)


def _keys_by_layer_name(model, base_lr, decay):  # "body_1": a layer name is not a variable path
    by_name = {}
    for depth, layer in enumerate(reversed(_weighted(model))):
        by_name[layer.name] = keras.optimizers.SGD(learning_rate=base_lr * decay**depth)
    return _mapped(by_name, base_lr)


def _loose_regex(model, base_lr, decay):  # ".*embed.*" also matches embed_norm's variables
    by_regex = {}
    for depth, layer in enumerate(reversed(_weighted(model))):
        member = keras.optimizers.SGD(learning_rate=base_lr * decay**depth)
        by_regex[f".*{layer.name}.*"] = member
    return _mapped(by_regex, base_lr)


def _built_on_a_fresh_model(model, base_lr, decay):  # built on another model's variables
    fresh = keras.models.clone_model(model)
    optimizer = _mapped(_per_layer(fresh, lambda depth: base_lr * decay**depth), base_lr)
    optimizer.build(fresh.trainable_variables)
    return optimizer


_SHARED = {}


def _one_optimizer_for_every_call(model, base_lr, decay):  # made once, built on the first model
    if "optimizer" not in _SHARED:
        optimizer = _mapped(_per_layer(model, lambda depth: base_lr * decay**depth), base_lr)
        optimizer.build(model.trainable_variables)
        _SHARED["optimizer"] = optimizer
    return _SHARED["optimizer"]


def _list_of_rates(model, base_lr, decay):
    layers = _weighted(model)
    return [base_lr * decay ** (len(layers) - 1 - i) for i in range(len(layers))]


def _plain_dict(model, base_lr, decay):
    return _per_layer(model, lambda depth: base_lr * decay**depth)


def _adam_members(model, base_lr, decay):
    by_path = _per_layer(
        model, lambda depth: base_lr * decay**depth, optimizer=keras.optimizers.Adam
    )
    return _mapped(by_path, base_lr)


def _nesterov_members(model, base_lr, decay):  # the first step is (1 + momentum) * lr * g
    def sgd(learning_rate):
        return keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9, nesterov=True)

    return _mapped(_per_layer(model, lambda depth: base_lr * decay**depth, optimizer=sgd), base_lr)


def _linear_decay(model, base_lr, decay):  # decay times the depth, not to its power
    return _mapped(_per_layer(model, lambda depth: base_lr * max(1 - decay * depth, 0.01)), base_lr)


def _returns_the_model(model, base_lr, decay):
    model.compile(_mapped(_per_layer(model, lambda depth: base_lr * decay**depth), base_lr), "mse")
    return model


def _raises(model, base_lr, decay):
    return _mapped({v.path: None for v in model.trainable_variables}, base_lr)


# (answer, words its verdict must contain)
WRONG = {
    "reversed: the head gets the smallest LR": (_reversed, "wrong end"),
    "off by one: the head at base_lr * decay": (_off_by_one, "off by one"),
    "layers without weights counted": (_counts_weightless_layers, "layers without weights count"),
    "the last layer taken for the head": (_head_is_the_last_layer, "off by one"),
    "each variable its own level": (_counts_variables, "share its LR"),
    "two variables per layer assumed": (_two_variables_per_layer, "share its LR"),
    "one LR for everything": (_one_lr, "every layer trained at 0.1"),
    "map keys are variable names": (_keys_by_variable_name, "variable paths"),
    "map keys are layer names": (_keys_by_layer_name, "variable paths"),
    "a regex that matches two layers": (_loose_regex, "Multiple optimizers"),
    "built on a fresh model's variables": (_built_on_a_fresh_model, "this model's own variables"),
    "one optimizer shared by every call": (
        _one_optimizer_for_every_call,
        "this model's own variables",
    ),
    "a list of floats": (_list_of_rates, "returned a list"),
    "a plain dict": (_plain_dict, "returned a dict"),
    "Adam members": (_adam_members, "not a plain SGD step"),
    "SGD with Nesterov momentum": (_nesterov_members, "1.9 times what plain SGD"),
    "decay times the depth": (_linear_decay, "expected [body_1 0.0125"),
    "the compiled model": (_returns_the_model, "returned the model"),
    "an OptimizerMap holding None": (_raises, "raised"),
    "nothing returned": (lambda model, base_lr, decay: None, "returned NoneType"),
}


KEYS = telling_code(EXERCISE)


def test_the_reference_code_a_verdict_must_not_write_is_found():
    assert "keras.optimizers.SGD(learning_rate=base_lr*decay**depth)" in KEYS


@pytest.mark.parametrize("name", WRONG)
def test_wrong_answers_fail_with_a_hint_on_the_case(name):
    _SHARED.clear()
    answer, words = WRONG[name]
    result = check(EXERCISE, answer)
    assert result.status == exercises.FAILED, result
    assert words in result.message, result.message
    assert "layerwise_optimizer(" in result.message  # the case: a hidden model, named
    assert " model (" in result.message or "name=hidden_" in result.message, result.message
    assert "Traceback" not in result.message
    verdict = "".join(result.message.split())  # the hint points at the case, never at code
    leaked = sorted(key for key in KEYS if key in verdict)
    assert not leaked and "decay**" not in verdict, result.message


# ---- right answers, written differently ----------------------------------------------------------


def _selector_function(model, base_lr, decay):  # MultiOptimizer also takes a callable
    by_path = _per_layer(model, lambda depth: base_lr * decay**depth)
    return keras.optimizers.MultiOptimizer(lambda variable: by_path[variable.path])


def _from_the_input_up(model, base_lr, decay):  # exponent n - 1 - i; the head is the default
    layers = _weighted(model)
    n = len(layers)
    head = keras.optimizers.SGD(learning_rate=base_lr)
    mapping = keras.optimizers.OptimizerMap(head)
    for i, layer in enumerate(layers[:-1]):
        sgd = keras.optimizers.SGD(learning_rate=base_lr * decay ** (n - 1 - i))
        for variable in layer.weights:
            mapping[variable.path] = sgd
    return keras.optimizers.MultiOptimizer(mapping)


def _anchored_regex_keys(model, base_lr, decay):  # one regex per layer, matching whole paths
    mapping, lr = {}, base_lr
    for layer in reversed(model.layers):
        if not layer.trainable_weights:
            continue
        mapping[f"(.*/)?{re.escape(layer.name)}/[^/]+"] = keras.optimizers.SGD(learning_rate=lr)
        lr *= decay
    return keras.optimizers.MultiOptimizer(
        keras.optimizers.OptimizerMap(keras.optimizers.SGD(learning_rate=base_lr), mapping)
    )


class _LayerwiseSGD(keras.optimizers.SGD):
    """Section 2's fallback: one SGD whose update_step scales the LR per variable. On the
    TensorFlow backend update_step gets the backend's variable (no `.path`): look it up by index."""

    def __init__(self, multipliers, **kwargs):
        super().__init__(**kwargs)
        self.multipliers = multipliers  # {variable path: LR / base LR}

    def build(self, variables):
        super().build(variables)
        self.by_index = [self.multipliers[v.path] for v in variables]

    def update_step(self, gradient, variable, learning_rate):
        scaled = learning_rate * self.by_index[self._get_variable_index(variable)]
        return super().update_step(gradient, variable, scaled)


def _fallback_update_step(model, base_lr, decay):
    multipliers = {}
    for depth, layer in enumerate(reversed(_weighted(model))):
        multipliers.update({v.path: decay**depth for v in layer.trainable_weights})
    return _LayerwiseSGD(multipliers, learning_rate=base_lr)


def _momentum_and_numpy_rates(model, base_lr, decay):  # NumPy float64 LRs; momentum allowed
    layers = _weighted(model)
    rates = base_lr * np.power(decay, np.arange(len(layers))[::-1])
    by_path = {}
    for layer, rate in zip(layers, rates):
        sgd = keras.optimizers.SGD(learning_rate=float(rate), momentum=0.9)
        by_path.update({v.path: sgd for v in layer.trainable_weights})
    return _mapped(by_path, base_lr)


RIGHT = {
    "a selector function instead of an OptimizerMap": _selector_function,
    "from the input up, the head as the default": _from_the_input_up,
    "regex keys, one per layer": _anchored_regex_keys,
    "the fallback: one SGD scaling the LR per variable": _fallback_update_step,
    "NumPy rates, SGD with momentum": _momentum_and_numpy_rates,
}


@pytest.mark.parametrize("name", RIGHT)
def test_right_answers_written_differently_pass(name):
    result = check(EXERCISE, RIGHT[name])
    assert result.passed, result


# ---- premises of the cases -----------------------------------------------------------------------


def _expected_by_layer(model, base_lr, decay):
    """The LR of each layer with weights, from lrlab's layer-wise formula over those layers."""
    layers = _weighted(model)
    return dict(
        zip(
            [layer.name for layer in layers],
            fine_tuning.layerwise_decay(len(layers), base_lr, decay),
        )
    )


@pytest.mark.parametrize("case", checker._OPTIMIZER_CASES, ids=lambda case: case[0])
def test_expected_lrs_are_a_separate_keras_sgd_per_layer(case):
    """What the checker expects after one step equals a Keras SGD per layer at the formula's LR."""
    kind, _, base_lr, decay = case
    model = checker._optimizer_model(kind)
    expected = [base_lr * decay**depth for _, depth in checker._depth_table(model)]
    by_layer = _expected_by_layer(model, base_lr, decay)
    np.testing.assert_allclose(
        expected, [by_layer[layer.name] for layer, _ in checker._depth_table(model)], rtol=1e-12
    )
    rng = np.random.default_rng(1)
    for layer in _weighted(model):
        gradients = [rng.uniform(0.5, 2.0, v.shape).astype("float32") for v in layer.weights]
        before = [v.numpy().copy() for v in layer.trainable_weights]
        keras.optimizers.SGD(by_layer[layer.name]).apply(gradients, layer.trainable_weights)
        for v, g, w in zip(layer.trainable_weights, gradients, before):
            np.testing.assert_allclose(w - v.numpy(), by_layer[layer.name] * g, rtol=1e-5)


def test_the_cases_hold_what_they_are_meant_to_catch():
    models = {kind: checker._optimizer_model(kind) for kind, *_ in checker._OPTIMIZER_CASES}
    sequential, functional, head_only = models.values()
    # layers without weights between those with weights, and after the head
    names = [layer.name for layer in sequential.layers]
    assert names[-2:] == ["head", "softmax"] and "dropout" in names[1:-2]
    assert not sequential.layers[-1].weights
    # a layer with one variable, one whose variables are not kernel + bias, a regex-prefix pair
    functional_layers = {layer.name: layer for layer in functional.layers}
    assert len(functional_layers["mix"].trainable_weights) == 1
    assert [v.name for v in functional_layers["embed_norm"].weights] == ["gamma", "beta"]
    assert re.fullmatch(".*embed.*", functional_layers["embed_norm"].weights[0].path)
    assert isinstance(functional.layers[0], keras.layers.InputLayer)
    # paths: the model's name first in a Sequential model, the layer's in a functional one
    assert sequential.trainable_variables[0].path.startswith("hidden_sequential/")
    assert functional.trainable_variables[0].path == "embed/kernel"
    assert len(_weighted(head_only)) == 1
    # every depth in the sequential case differs from what counting every layer gives
    right = [depth for _, depth in checker._depth_table(sequential)]
    every = [depth for _, depth in checker._depth_table(sequential, count_every_layer=True)]
    assert all(a != b for a, b in zip(right, every))


def test_the_reference_is_a_multioptimizer_of_sgds_and_passes():
    answer = solutions.reference(EXERCISE)
    model = checker._optimizer_model("sequential")
    optimizer = answer(model, 0.1, 0.5)
    assert isinstance(optimizer, keras.optimizers.MultiOptimizer)
    rates = fine_tuning.variable_learning_rates(optimizer, model.trainable_variables)
    assert rates["hidden_sequential/body_1/bias"] == pytest.approx(0.0125)
    namespace = {}
    exec(cells.solution_source(EXERCISE), namespace)  # as the student's cell
    assert check(EXERCISE, namespace[EXERCISE]).passed


def test_the_off_objects_are_refused_and_named():
    spec = exercises.EXERCISES[EXERCISE]
    assert set(spec.off) == {
        "lrlab.fine_tuning.per_layer_optimizer",
        "lrlab.fine_tuning.layerwise_decay",
        "lrlab.fine_tuning._scaled_class",
    }

    def through_lrlab(model, base_lr, decay):
        layers = _weighted(model)
        rates = fine_tuning.layerwise_decay(len(layers), base_lr, decay)
        return fine_tuning.per_layer_optimizer(
            keras.optimizers.SGD, dict(zip(layers, rates)), base_lr
        )

    result = check(EXERCISE, through_lrlab)
    assert not result.passed
    assert "`lrlab.fine_tuning.layerwise_decay` is off while this exercise is checked" in str(
        result
    )
