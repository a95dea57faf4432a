"""Lesson 01's exercise `adam_steps`: the change Keras's Adam makes to one weight at every step,
predicted from its state (m, v and t) for a sequence of gradients.

Below: the premise (the checker's NumPy reference equals `keras.optimizers.Adam`, on its cases and
on many random sequences, so a check needs no TensorFlow), plausible wrong answers (each rejected
with a verdict whose hint names the case), right answers written differently (each accepted), and
what the cases are meant to catch. The generic tests (stub not attempted, solution cell passes,
shortcuts refused) are in test_checkers.py and test_shortcuts.py.
"""

import math
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from reference_code import telling_code

from instructor import cells, solutions
from lrlab import exercises
from lrlab.exercises import check
from lrlab.exercises import lesson01 as checker

EXERCISE = "adam_steps"
B1, B2, EPS = 0.9, 0.999, 1e-7


def _keras_adam_changes(gradients, learning_rate):
    """The change `keras.optimizers.Adam(learning_rate)` makes at each step: one column of
    `gradients` (steps × weights) per weight. The weight is reset to 0 before each step (Adam's
    update does not depend on it), so the change is read without float32 cancellation."""
    gradients = np.asarray(gradients, dtype="float32")
    w = keras.Variable(np.zeros(gradients.shape[1], dtype="float32"))
    adam = keras.optimizers.Adam(learning_rate=learning_rate)
    adam.build([w])

    @tf.function
    def step(g):
        w.assign(tf.zeros_like(w))
        adam.apply([g], [w])
        return tf.identity(w.value)

    return np.array([step(g).numpy() for g in gradients], dtype=np.float64)


def _random_sequences(rng, count=120, length=60):
    """Gradients of every scale (1e-8 to 1e4), signs, zeros and spikes: steps × sequences."""
    scales = 10.0 ** rng.uniform(-8, 4, count)
    g = rng.normal(size=(length, count)) * scales
    drifting = rng.random(count) < 0.2
    g[:, drifting] += 3 * scales[drifting]  # a steady drift
    g[rng.random((length, count)) < 0.15] = 0.0
    spikes = rng.random((length, count)) < 0.03
    g[spikes] *= 100.0
    return g


def test_the_reference_is_keras_adam_on_random_sequences():
    gradients = _random_sequences(np.random.default_rng(0))
    for lr in (1e-3, 0.05):
        keras_changes = _keras_adam_changes(gradients, lr)
        ours = np.stack([checker._adam_reference(g, lr) for g in gradients.T], axis=1)
        np.testing.assert_allclose(ours, keras_changes, rtol=2e-5, atol=1e-7 * lr)


@pytest.mark.parametrize("case", range(len(checker._ADAM_CASES)))
def test_the_checkers_expected_values_are_keras_adams(case):
    gradients, lr, _, _ = checker._ADAM_CASES[case]
    keras_changes = _keras_adam_changes(gradients[:, None], lr)[:, 0]
    expected = checker._adam_reference(gradients, lr)
    # Keras computes in float32: the checker's tolerance is 1e-4, Keras agrees far closer.
    np.testing.assert_allclose(expected, keras_changes, rtol=checker._ADAM_RTOL / 10, atol=1e-9)


def test_the_hidden_cases_are_keras_adams():
    for (gradients, lr), expected in solutions.hidden_cases(EXERCISE):
        keras_changes = _keras_adam_changes(gradients[:, None], lr)[:, 0]
        np.testing.assert_allclose(expected, keras_changes, rtol=1e-5, atol=1e-9)


