"""Lesson 10's exercise `effective_learning_rate`: the effective learning rate of a bias-free Dense
layer followed by a LayerNormalization (one number) or a BatchNormalization (one per unit).

Below: the premises of the cases (the expected values are what Keras's own SGD does to the
direction of the weights: the step on the scale-invariant kernel turns it exactly as a step of
the effective learning rate on the unit-norm kernel; the cases tell the tempting wrong readings
apart), plausible wrong answers (each rejected with a verdict whose hint names the mistake),
right answers written differently (each accepted, hidden cases too), and the shortcut guard.
The generic tests (stub not attempted, solution cell passes, shortcuts refused, no traceback)
are in test_checkers.py and test_shortcuts.py.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from reference_code import telling_code

from instructor import hidden, solutions
from lrlab import data, exercises, keras_scale, scale
from lrlab.exercises import check, framework
from lrlab.exercises import lesson10 as checker

EXERCISE = "effective_learning_rate"
CASES = [(lr, kernel, norm) for lr, kernel, norm, _, _ in checker._CASES]


# ---- the premises ---------------------------------------------------------------------------------


def test_the_expected_values_are_independent_hand_sums():
    for lr, kernel, norm in CASES:
        expected = scale.effective_learning_rate(lr, kernel, norm)
        by_hand = (
            lr / sum(x * x for x in kernel.ravel())
            if norm == "layer"
            else np.array([lr / sum(x * x for x in kernel[:, j]) for j in range(kernel.shape[1])])
        )
        np.testing.assert_allclose(expected, by_hand, rtol=1e-12)


@pytest.mark.parametrize("normalization", ["layer", "batch"])
def test_keras_sgd_turns_a_normalized_kernel_as_the_effective_lr_on_the_unit_kernel(normalization):
    # One SGD step at lr on kernel w moves w/|w| (per unit for BatchNorm) exactly as a step of the
    # effective LR from the unit-norm kernel with the gradient there: the meaning of the formula.
    (x, y), _ = data.load_digits()
    x, y = x[:128], y[:128]
    model = keras_scale.normalized_mlp(normalization, units=16)
    kernel = model.get_layer("normalized_dense").kernel
    w = 3.0 * kernel.numpy()
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    axis = 0 if normalization == "batch" else None
    unit = w / np.sqrt(np.sum(w**2, axis=axis, keepdims=axis is not None))

    def gradient_at(values):
        kernel.assign(values)
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        return tape.gradient(loss, kernel).numpy()

    lr = 0.05
    g_unit = gradient_at(unit)
    kernel.assign(w)
    optimizer = keras.optimizers.SGD(lr)
    optimizer.apply([gradient_at(w)], [kernel])
    stepped = kernel.numpy()
    direction = stepped / np.sqrt(np.sum(w**2, axis=axis, keepdims=axis is not None))
    effective = scale.effective_learning_rate(lr, w, normalization)
    np.testing.assert_allclose(direction, unit - effective * g_unit, rtol=1e-4, atol=1e-6)


def test_the_cases_tell_the_wrong_readings_apart():
    for lr, kernel, norm in CASES:
        expected = np.asarray(scale.effective_learning_rate(lr, kernel, norm))
        for hint, value in checker._candidates(lr, kernel, norm).items():
            value = np.asarray(value, dtype=float)
            assert value.shape != expected.shape or not np.allclose(value, expected), hint
    square = [k for _, k, n in CASES if n == "batch" and k.shape[0] == k.shape[1]]
    assert square and not np.allclose(np.sum(square[0] ** 2, 0), np.sum(square[0] ** 2, 1))
    assert any(k.shape[0] != k.shape[1] for _, k, n in CASES if n == "batch")
    assert any(np.sum(k**2) > 100 for _, k, _ in CASES)
    assert any(np.sum(k**2) < 1e-2 for _, k, _ in CASES)
    assert all((k < 0).any() for _, k, _ in CASES)


# ---- plausible wrong answers ---------------------------------------------------------------------


def _axis(norm):
    return 0 if norm == "batch" else None


WRONG = {
    "not squared: lr / |w|": (
        lambda lr, k, n: lr / np.sqrt(np.sum(k**2, axis=_axis(n))),
        "how many powers of the norm",
    ),
    "lr times the squared norm": (
        lambda lr, k, n: lr * np.sum(k**2, axis=_axis(n)),
        "divided by the squared norm, not multiplied",
    ),
    "the mean square": (
        lambda lr, k, n: lr / np.mean(k**2, axis=_axis(n)),
        "not their mean",
    ),
    "the sum of the weights": (
        lambda lr, k, n: lr / np.abs(np.sum(k, axis=_axis(n))),
        "not the weights themselves",
    ),
    "rows instead of columns for BatchNorm": (
        lambda lr, k, n: lr / np.sum(k**2, axis=1 if n == "batch" else None),
        "not a row",
    ),
    "one number for BatchNorm too": (
        lambda lr, k, n: lr / np.sum(k**2),
        "one effective learning rate per unit",
    ),
    "per unit for LayerNorm too": (
        lambda lr, k, n: lr / np.sum(k**2, axis=0),
        "return one number",
    ),
    "the learning rate itself": (lambda lr, k, n: lr, "returned"),
    "the largest squared column norm for LayerNorm": (
        lambda lr, k, n: (
            lr / (np.sum(k**2, axis=0).max() if n == "layer" else np.sum(k**2, axis=0))
        ),
        "squared norm of all the weights",
    ),
    "a list of floats for BatchNorm, rows": (
        lambda lr, k, n: [lr / float(r @ r) for r in k] if n == "batch" else lr / np.sum(k**2),
        "not a row",
    ),
    "a string": (lambda lr, k, n: "small", "expected"),
    "None": (lambda lr, k, n: None, "expected"),
}


@pytest.mark.parametrize("name", WRONG)
def test_wrong_answers_fail_with_a_hint_on_the_case(name):
    answer, words = WRONG[name]
    result = check(EXERCISE, answer)
    assert result.status == exercises.FAILED, result
    assert words in result.message, result.message
    assert "effective_learning_rate(" in result.message and "Traceback" not in result.message


def test_no_verdict_writes_the_reference_code():
    keys = telling_code(EXERCISE)
    assert "learning_rate/np.sum(kernel**2,axis=0)" in keys
    for name, (answer, _) in WRONG.items():
        verdict = "".join(check(EXERCISE, answer).message.split())
        assert not [key for key in keys if key in verdict], name
        assert "sum(" not in verdict and "**2" not in verdict, name


# ---- right answers, written differently ----------------------------------------------------------


def _loops(lr, kernel, normalization):
    fan_in, units = kernel.shape
    if normalization == "layer":
        return lr / sum(kernel[i, j] ** 2 for i in range(fan_in) for j in range(units))
    return np.array([lr / sum(kernel[i, j] ** 2 for i in range(fan_in)) for j in range(units)])


RIGHT = {
    "np.sum of squares": lambda lr, k, n: lr / np.sum(k**2, axis=0 if n == "batch" else None),
    "the Frobenius norm squared, column norms squared": lambda lr, k, n: (
        lr / np.linalg.norm(k) ** 2 if n == "layer" else lr / np.linalg.norm(k, axis=0) ** 2
    ),
    "einsum": lambda lr, k, n: (
        lr / np.einsum("ij,ij->", k, k) if n == "layer" else lr / np.einsum("ij,ij->j", k, k)
    ),
    "the transposed kernel's rows": lambda lr, k, n: (
        lr / np.vdot(k, k) if n == "layer" else np.array([lr / (row @ row) for row in k.T])
    ),
    "plain loops": _loops,
    "a list for BatchNorm, a 0-d array for LayerNorm": lambda lr, k, n: (
        np.array(lr / np.sum(k * k)) if n == "layer" else list(lr / np.sum(k * k, axis=0))
    ),
    "a TensorFlow tensor": lambda lr, k, n: tf.constant(
        lr / np.sum(k**2, axis=0 if n == "batch" else None)
    ),
}


@pytest.mark.parametrize("name", RIGHT)
def test_right_answers_written_differently_pass(name):
    result = check(EXERCISE, RIGHT[name])
    assert result.passed, result


@pytest.mark.parametrize("name", RIGHT)
def test_right_answers_pass_the_hidden_cases_too(name):
    assert hidden.verify(EXERCISE, RIGHT[name]).passed


def test_the_hidden_cases_differ_from_the_visible_ones_and_catch_a_wrong_answer():
    visible = {(lr, k.tobytes(), n) for lr, k, n in CASES}
    cases = solutions.hidden_cases(EXERCISE)
    assert len(cases) >= 3 and all((a[0], a[1].tobytes(), a[2]) not in visible for a, _ in cases)
    wrong = hidden.hidden_verify(EXERCISE)
    result = framework.judge(EXERCISE, WRONG["not squared: lr / |w|"][0], verify=wrong)
    assert not result.passed


def test_lrlabs_effective_learning_rate_is_off_while_checking():
    def borrowed(lr, kernel, normalization):
        return scale.effective_learning_rate(lr, kernel, normalization)

    result = check(EXERCISE, borrowed)
    assert not result.passed
    assert "`lrlab.scale.effective_learning_rate` is off while this exercise is checked" in (
        result.message
    )
    assert scale.effective_learning_rate(0.1, np.eye(2)) == pytest.approx(0.05)  # on again after
