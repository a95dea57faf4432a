"""Lesson 09's exercise checker: a warmup-stable-decay schedule class."""

import functools

from lrlab import schedules
from lrlab.exercises.framework import (
    as_number,
    exercise,
    first_problem,
    guarded,
    mismatch,
)
from lrlab.exercises.schedule_class import (
    close,
    config_round_trips,
    is_a_schedule,
    is_registered,
    survives_save_and_load,
    works_in_graph_mode,
)

# ---- lesson 09: a warmup-stable-decay schedule CLASS --------------------------------------------

# Checked with two parameter sets: the second has no stable phase and W != D, so swapped
# arguments and hard-coded numbers show up.
_WSD_CASES = [
    (0.2, 8, 12, 10),
    (0.05, 3, 0, 6),
]  # peak_learning_rate, warmup_steps, stable_steps, decay_steps
_WSD_ARGUMENTS = ["peak_learning_rate", "warmup_steps", "stable_steps", "decay_steps"]
_WSD_GRAPH_HINT = (
    "Inside fit `step` is a symbolic int64 tensor, not a number: convert it to a float tensor and "
    "combine the phases with keras.ops functions, not math, np or a Python `if` (lesson 06 section 3)."
)


def _wsd_lr(case, step):
    return schedules.warmup_stable_decay(step, *case)


def _wsd_telling_steps(w, s, d):
    end = w + s + d
    return sorted(
        {
            0,
            1,
            w // 2,
            w - 1,
            w,
            w + 1,
            w + s // 2,
            w + s - 1,
            w + s,
            w + s + 1,
            w + s + d // 2,
            end - 1,
            end,
            end + 1,
            3 * end,
        }
    )


def _wsd_hint(lr, case):
    """(first wrong step, hint naming the likely mistake) from the student's LRs {step: value}."""
    peak, w, s, d = case
    end = w + s + d
    step = next(k for k in sorted(lr) if not close(lr[k], _wsd_lr(case, k)))
    if step <= w:
        if close(lr[w - 1], peak) and close(lr[0], peak / w):
            return step, (
                "the peak is reached one step early: at step warmup_steps - 1 the warm-up is not "
                "over yet; the LR reaches the peak exactly at step warmup_steps."
            )
        if not close(lr[w], peak) and close(lr[w + 1], peak):
            return step, (
                "the peak is reached one step late: it must be reached exactly at step warmup_steps, "
                "not one step after."
            )
        if step == 0:
            return step, "at step 0 the LR is 0: the warm-up starts from 0."
        return step, (
            "during the warm-up the LR climbs in a straight line, from 0 at step 0 to the peak at "
            "step warmup_steps."
        )
    if step <= w + s:
        if lr[w + s] > peak * (1 + 1e-5):
            return step, "after the warm-up the LR stays at the peak: cap the ramp at 1."
        if close(lr[w + s - 1], peak):
            return step, (
                "the decay starts one step early: at step warmup_steps + stable_steps the LR is still the "
                "peak, and it falls from the next step on."
            )
        return (
            step,
            "between steps warmup_steps and warmup_steps + stable_steps the LR stays at the peak.",
        )
    if any(value < -1e-9 for k, value in lr.items() if k > end):
        return step, "after the decay the LR went negative: clip it at 0."
    if step <= end:
        if close(lr[w + s + 1], peak):
            return step, (
                "the decay starts one step late: at step warmup_steps + stable_steps + 1 the LR is "
                "already below the peak."
            )
        floor = lr[3 * end]
        if floor > 1e-9 and close(lr[end], floor):
            return step, (
                f"the LR decays to {floor:.4g} instead of 0: the cooldown goes linearly from the peak all "
                "the way to 0 at step warmup_steps + stable_steps + decay_steps."
            )
        if close(lr[end - 1], 0.0):
            return (
                step,
                "the LR reaches 0 one step early: it is 0 exactly at step warmup_steps + stable_steps + decay_steps.",
            )
        if close(lr[end], peak / d) and close(lr[end + 1], 0.0):
            return (
                step,
                "the LR reaches 0 one step late: it is 0 exactly at step warmup_steps + stable_steps + decay_steps.",
            )
        return step, (
            "the cooldown falls in a straight line, from the peak at step warmup_steps + stable_steps "
            "to 0 at step warmup_steps + stable_steps + decay_steps."
        )
    return step, "after the cooldown the LR stays at 0."


def _wsd_values_at_the_telling_steps(schedule, case):
    name = f"WSDSchedule({case[0]:g}, {case[1]}, {case[2]}, {case[3]})"
    lr = {
        k: as_number(guarded(f"{name}({k})", schedule, k), f"{name}({k})")
        for k in _wsd_telling_steps(*case[1:])
    }
    if all(close(value, _wsd_lr(case, k)) for k, value in lr.items()):
        return None
    step, hint = _wsd_hint(lr, case)
    return mismatch(f"{name}({step})", _wsd_lr(case, step), lr[step], hint)


@exercise(
    "wsd_schedule",
    kind="class",
    answer_name="WSDSchedule",
    timeout=30.0,
    off=["lrlab.keras_schedules.WarmupStableDecay", "lrlab.schedules.warmup_stable_decay"],
)
def _verify_wsd_schedule(call):
    built = [call(*case) for case in _WSD_CASES]
    problem = is_a_schedule(built[0])
    for schedule, case in zip(built, _WSD_CASES):
        problem = problem or _wsd_values_at_the_telling_steps(schedule, case)
    if problem:
        return problem
    case = _WSD_CASES[0]
    _, w, s, d = case
    expected_lr = functools.partial(_wsd_lr, case)
    return first_problem(
        [
            functools.partial(
                works_in_graph_mode,
                expected_lr=expected_lr,
                steps=(w - 1, w + s + 1, w + s + d + 5),
                hint=_WSD_GRAPH_HINT,
            ),
            functools.partial(
                config_round_trips,
                arguments=dict(zip(_WSD_ARGUMENTS, case)),
                expected_lr=expected_lr,
                step=w + s + 2,
            ),
            is_registered,
            functools.partial(
                survives_save_and_load,
                steps_done=w + s + 3,
                expected_lr=expected_lr,  # mid-cooldown
                steps=(0, w, w + s, w + s + 3, w + s + d, 2 * (w + s + d)),
            ),
        ],
        built[0],
    )