def test_the_cases_hold_what_they_are_meant_to_catch():
    cases = {name: (g, lr) for g, lr, name, _ in checker._ADAM_CASES}
    reference = checker._adam_reference
    # a constant gradient of any size: every step is α (within ε's effect), downhill
    for name in ("a constant gradient of 2.0", "a constant gradient of -300"):
        g, lr = cases[name]
        np.testing.assert_allclose(reference(g, lr), -np.sign(g) * lr, rtol=1e-5)
    # the spike after 999 zeros: the lesson's 2.515α, and the weight keeps moving after it
    g, lr = cases["999 zero gradients, a spike of 1 at t = 1000, then 3 zeros"]
    changes = reference(g, lr) / lr
    assert np.all(changes[:999] == 0) and changes[999] == pytest.approx(-2.515, abs=1e-3)
    assert np.all(changes[1000:] < -1.5)  # after the spike, with a zero gradient
    # tiny gradients: where ε enters changes the step several-fold
    g, lr = cases["a constant gradient of 1e-6"]
    t = np.arange(1, len(g) + 1)
    after_correction = -lr * g / (np.abs(g) + EPS)  # m̂ / (√v̂ + ε): Kingma & Ba's Algorithm 1
    assert np.all(np.abs(reference(g, lr) / after_correction) < 0.5)
    hat = -lr * g / (np.abs(g) + EPS / np.sqrt(1 - B2**t))  # Keras's ε, in the hat form
    np.testing.assert_allclose(reference(g, lr), hat, rtol=1e-12)


# ---- plausible wrong answers ---------------------------------------------------------------------


def _adam(m_decay=B1, v_decay=B2, m_fix=B1, v_fix=B2, first_t=1, eps="keras", sign=-1.0):
    """An Adam-like loop with one thing changed; each default is Keras's."""

    def answer(gradients, learning_rate):
        m = v = 0.0
        out = []
        for t, g in enumerate(np.asarray(gradients, dtype=float), start=first_t):
            m = m_decay * m + (1 - m_decay) * g
            v = v_decay * v + (1 - v_decay) * g * g
            m_hat = m / (1 - m_fix**t) if m_fix else m
            v_hat = v / (1 - v_fix**t) if v_fix else v
            if eps == "keras":
                size = m_hat / (np.sqrt(v_hat) + EPS / np.sqrt(1 - v_fix**t))
            elif eps == "torch":  # Keras's placement, PyTorch's default value
                size = m_hat / (np.sqrt(v_hat) + 1e-8 / np.sqrt(1 - v_fix**t))
            elif eps == "after":
                size = m_hat / (np.sqrt(v_hat) + EPS)
            elif eps == "inside":
                size = m_hat / np.sqrt(v_hat + EPS)
            elif eps == "inside, before correction":
                size = np.sqrt(1 - v_fix**t) / (1 - m_fix**t) * m / np.sqrt(v + EPS)
            else:  # none: 0/0 while m and v are 0
                with np.errstate(invalid="ignore", divide="ignore"):
                    size = m_hat / np.sqrt(v_hat)
            out.append(sign * learning_rate * size)
        return np.array(out)

    return answer


def _right(gradients, learning_rate):  # Keras's steps, for the wrong answers built on them
    return _adam()(gradients, learning_rate)


def _stateless(gradients, learning_rate):  # §4's first-step formula at every step
    g = np.asarray(gradients, dtype=float)
    return -learning_rate * g / (np.abs(g) + EPS / np.sqrt(1 - B2))


def _rmsprop(gradients, learning_rate, rho=0.9):  # Keras's RMSprop, no bias correction
    v, out = 0.0, []
    for g in gradients:
        v = rho * v + (1 - rho) * g * g
        out.append(-learning_rate * g / np.sqrt(v + EPS))
    return np.array(out)


def _sgd_momentum(gradients, learning_rate, beta=0.9):
    velocity, out = 0.0, []
    for g in gradients:
        velocity = beta * velocity - learning_rate * g
        out.append(velocity)
    return np.array(out)


def _amsgrad(gradients, learning_rate):  # Adam(amsgrad=True): the largest v so far
    m = v = v_max = 0.0
    out = []
    for t, g in enumerate(gradients, start=1):
        m = B1 * m + (1 - B1) * g
        v = B2 * v + (1 - B2) * g * g
        v_max = max(v_max, v)
        out.append(-learning_rate * np.sqrt(1 - B2**t) / (1 - B1**t) * m / (np.sqrt(v_max) + EPS))
    return np.array(out)


