"""Lesson 05's exercise checkers: the classic schedules as formulas and as a Keras schedule."""

import math
import numbers

from lrlab import schedules
from lrlab.exercises.framework import (
    as_number,
    describe_call,
    exercise,
    guarded,
    mismatch,
    numeric_cases,
    short,
)
from lrlab.exercises.schedule_class import schedule_probe

# ---- lesson 05: the classic schedules as formulas ---------------------------------------------
# Hints point at what the failing case tests, never at the expression that passes it.

_LR0 = 0.1
exercise(
    "time_based_decay",
    off=["lrlab.schedules.time_based_decay", "lrlab.keras_schedules.time_based_decay_schedule"],
)(
    numeric_cases(
        "time_based_decay",
        [
            ((t, _LR0, k), schedules.time_based_decay(t, _LR0, k), hint)
            for t, k, hint in [
                (
                    0,
                    0.5,
                    "at step 0 nothing has decayed yet, so the LR is the initial LR: is your step counted from 0?",
                ),
                (
                    1,
                    0.5,
                    "a decay makes the LR smaller as the step grows: check the direction of your change.",
                ),
                (
                    10,
                    0.01,
                    "check which counter your formula uses: t is the optimizer step (the `step` argument).",
                ),
                (
                    1000,
                    0.02,
                    "after many steps time-based decay is still well above 0: it falls like 1/t, far "
                    "more slowly than an exponential or a per-step compounding decay.",
                ),
                (7, 0.0, "with decay_rate 0 the LR never changes."),
            ]
        ],
    )
)

exercise(
    "step_decay", off=["lrlab.schedules.step_decay", "lrlab.keras_schedules.step_decay_schedule"]
)(
    numeric_cases(
        "step_decay",
        [
            ((e, _LR0, f, s), schedules.step_decay(e, _LR0, f, s), hint)
            for e, f, s, hint in [
                (0, 0.5, 10, "epoch 0 uses the initial LR."),
                (
                    9,
                    0.5,
                    10,
                    "epoch 9 is the last epoch before the first drop: the LR has not dropped yet.",
                ),
                (
                    10,
                    0.5,
                    10,
                    "epoch 10 = step_size is the first epoch after a drop: the LR has dropped exactly once.",
                ),
                (
                    11,
                    0.5,
                    10,
                    "between drops the LR stays put: epochs 10 to 19 all share one value.",
                ),
                (
                    14,
                    0.25,
                    10,
                    "by epoch 14 exactly one drop has happened: check how you turn epoch / step_size "
                    "into a whole number of drops.",
                ),
                (
                    15,
                    0.25,
                    10,
                    "epoch / step_size is 1.5 here, and only one drop has happened by epoch 15: check how "
                    "you turn it into a whole number of drops (1.4 and 1.5 must give the same count).",
                ),
                (
                    26,
                    0.7,
                    3,
                    "by epoch 26, with a drop every 3 epochs, 8 drops have happened, each one multiplying the "
                    "LR by factor: check your count of drops and what each drop does.",
                ),
            ]
        ],
    )
)

exercise(
    "exponential_decay",
    off=["lrlab.schedules.exponential_decay", "lrlab.keras_schedules.exponential_decay_schedule"],
)(
    numeric_cases(
        "exponential_decay",
        [
            ((t, _LR0, k), schedules.exponential_decay(t, _LR0, k), hint)
            for t, k, hint in [
                (0, 0.1, "at step 0 the LR is the initial LR."),
                (
                    1,
                    0.1,
                    "check the base of your exponential: over 1/decay_rate steps the LR falls by a factor "
                    "e (about 2.718), not 10.",
                ),
                (10, 0.1, "the LR must shrink as the step grows: check the sign of your exponent."),
                (
                    50,
                    0.02,
                    "decay_rate sets how fast the LR falls; it is not the base of a power. Here "
                    "decay_rate x step = 1, so the LR should have fallen by exactly a factor e.",
                ),
                (3, 0.0, "with decay_rate 0 the LR never changes."),
            ]
        ],
    )
)


# ---- lesson 05: predict, to the step, the LR of a Keras schedule object ------------------------

# initial_lr, factor, step_size (epochs), steps_per_epoch, epochs of training
_STEP_SCHEDULE_CASES = [
    (0.1, 0.5, 3, 22, 10),
    (0.2, 0.1, 2, 1, 9),  # one step per epoch: every step is a boundary's neighbour
    (0.05, 0.7, 1, 37, 4),  # a drop at every epoch
    (1.0, 0.25, 4, 10, 13),
]


def _step_schedule_where(case):
    return describe_call("step_decay_schedule", case)


