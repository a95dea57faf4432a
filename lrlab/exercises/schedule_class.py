"""Check stages shared by the schedule-class exercises (lessons 06 and 09).

Each takes the student's schedule object first; `expected_lr(step)` is the library's formula.
"""

import math
import numbers

from lrlab import models
from lrlab.exercises.framework import (
    Probe,
    as_number,
    error_text,
    guarded,
    run_with_timeout,
    short,
)

# ---- stages shared by the schedule-class exercises (warmup_schedule, wsd_schedule) -------------
# Each takes the student's schedule object first; `expected_lr(step)` is the library's formula.


def saved_and_loaded_optimizer(schedule, steps_done):
    """Save a tiny model whose optimizer uses `schedule`, load it back; return the optimizer."""
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule), loss="mse")
    model.optimizer.build(model.trainable_variables)
    model.optimizer.iterations.assign(steps_done)
    return models.save_and_load(model).optimizer


def close(got, want):
    return math.isclose(got, want, rel_tol=1e-5, abs_tol=1e-9)


def is_a_schedule(schedule):
    import keras

    if not isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
        name = type(schedule).__name__
        return (
            f"{name}(...) should be a keras.optimizers.schedules.LearningRateSchedule: "
            f"write `class {name}(keras.optimizers.schedules.LearningRateSchedule):`."
        )
    return None


def works_in_graph_mode(schedule, expected_lr, steps, hint):
    import tensorflow as tf

    # Inside fit the schedule is traced once with a symbolic int64 step (graph mode).
    traced = tf.function(lambda step: schedule(step))
    where = "calling your schedule inside a compiled train step (graph mode)"
    for step in steps:
        value = guarded(where, lambda s=step: float(traced(tf.constant(s, tf.int64))), hint=hint)
        if not close(value, expected_lr(step)):
            return (
                f"{where} gave {value:.6g} at step {step}, expected {expected_lr(step):.6g}. {hint}"
            )
    return None


def config_round_trips(schedule, arguments, expected_lr, step):
    """get_config must return every constructor argument (`arguments`: {name: value}) as a
    number, and a schedule rebuilt from it must give the same learning rate at `step`."""
    import keras

    cls = type(schedule)
    wanted = f"a dict of the {len(arguments)} constructor arguments"
    # Saving needs get_config, returning every constructor argument.
    if cls.get_config is keras.optimizers.schedules.LearningRateSchedule.get_config:
        return (
            "your class has no get_config(), so a model using it cannot be saved (model.save raises "
            f"NotImplementedError). Add get_config returning {wanted}."
        )
    try:
        config = run_with_timeout(schedule.get_config, (), 10)
    except NotImplementedError:
        return f"get_config() still raises NotImplementedError: return {wanted}."
    except Exception as error:
        return f"get_config() raised {error_text(error, first_line_only=True)}."
    if not isinstance(config, dict) or any(
        isinstance(config.get(key), bool)
        or not isinstance(config.get(key), numbers.Real)
        or not math.isclose(float(config[key]), value)
        for key, value in arguments.items()
    ):
        return (
            f"get_config() returned {short(config)}; expected the constructor arguments "
            f"{arguments}. Hint: Keras rebuilds the schedule as {cls.__name__}(**config)."
        )
    rebuilt = guarded(f"{cls.__name__}.from_config(get_config())", cls.from_config, config)
    got = as_number(guarded("the rebuilt schedule", rebuilt, step), f"the rebuilt schedule({step})")
    if not close(got, expected_lr(step)):
        return "a schedule rebuilt with from_config(get_config()) gives different learning rates."
    return None


def is_registered(schedule):
    import keras

    cls = type(schedule)
    if keras.saving.get_registered_name(cls) == cls.__name__:
        return (
            f"{cls.__name__} is not registered, so load_model cannot find it. Keep the decorator "
            "@keras.saving.register_keras_serializable(package=...) on the class."
        )
    return None


def survives_save_and_load(schedule, steps_done, expected_lr, steps):
    """A model whose optimizer holds the schedule, saved after `steps_done` steps, loads back
    with the same schedule class, the step counter and the same LR at each of `steps`."""
    optimizer = guarded(
        "saving and loading a model that uses your schedule",
        saved_and_loaded_optimizer,
        schedule,
        steps_done,
        hint="Check that get_config returns plain numbers.",
    )
    loaded = optimizer._learning_rate
    if not isinstance(loaded, type(schedule)):
        return (
            f"after model.save / load_model the optimizer's schedule is a {type(loaded).__name__}, "
            f"not your {type(schedule).__name__}."
        )
    if int(optimizer.iterations) != steps_done:
        return f"after load_model the step counter is {int(optimizer.iterations)}, expected {steps_done}."
    for step in steps:
        got = as_number(
            guarded("the loaded schedule", loaded, step), f"the loaded schedule({step})"
        )
        if not close(got, expected_lr(step)):
            return f"the loaded schedule gives {got:.6g} at step {step}, expected {expected_lr(step):.6g}."
    return None


# ---- class grading: the learning rates at steps drawn when the class is graded ------------------


def schedule_probe(draw_args, expected_lr, last_step):
    """A `Probe` for an answer that builds a schedule from arguments (a class, or a function that
    returns one): its LR at 6 steps drawn at grading time, eager and inside a `tf.function`, must
    be `expected_lr(args, step)`. `draw_args(rng)` draws the arguments; `last_step(args)` bounds
    the steps."""

    def draw(rng):
        args = draw_args(rng)
        steps = sorted(rng.sample(range(last_step(args) + 1), min(6, last_step(args) + 1)))
        return {"args": args, "steps": steps}

    def observe(answer, inputs):
        import tensorflow as tf

        schedule = answer(*inputs["args"])
        traced = tf.function(lambda step: schedule(step))
        eager = [float(schedule(step)) for step in inputs["steps"]]
        return eager + [float(traced(tf.constant(s, tf.int64))) for s in inputs["steps"]]

    def judge(inputs, values):
        steps = inputs["steps"]
        if len(values) != 2 * len(steps):
            return f"{len(values)} values came back, expected {2 * len(steps)}."
        args = ", ".join(f"{a:g}" for a in inputs["args"])
        for i, value in enumerate(values):
            step, how = steps[i % len(steps)], ("" if i < len(steps) else " in graph mode")
            want = expected_lr(inputs["args"], step)
            if not close(float(value), want):
                return f"with arguments ({args}), the LR at step {step}{how} is {value:.6g}, expected {want:.6g}."
        return None

    return Probe(draw, observe, judge)
