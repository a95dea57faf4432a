"""Offline data: scikit-learn's bundled 8x8 digits, split and scaled the same way every time,
and the lesson-07 capstone's generated classification task."""

from lrlab import _validation as check

__all__ = ["load_digits", "capstone_data"]


def load_digits(validation_fraction=0.25, seed=0):
    """The 1,797 handwritten digits that ship inside scikit-learn (no download).

    Pixels are scaled from 0..16 to 0..1 as float32; labels are int32 class ids 0..9. The split
    is stratified and fixed by `seed`, so every notebook and test sees the same rows.

    Args:
        validation_fraction: A Python float in (0, 1): the share kept for validation.
        seed: A Python int: the split's random seed.

    Returns:
        `((x_train, y_train), (x_val, y_val))`, with x of shape (n, 64).
    """
    fraction = check.number("validation_fraction", validation_fraction)
    if not 0 < fraction < 1:
        check.fail("validation_fraction", "must be in (0, 1)", validation_fraction)
    seed = check.integer("seed", seed)
    # Imported here: scikit-learn takes about a second to import, and `import lrlab` must stay fast.
    import numpy as np
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    digits = sklearn_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int32)
    x_train, x_val, y_train, y_val = train_test_split(
        x, y, test_size=fraction, random_state=seed, stratify=y
    )
    return (x_train, y_train), (x_val, y_val)


def capstone_data():
    """The lesson-07 capstone's fixed, generated data: 3 classes, 16 features, no download.

    scikit-learn's `make_classification` with a fixed `random_state`: 8 informative and 2
    redundant features, 2 clusters per class, and 2% of the labels drawn at random (noise).

    Returns:
        `((x_train, y_train), (x_val, y_val))`: 750 training and 250 validation rows, x float32
        of shape (n, 16), y int32 class ids 0..2.
    """
    import numpy as np
    from sklearn.datasets import make_classification

    x, y = make_classification(
        n_samples=1000,
        n_features=16,
        n_informative=8,
        n_redundant=2,
        n_classes=3,
        n_clusters_per_class=2,
        class_sep=1.0,
        flip_y=0.02,
        random_state=7,
    )
    x, y = x.astype(np.float32), y.astype(np.int32)
    return (x[:750], y[:750]), (x[750:], y[750:])