def _t_from_zero(gradients, learning_rate):  # vectorised, t = 0, 1, ...: 0/0 at the first step
    g = np.asarray(gradients, dtype=float)
    t = np.arange(len(g))
    m = np.array([sum((1 - B1) * B1 ** (i - s) * g[s] for s in range(i + 1)) for i in t])
    v = np.array([sum((1 - B2) * B2 ** (i - s) * g[s] ** 2 for s in range(i + 1)) for i in t])
    with np.errstate(divide="ignore", invalid="ignore"):
        return -learning_rate * np.sqrt(1 - B2**t) / (1 - B1**t) * m / (np.sqrt(v) + EPS)


# {name: (answer, words its verdict must contain)}
WRONG = {
    "SGD's step, α·g": (lambda g, lr: -lr * np.asarray(g), "as SGD's are"),
    "no bias correction": (_adam(m_fix=0, v_fix=0, eps="none"), "bias correct"),
    "no bias correction, ε added": (_adam(m_fix=0, v_fix=0, eps="after"), "bias correct"),
    "only m corrected": (_adam(v_fix=0, eps="after"), "bias correct"),
    "only v corrected": (_adam(m_fix=0, eps="after"), "bias correct"),
    "ε inside the square root (hat form)": (_adam(eps="inside"), "where it enters"),
    "ε inside the square root, before the correction": (
        _adam(eps="inside, before correction"),
        "where it enters",
    ),
    "ε after the correction (Kingma & Ba's Algorithm 1)": (_adam(eps="after"), "where it enters"),
    "no ε at all": (_adam(eps="none"), "ε is there to keep the step finite"),
    "t counted from 0": (_t_from_zero, "Steps count from t = 1"),
    "t counted from 2": (_adam(first_t=2), "which t"),
    "positive sign": (_adam(sign=1.0), "wrong sign"),
    "β₂ for m (corrected with β₁)": (_adam(m_decay=B2), "bias correct"),
    "β₂ for m, corrected with β₂": (_adam(m_decay=B2, m_fix=B2), "carried from step to step"),
    "β₁ and β₂ swapped": (_adam(B2, B1, B2, B1), "carried from step to step"),
    "the weight, not the change": (lambda g, lr: np.cumsum(_right(g, lr)), "the weight"),
    "the weight starting at 1": (lambda g, lr: 1.0 + np.cumsum(_right(g, lr)), "expected"),
    "the changes in units of α": (lambda g, lr: _right(g, lr) / lr, "units of α"),
    "the sizes of the steps, unsigned": (lambda g, lr: np.abs(_right(g, lr)), "wrong sign"),
    "the first step's formula at every step (no state)": (_stateless, "carried from step"),
    "RMSprop": (_rmsprop, "bias correct"),
    "SGD with momentum": (_sgd_momentum, "bias correct"),
    "AMSGrad": (_amsgrad, "keeps moving"),
    "only the last change": (lambda g, lr: _right(g, lr)[-1], "a single number"),
    "one change too few": (lambda g, lr: _right(g, lr)[1:], "expected shape"),
    "a string": (lambda g, lr: str(_right(g, lr)), "expected a NumPy array"),
    "None": (lambda g, lr: None, "expected a NumPy array"),
    "complex": (lambda g, lr: _right(g, lr) + 0j, "expected a NumPy array"),
    "PyTorch's ε = 1e-8": (_adam(eps="torch"), "where it enters"),
    "computed in float32, as Keras does (5 digits, not the hidden cases' 6)": (
        lambda g, lr: _in_float32(g, lr),
        "compute in float64",
    ),
}


@pytest.mark.parametrize("name", WRONG)
def test_wrong_answers_fail_with_a_hint_on_the_case(name):
    answer, words = WRONG[name]
    result = check(EXERCISE, answer)
    assert result.status == exercises.FAILED, result
    assert words in result.message, result.message
    assert "adam_steps(" in result.message and "Traceback" not in result.message
    assert "Hint" in result.message or "expected" in result.message


