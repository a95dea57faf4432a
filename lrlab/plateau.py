"""`keras.callbacks.ReduceLROnPlateau`'s rule replayed in plain Python, epoch by epoch, so a table
can show why each cut happens (or does not). Pure Python: no TensorFlow."""

import math

from lrlab import _validation as check

__all__ = ["reduce_on_plateau"]


def reduce_on_plateau(
    monitored, initial_lr, factor=0.1, patience=10, cooldown=0, min_delta=1e-4, min_lr=0.0
):
    """Replay `ReduceLROnPlateau` (mode "min") on the values it would monitor, one per epoch.

    The rule, at the end of each epoch with monitored value `m` and best value so far `best`:

    ```python
    if cooldown_left > 0: cooldown_left -= 1; wait = 0
    if m < best - min_delta: best, wait = m, 0             # an improvement
    elif cooldown_left == 0:
        wait += 1
        if wait >= patience and lr > min_lr:                # cut, then cool down
            lr, cooldown_left, wait = max(lr * factor, min_lr), cooldown, 0
    ```

    Counting, against PyTorch's `torch.optim.lr_scheduler.ReduceLROnPlateau`: Keras (and this
    replay) cuts once `wait >= patience`, PyTorch once its count of bad epochs is `> patience`;
    Keras's cooldown counter is spent at the start of the epoch that then counts again, so
    `cooldown=C` keeps `wait` at 0 for only C - 1 epochs after a cut (cooldown 1 acts as 0),
    while PyTorch's skips C epochs. Hence PyTorch `(patience=P, cooldown=C)` = Keras
    `(patience=P + 1, cooldown=C + 1)`, cut for cut, once PyTorch's improvement test is made
    the same: its `threshold` is relative by default (`threshold_mode="rel"`), Keras's
    `min_delta` absolute (`threshold_mode="abs"`, `threshold=min_delta`). PyTorch also skips a
    cut smaller than `eps=1e-8`, which Keras has no counterpart for.

    Example:

    >>> trace = reduce_on_plateau([1.0, 0.9, 0.9, 0.8], 0.1, factor=0.5, patience=1)
    >>> trace["lr"], trace["improved"], trace["cut"]
    ([0.1, 0.1, 0.1, 0.05], [True, True, False, True], [False, False, True, False])

    Cooldown 1 changes nothing; cooldown 2 holds the count for one epoch after a cut:

    >>> for cooldown in (0, 1, 2):
    ...     trace = reduce_on_plateau([1.0] * 6, 1.0, factor=0.5, patience=1, cooldown=cooldown)
    ...     print(cooldown, trace["lr"])
    0 [1.0, 1.0, 0.5, 0.25, 0.125, 0.0625]
    1 [1.0, 1.0, 0.5, 0.25, 0.125, 0.0625]
    2 [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]

    Args:
        monitored: A sequence of Python floats, the monitored value at the end of each epoch.
        initial_lr: A Python float > 0, the LR of the first epoch.
        factor: A Python float in (0, 1): the LR is multiplied by it at each cut.
        patience: A Python int >= 1: epochs without improvement before a cut.
        cooldown: A Python int >= 0: after a cut, the next `cooldown - 1` epochs do not count
            towards `patience` (Keras's counting, see above: cooldown 1 acts as 0).
        min_delta: A Python float >= 0: an improvement must beat the best by more than this.
        min_lr: A Python float >= 0: the LR is never cut below it.

    Returns:
        A dict of lists, one entry per epoch: "lr" (the LR the epoch trained with), "best" (the
        best value before this epoch's, inf at first), "improved" (whether `m < best - min_delta`),
        "wait" (the wait counter after this epoch) and "cut" (whether this epoch's end cut the LR).
    """
    lr = check.positive("initial_lr", initial_lr)
    factor = check.fraction("factor", factor)
    if factor >= 1:
        check.fail("factor", "must be < 1", factor)
    patience = check.integer("patience", patience, minimum=1)
    cooldown = check.integer("cooldown", cooldown)
    min_delta = check.non_negative("min_delta", min_delta)
    min_lr = check.non_negative("min_lr", min_lr)
    trace = {key: [] for key in ("lr", "best", "improved", "wait", "cut")}
    best, wait, cooldown_left = math.inf, 0, 0
    for value in monitored:
        value = float(value)  # NaN is allowed: it never counts as an improvement, as in Keras
        trace["lr"].append(lr)
        trace["best"].append(best)
        if cooldown_left > 0:
            cooldown_left, wait = cooldown_left - 1, 0
        improved, cut = value < best - min_delta, False
        if improved:
            best, wait = value, 0
        elif cooldown_left == 0:
            wait += 1
            if wait >= patience and lr > min_lr:
                lr, cooldown_left, wait, cut = max(lr * factor, min_lr), cooldown, 0, True
        trace["improved"].append(improved)
        trace["wait"].append(wait)
        trace["cut"].append(cut)
    return trace
