"""Lesson 06's exercise checker: a warm-up schedule class that trains, saves and loads."""

import functools
import math

from lrlab import schedules
from lrlab.exercises.framework import (
    as_number,
    exercise,
    first_problem,
    guarded,
    mismatch,
)
from lrlab.exercises.schedule_class import (
    config_round_trips,
    is_a_schedule,
    is_registered,
    schedule_probe,
    survives_save_and_load,
    works_in_graph_mode,
)

# ---- lesson 06: a warm-up schedule CLASS that trains, saves and loads ---------------------------

_WARMUP = (0.01, 0.1, 8)  # initial_learning_rate, warmup_target, warmup_steps


def _warmup_lr(step):
    return schedules.linear_warmup(step, *_WARMUP)


def _warmup_values_at_the_telling_steps(schedule):
    start, target, n = _WARMUP
    hints = {
        0: "at step 0 the LR is initial_learning_rate.",
        1: "the LR climbs by (warmup_target - initial_learning_rate) / warmup_steps per step.",
        n
        - 1: "at step warmup_steps - 1 the warm-up is not over: the target is reached exactly at step warmup_steps.",
        n: "at step warmup_steps the LR reaches warmup_target (not one step earlier or later).",
        n + 1: "after warm-up the LR stays at warmup_target: "
        "check a step past warmup_steps, where it must stop climbing.",
        5 * n: "long after warm-up the LR stays at warmup_target.",
    }
    for step, hint in hints.items():
        where = f"WarmupSchedule({start:g}, {target:g}, {n})({step})"
        got = as_number(guarded(where, schedule, step), where)
        expected = _warmup_lr(step)
        if not math.isclose(got, expected, rel_tol=1e-5, abs_tol=1e-9):
            return mismatch(where, expected, got, hint)
    return None


_WARMUP_GRAPH_HINT = (
    "Inside fit `step` is a symbolic int64 tensor, not a number: lesson 06 section 3 lists "
    "what breaks on it (math, np, a Python `if`) and what works."
)


@exercise(
    "warmup_schedule",
    kind="class",
    answer_name="WarmupSchedule",
    timeout=30.0,
    off=["lrlab.keras_schedules.LinearWarmup", "lrlab.schedules.linear_warmup"],
    probe=schedule_probe(
        lambda rng: [
            round(rng.uniform(0.0, 0.05), 4),
            round(rng.uniform(0.05, 1.0), 3),
            rng.randint(2, 40),
        ],
        lambda args, step: schedules.linear_warmup(step, *args),
        lambda args: 3 * args[2],
    ),
)
def _verify_warmup_schedule(call):
    n = _WARMUP[2]
    arguments = dict(zip(["initial_learning_rate", "warmup_target", "warmup_steps"], _WARMUP))
    return first_problem(
        [
            is_a_schedule,
            _warmup_values_at_the_telling_steps,
            functools.partial(
                works_in_graph_mode,
                expected_lr=_warmup_lr,
                steps=(n - 1,),
                hint=_WARMUP_GRAPH_HINT,
            ),
            functools.partial(
                config_round_trips, arguments=arguments, expected_lr=_warmup_lr, step=3
            ),
            is_registered,
            functools.partial(
                survives_save_and_load,
                steps_done=5,
                expected_lr=_warmup_lr,
                steps=(0, n - 1, n, 2 * n),
            ),
        ],
        call(*_WARMUP),
    )
