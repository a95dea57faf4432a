"""Lesson 07's exercise checker: plan the learning rate for a model you have not seen."""

import numpy as np

from lrlab import diagnosis, models
from lrlab.exercises.framework import (
    EXERCISES,
    Probe,
    TimedOut,
    error_text,
    exercise,
    guarded,
    run_with_timeout,
    short,
)

# ---- lesson 07 capstone: plan the learning rate for a model you have not seen ---------------

# Lesson 07 plans the LR *for a budget*: a peak, maybe a warm-up, and a decay that ends at the
# budget's last step. So the checker asks for a plan at three budgets, the capstone's (the one
# it trains) and two others differing from it in both steps per epoch and epochs, and reads the
# LR of every step at each before training once.
_PLAN_BUDGETS = [
    (models.CAPSTONE["steps_per_epoch"], models.CAPSTONE["epochs"]),
    (12, 4),  # 48 steps: shorter
    (40, 15),  # 600 steps: longer
]
_PLAN_END_FRACTION = 0.25  # at the last step the LR is at most this share of its peak...
_PLAN_SETTLED_AT = 0.6  # ...and it reaches its final level no earlier than this share of the budget
_PLAN_ZERO = 1e-4  # an LR below this share of the peak counts as zero
_PLAN_GRAPH_HINT = (
    "Hint: inside fit a schedule gets the step as a symbolic int64 tensor (graph mode); "
    "does yours use only keras.ops on it, with no math, NumPy or Python `if`?"
)


def _plan_lrs(optimizer, total_steps):
    """The plan's learning rate at steps 0 .. total_steps - 1, computed as `fit` computes it
    (a float LR gives a flat line)."""
    import tensorflow as tf

    from lrlab.callbacks import current_learning_rate, holds_schedule

    if not holds_schedule(optimizer):
        return np.full(total_steps, current_learning_rate(optimizer))
    schedule = optimizer._learning_rate
    # As fit calls it: in graph mode, on an int64 step, without AutoGraph (fit does not convert
    # a schedule's Python `if` either). One traced loop is also far faster than one eager call per step.
    every_step = tf.function(
        lambda: tf.map_fn(
            lambda step: tf.cast(schedule(step), tf.float32),
            tf.range(total_steps, dtype=tf.int64),
            fn_output_signature=tf.float32,
        ),
        autograph=False,
    )
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel(
        "ERROR"
    )  # a new trace per plan is expected: no "triggered tf.function retracing" warning
    try:
        return every_step().numpy().astype(float)
    finally:
        logger.setLevel(level)


def _plan_is_a_fresh_optimizer(optimizer, where):
    import keras

    if isinstance(optimizer, type) and issubclass(optimizer, keras.optimizers.Optimizer):
        return f"{where} returned the class {optimizer.__name__}, not an optimizer: call it to create one."
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        return (
            f"{where} returned {type(optimizer).__name__} {short(optimizer)}; expected a Keras optimizer "
            "(an instance from keras.optimizers)."
        )
    if optimizer.built:
        return f"{where} returned an optimizer that already trained another model; return a fresh one on every call."
    return None


def _plan_lrs_are_usable(lrs, where):
    bad = np.flatnonzero(~np.isfinite(lrs) | (lrs < 0))
    if bad.size:
        return (
            f"the learning rate of {where} at step {bad[0]} is {lrs[bad[0]]:.3g}; every step needs a finite "
            "learning rate >= 0 (0 only where a warm-up starts)."
        )
    if lrs.max() <= 0:
        return f"the learning rate of {where} is 0 at every step, so the model never changes."
    return None


def _plan_changes(curves):
    where, lrs = curves[0]
    if np.ptp(lrs) <= 1e-6 * lrs.max():
        return (
            f"the learning rate of {where} is {lrs[0]:.3g} at every step: it never changes. Hint: lesson 07's "
            "plans (warm-up + cosine, one-cycle, a decay) end with the LR far below its peak at the last step "
            "of the budget; what is your LR at the last step?"
        )
    return None


def _plan_depends_on_the_budget(curves):
    for i, (where_a, a) in enumerate(curves):
        for where_b, b in curves[i + 1 :]:
            n = min(len(a), len(b))
            if np.allclose(a[:n], b[:n], rtol=1e-6, atol=0.0):
                return (
                    f"{where_a} and {where_b} give the same learning rate at each of the first {n} steps: "
                    "your plan ignores the budget it is given. Hint: which of your numbers should come from "
                    "steps_per_epoch and epochs, so that the decay ends at the budget's last step?"
                )
    return None


def _plan_decays_by_the_last_step(where, lrs):
    peak, end = lrs.max(), lrs[-1]
    if end > _PLAN_END_FRACTION * peak * (1 + 1e-6):
        return (
            f"at step {len(lrs) - 1}, the last of {where}, the learning rate is {end:.3g}, "
            f"{end / peak:.0%} of its peak {peak:.3g}: it has not come down by the end of the budget. Hint: how far "
            "does your decay go, over how many steps counted from where, and how many steps does this budget have?"
        )
    return None


def _plan_uses_the_whole_budget(where, lrs):
    peak, end = lrs.max(), lrs[-1]
    level = max(end * 1.01, _PLAN_ZERO * peak)
    after = np.maximum.accumulate(lrs[::-1])[::-1]  # the largest LR from each step on
    settled = int(np.argmax(after <= level))
    if settled < _PLAN_SETTLED_AT * len(lrs):
        return (
            f"{where} brings the learning rate down to its final {end:.3g} by step {settled} of {len(lrs)} and "
            f"stays there for the last {1 - settled / len(lrs):.0%} of the budget, which barely trains. Hint: "
            "which number sets the length of your decay, and is it this budget?"
        )
    return None