def test_no_verdict_writes_the_reference_code():
    keys = telling_code(EXERCISE)
    assert "-alpha_t*m/(np.sqrt(v)+epsilon)" in keys
    for name, (answer, _) in WRONG.items():
        verdict = "".join(check(EXERCISE, answer).message.split())
        leaked = sorted(key for key in keys if key in verdict)
        assert not leaked, f"{name}: the verdict writes {leaked}"
        assert "sqrt(" not in verdict and "**t" not in verdict, name


# ---- right answers, written differently ----------------------------------------------------------


def _vectorised(gradients, learning_rate):
    """m and v as cumulative sums weighted by cumulative products of β: no Python loop."""
    g = np.asarray(gradients, dtype=float)
    b1_t = np.cumprod(np.full(len(g), B1))  # β₁ᵗ for t = 1..T
    b2_t = np.cumprod(np.full(len(g), B2))
    m = b1_t * np.cumsum((1 - B1) * g / b1_t)
    v = b2_t * np.cumsum((1 - B2) * g**2 / b2_t)
    return -learning_rate * np.sqrt(1 - b2_t) / (1 - b1_t) * m / (np.sqrt(v) + EPS)


def _hat_form(gradients, learning_rate):
    m = v = 0.0
    out = np.zeros(len(gradients))
    for i, g in enumerate(gradients):
        t = i + 1
        m = B1 * m + (1 - B1) * g
        v = B2 * v + (1 - B2) * g**2
        m_hat, v_hat = m / (1 - B1**t), v / (1 - B2**t)
        out[i] = -learning_rate * m_hat / (np.sqrt(v_hat) + EPS / np.sqrt(1 - B2**t))
    return out


def _keras_style_updates(gradients, learning_rate):  # m += (g - m)(1 - β₁), with math, a list
    m = v = 0.0
    changes = []
    for t, g in enumerate(gradients.tolist(), start=1):
        m += (g - m) * (1 - B1)
        v += (g * g - v) * (1 - B2)
        alpha = learning_rate * math.sqrt(1 - B2**t) / (1 - B1**t)
        changes.append(-alpha * m / (math.sqrt(v) + EPS))
    return changes


def _with_lfilter(gradients, learning_rate):
    from scipy.signal import lfilter

    g = np.asarray(gradients, dtype=float)
    t = np.arange(1, len(g) + 1)
    m = lfilter([1 - B1], [1, -B1], g)  # the running means as linear filters
    v = lfilter([1 - B2], [1, -B2], g**2)
    return -learning_rate * np.sqrt(1 - B2**t) / (1 - B1**t) * m / (np.sqrt(v) + EPS)


def _in_float32(gradients, learning_rate):  # as Keras computes: every number a float32
    f = np.float32
    m = v = f(0)
    out = []
    for t, g in enumerate(np.asarray(gradients, dtype=f), start=1):
        m = m + (g - m) * (f(1) - f(B1))
        v = v + (g * g - v) * (f(1) - f(B2))
        alpha = f(learning_rate) * np.sqrt(f(1) - f(B2) ** f(t)) / (f(1) - f(B1) ** f(t))
        out.append(-(alpha * m) / (np.sqrt(v) + f(EPS)))
    return np.array(out)


def _as_a_tensor(gradients, learning_rate):  # the reference's steps, in keras.ops
    return keras.ops.convert_to_tensor(_hat_form(gradients, learning_rate), dtype="float64")


RIGHT = {
    "a loop, as Keras writes it (math, a list)": _keras_style_updates,
    "vectorised with cumulative products": _vectorised,
    "the hat form, ε/√(1 − β₂ᵗ)": _hat_form,
    "running means as linear filters (scipy)": _with_lfilter,
    "a float64 Keras tensor": _as_a_tensor,
}


@pytest.mark.parametrize("name", RIGHT)
def test_right_answers_written_differently_pass_visible_and_hidden_cases(name):
    from instructor import hidden

    result = hidden.verify(EXERCISE, RIGHT[name])
    assert result.passed, result