def _step_schedule_telling_steps(step_size, steps_per_epoch, epochs):
    """Step 0, the last step, the middle of the first interval, and each drop's first step with
    both its neighbours: where a boundary off by one, a smooth curve or a wrong interval shows."""
    total, every = steps_per_epoch * epochs, step_size * steps_per_epoch
    picks = {0, 1, every // 2, total - 1}
    for drop in range(every, total, every):
        picks |= {drop - 1, drop, drop + 1}
    return sorted(p for p in picks if 0 <= p < total)


def _step_schedule_is_a_schedule(schedule, where):
    import keras

    if isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
        return None
    expected = (
        f"{where} returned {type(schedule).__name__} {short(schedule)}; "
        "expected a schedule object from keras.optimizers.schedules."
    )
    if isinstance(schedule, keras.callbacks.Callback):
        return (
            f"{expected} Hint: a callback acts once per epoch, between batches; this exercise asks for the "
            "object the optimizer itself calls at every step (section 5)."
        )
    if isinstance(schedule, numbers.Number):
        return f"{expected} Hint: a fixed learning rate never drops."
    return f"{expected} Hint: a plain function is not one; Keras 3 would call it with no argument."


def _step_schedule_hint(got, step, case):
    """Which way the schedule is wrong at `step`, without writing the answer."""
    lr0, factor, step_size, spe, _ = case
    every = step_size * spe
    epoch, drops = step // spe, step // every
    where = f"step {step} is in epoch {epoch} ({spe} steps per epoch), "
    if got > lr0 * (1 + 1e-5):
        return (
            "your LR went above initial_lr: each drop must multiply it by factor, which is below 1."
        )
    if got <= 0:
        return "your LR reached 0: a step decay only ever multiplies it by factor, so it stays above 0."
    made = math.log(got / lr0) / math.log(factor)  # how many drops your schedule has made
    if not math.isclose(made, round(made), abs_tol=1e-3):
        return (
            "a step decay only takes the values initial_lr, initial_lr times factor, times factor², ... and "
            "holds each one flat until the next drop; yours gives a value in between. Check that your "
            "schedule changes only at the drops, and by factor each time."
        )
    if step == 0:
        return "at step 0 no drop has happened yet: check the LR your schedule starts from."
    at_a_boundary = step % every in (0, 1, every - 1)
    if at_a_boundary and round(made) == drops - 1:
        return (
            where
            + f"after drop number {drops}, but your schedule still gives the LR from before that drop. "
            + "Check at which step "
            "each drop happens, and whether your schedule gives a boundary step the old or the new value."
        )
    if at_a_boundary and round(made) == drops + 1:
        return (
            where
            + f"before drop number {drops + 1}, but your schedule has already dropped. Check at which "
            "step each drop happens, and whether your schedule gives a boundary step the old or the new value."
        )
    return (
        where
        + f"so {drops} drop(s) have happened by then (one every {step_size} epochs), but your "
        f"schedule has made {round(made)}. Check how many optimizer steps lie between two drops."
    )


def _step_schedule_values(schedule, case, where):
    """The LR the optimizer uses at each telling step, compared with the step-decay formula."""
    import keras

    lr0, factor, step_size, spe, epochs = case
    optimizer = guarded(
        f"keras.optimizers.SGD(learning_rate={where})", keras.optimizers.SGD, schedule
    )
    for step in _step_schedule_telling_steps(step_size, spe, epochs):
        optimizer.iterations.assign(step)
        at = f"{where} at step {step}"
        got = as_number(guarded(at, lambda: float(optimizer.learning_rate)), at)
        expected = schedules.step_decay(step // spe, lr0, factor, step_size)
        if not math.isclose(got, expected, rel_tol=1e-5, abs_tol=1e-12):
            return mismatch(at, expected, got, _step_schedule_hint(got, step, case))
    return None


def _draw_step_schedule(rng):
    """initial_lr, factor, step_size (epochs), steps_per_epoch, epochs."""
    return [
        round(rng.uniform(0.01, 1.0), 3),
        round(rng.uniform(0.1, 0.9), 2),
        rng.randint(1, 4),
        rng.randint(1, 30),
        rng.randint(4, 12),
    ]


@exercise(
    "step_decay_schedule",
    timeout=10.0,
    off=["lrlab.keras_schedules.step_decay_schedule"],
    observed=True,  # its answer returns a schedule object
    probe=schedule_probe(
        _draw_step_schedule,
        lambda args, step: schedules.step_decay(step // args[3], *args[:3]),
        lambda args: args[3] * args[4] - 1,
    ),
)
def _verify_step_decay_schedule(call):
    for case in _STEP_SCHEDULE_CASES:
        where = _step_schedule_where(case)
        schedule = call(*case)
        problem = _step_schedule_is_a_schedule(schedule, where) or _step_schedule_values(
            schedule, case, where
        )
        if problem:
            return problem
    return None
