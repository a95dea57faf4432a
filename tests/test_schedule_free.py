"""lrlab.schedule_free against Keras's ScheduleFreeAdamW, step by step, and against the paper's average."""

import keras
import numpy as np
import pytest

from lrlab import schedule_free


@pytest.mark.skipif(not schedule_free.has_schedule_free_adamw(), reason="Keras < 3.14")
def test_reference_matches_keras_and_recovers_the_average():
    target = np.array([1.0, -2.0, 0.5])
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(3, use_bias=False)])
    optimizer = keras.optimizers.ScheduleFreeAdamW(learning_rate=0.1, warmup_steps=3)
    model.compile(optimizer, "mse")
    variable = model.trainable_variables[0]
    variable.assign(np.zeros((1, 3), "float32"))
    grad = lambda v: 2 * (v - target)  # gradient of |v - target|^2
    for _ in range(7):
        optimizer.apply(
            [grad(keras.ops.convert_to_numpy(variable)[0])[None].astype("float32")], [variable]
        )
    paper = schedule_free.schedule_free_adamw_reference(grad, np.zeros(3), 0.1, 7, warmup_steps=3)
    np.testing.assert_allclose(
        paper[2][-1], paper[1][1:].mean(axis=0), rtol=1e-9
    )  # x: plain average of z_1..z_t
    # Keras 3.15 with TensorFlow recovers x from the already-updated z (see the reference's docstring).
    quirk = keras.backend.backend() == "tensorflow"
    ys, zs, xs = schedule_free.schedule_free_adamw_reference(
        grad, np.zeros(3), 0.1, 7, warmup_steps=3, x_from_updated_z=quirk
    )
    assert (
        np.abs(ys[-1] - paper[0][-1]).max() > 1e-3 or not quirk
    )  # the two recursions differ visibly
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(variable)[0], ys[-1], rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(optimizer._momentums[0])[0], zs[-1], rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        schedule_free.schedule_free_average(model)[0][0], xs[-1], rtol=1e-4, atol=1e-6
    )
    before = keras.ops.convert_to_numpy(variable).copy()
    with schedule_free.schedule_free_evaluation_weights(model):
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(variable)[0], xs[-1], rtol=1e-4, atol=1e-6
        )
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(variable), before)


def test_reference_warm_up_is_linear_warmup_from_zero():
    # With beta_2 -> 0 and a unit gradient, each z step is the LR itself: z_t - z_{t-1} = -lr_t.
    _, zs, _ = schedule_free.schedule_free_adamw_reference(
        lambda w: np.ones_like(w), 0.0, 0.4, 6, beta_2=0.0, epsilon=0.0, warmup_steps=4
    )
    np.testing.assert_allclose(-np.diff(zs), [0.1, 0.2, 0.3, 0.4, 0.4, 0.4])


def test_schedule_free_average_needs_that_optimizer():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(), "mse")
    with pytest.raises(ValueError, match="`optimizer`"):
        schedule_free.schedule_free_average(model)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"steps": 0}, "steps"),
        ({"warmup_steps": -1}, "warmup_steps"),
    ],
)
def test_reference_bad_arguments_name_the_argument(kwargs, name):
    arguments = {"grad_fn": lambda w: w, "w0": 1.0, "learning_rate": 0.1, "steps": 3, **kwargs}
    with pytest.raises(ValueError, match=f"`{name}`"):
        schedule_free.schedule_free_adamw_reference(**arguments)