def test_the_reference_answer_is_a_loop_over_the_state_and_passes_the_hidden_cases():
    from instructor import hidden

    namespace = {}
    exec(cells.solution_source(EXERCISE), namespace)  # as the student's cell
    assert hidden.verify(EXERCISE, namespace[EXERCISE]).passed
    visible_only = namespace[EXERCISE]

    def hard_coded(gradients, learning_rate):  # right on the visible cases only
        if learning_rate == solutions.hidden_cases(EXERCISE)[0][0][1]:
            return np.zeros(len(gradients))
        return visible_only(gradients, learning_rate)

    assert check(EXERCISE, hard_coded).passed
    verdict = hidden.verify(EXERCISE, hard_coded)
    assert not verdict.passed and "hidden" in verdict.message


# ---- the answer must be the student's own --------------------------------------------------------


def _off(result):
    assert not result.passed, result
    assert "`keras.optimizers.Adam` is off while this exercise is checked" in result.message


def _steps_with(optimizer, gradients):
    """The lesson's `steps_taken` idea, signed: apply `optimizer` one gradient at a time."""
    w = keras.Variable(np.zeros(1, dtype="float32"))
    changes = []
    for g in gradients:
        before = float(w[0])
        optimizer.apply([np.array([g], dtype="float32")], [w])
        changes.append(float(w[0]) - before)
    return np.array(changes)


def test_keras_adam_and_its_subclass_adamw_are_off():
    _off(check(EXERCISE, lambda g, lr: _steps_with(keras.optimizers.Adam(lr), g)))
    _off(check(EXERCISE, lambda g, lr: _steps_with(keras.optimizers.get("adam"), g)))
    result = check(
        EXERCISE, lambda g, lr: _steps_with(keras.optimizers.AdamW(lr, weight_decay=0.0), g)
    )
    _off(result)
    assert _steps_with(keras.optimizers.Adam(0.1), [1.0])[0] == pytest.approx(-0.1, rel=1e-4)


def test_an_adam_built_before_the_check_cannot_step_during_it():
    built = keras.optimizers.Adam(0.001)  # as in the exercise cell, outside the answer

    def answer(gradients, learning_rate):
        built.learning_rate = learning_rate
        return _steps_with(built, gradients)

    _off(check(EXERCISE, answer))
    fresh = keras.optimizers.Adam(0.1)  # and Adam steps again after the check
    assert _steps_with(fresh, [1.0])[0] == pytest.approx(-0.1, rel=1e-4)


def test_the_checkers_reference_is_off_too():
    result = check(EXERCISE, lambda g, lr: checker._adam_reference(g, lr))
    assert not result.passed
    assert "`lrlab.exercises.lesson01._adam_reference` is off" in result.message


def test_a_check_neither_needs_nor_imports_tensorflow():
    script = (
        "import sys, numpy as np\n"
        "from lrlab.exercises import check\n"
        "def adam_steps(gradients, learning_rate):\n"
        "    m = v = 0.0\n"
        "    out = []\n"
        "    for t, g in enumerate(gradients, start=1):\n"
        "        m = 0.9 * m + 0.1 * g\n"
        "        v = 0.999 * v + 0.001 * g * g\n"
        "        a = learning_rate * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)\n"
        "        out.append(-a * m / (np.sqrt(v) + 1e-7))\n"
        "    return np.array(out)\n"
        "assert check('adam_steps', adam_steps).passed\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]


@pytest.mark.slow  # a process that imports TensorFlow
def test_keras_imported_after_lrlab_is_off_all_the_same():
    """Off names from a package nothing had imported when lrlab did (Keras, here) are found when
    the check runs: the exercise cell's own `import keras` is enough."""
    script = (
        "from lrlab.exercises import check\n"
        "import keras, numpy as np\n"
        "def adam_steps(gradients, learning_rate):\n"
        "    w = keras.Variable(np.zeros(1, dtype='float32'))\n"
        "    adam, out = keras.optimizers.Adam(learning_rate), []\n"
        "    for g in gradients:\n"
        "        before = float(w[0])\n"
        "        adam.apply([np.array([g], dtype='float32')], [w])\n"
        "        out.append(float(w[0]) - before)\n"
        "    return np.array(out)\n"
        "result = check('adam_steps', adam_steps)\n"
        "assert '`keras.optimizers.Adam` is off' in result.message, result\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr[-2000:]