def _plan_reaches_the_target(accuracies, losses, summary):
    """The verdict on a finished training run (`losses`: before training, then one per epoch):
    None when the last epoch reaches the target; else what the curves say about the LR (lesson 03)."""
    epochs, target = models.CAPSTONE["epochs"], models.CAPSTONE["target_accuracy"]
    if not np.all(np.isfinite(losses)):
        epoch = int(np.flatnonzero(~np.isfinite(losses))[0])
        return (
            f"training diverged: the loss became {losses[epoch]} in epoch {epoch} {summary}. "
            "Hint: the learning rate is far too large; a range test shows where the loss blows up."
        )
    if accuracies[-1] >= target:
        return None
    best = int(np.argmax(accuracies))
    verdict = (
        f"after {epochs} epochs the validation accuracy is {accuracies[-1]:.3f} (best {accuracies[best]:.3f}, "
        f"epoch {best + 1}); the goal is {target:.2f} {summary}."
    )
    reading = diagnosis.classify_loss_curve(losses)
    rise = max(losses) / losses[0]
    if reading == "diverged":
        hint = (
            f"the training loss rose to {rise:.3g} times its start, or ended above it: the learning rate "
            "(its peak) is too large."
        )
    elif reading == "unstable":
        hint = "the training loss climbed back up again and again: the learning rate (its peak) is too large."
    elif accuracies[best] - accuracies[-1] > 0.1:
        hint = "the accuracy fell after its best epoch: the learning rate (its peak) is too large."
    elif reading == "too slow":
        hint = (
            f"the training loss fell by only {1 - losses[-1] / losses[0]:.0%} of its start: the learning rate is "
            "too small for this budget."
        )
    else:
        hint = (
            "the model learns, but not enough: what does a range test say about your peak, and does the LR "
            "come down to near zero at the last step?"
        )
    return f"{verdict} Hint: {hint}"


def _observe_plan(answer, inputs):
    """The plan for the capstone's budget, as data: its optimizer's class and settings, and its
    learning rate at every step."""
    spe, epochs = _PLAN_BUDGETS[0]
    optimizer = answer(spe, epochs)
    config = {k: v for k, v in optimizer.get_config().items() if k not in ("name", "learning_rate")}
    lrs = [float(v) for v in _plan_lrs(optimizer, spe * epochs)]
    return {"optimizer": type(optimizer).__name__, "config": config, "lrs": lrs}


def _judge_plan(inputs, plan):
    """Train the capstone here with the same optimizer and the same LR at every step."""
    import keras

    name, lrs = plan["optimizer"], [float(v) for v in plan["lrs"]]
    cls = getattr(keras.optimizers, name, None)
    if not (isinstance(cls, type) and issubclass(cls, keras.optimizers.Optimizer)):
        return f"grading rebuilds your plan with Keras's own optimizers, and {name} is not one of them."
    if not lrs or not np.all(np.isfinite(lrs)):
        return "the plan's learning rates are not all finite numbers."
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay(list(range(1, len(lrs))), lrs)
    try:
        optimizer = cls(learning_rate=schedule, **plan["config"])
    except Exception as error:  # settings only the student's process accepted
        return f"its optimizer's settings {short(plan['config'])} do not rebuild it ({error_text(error)})."
    accuracies, losses = models.train_capstone(optimizer)
    summary = f"(your LR: {lrs[0]:.3g} at the start, {max(lrs):.3g} at its peak, {lrs[-1]:.3g} at the end)"
    return _plan_reaches_the_target(accuracies, losses, summary)


@exercise(
    "plan_learning_rate",
    timeout=30.0,
    observed=True,  # its answer returns an optimizer, maybe with the student's own schedule
    probe=Probe(lambda rng: {}, _observe_plan, _judge_plan),
)
def _verify_plan_learning_rate(call):
    plans, curves = [], []
    for spe, epochs in _PLAN_BUDGETS:
        where = f"plan_learning_rate({spe}, {epochs})"
        optimizer = call(spe, epochs)
        problem = _plan_is_a_fresh_optimizer(optimizer, where)
        if problem:
            return problem
        lrs = guarded(
            f"computing the learning rate of {where} at each of its {spe * epochs} steps",
            _plan_lrs,
            optimizer,
            spe * epochs,
            hint=_PLAN_GRAPH_HINT,
        )
        problem = _plan_lrs_are_usable(lrs, where)
        if problem:
            return problem
        plans.append(optimizer)
        curves.append((f"{where} ({spe * epochs} steps)", lrs))
    problem = _plan_changes(curves) or _plan_depends_on_the_budget(curves)
    for where, lrs in curves:
        problem = (
            problem
            or _plan_decays_by_the_last_step(where, lrs)
            or _plan_uses_the_whole_budget(where, lrs)
        )
    if problem:
        return problem
    lrs = curves[0][1]
    summary = f"(your LR: {lrs[0]:.3g} at the start, {lrs.max():.3g} at its peak, {lrs[-1]:.3g} at the end)"
    # Not `guarded`: any error in training (NotImplementedError included) is the plan's failure.
    try:
        accuracies, losses = run_with_timeout(
            models.train_capstone, (plans[0],), EXERCISES["plan_learning_rate"].timeout
        )
    except TimedOut:
        return "training with your plan did not finish in time. Is your schedule doing heavy work on every step?"
    except Exception as error:
        return (
            f"training with your plan raised {type(error).__name__}: {str(error)[:300]}. "
            f"{_PLAN_GRAPH_HINT}"
        )
    return _plan_reaches_the_target(accuracies, losses, summary)
