"""One call for the first cell of every notebook: quiet, seeded, readable plots."""

import os
import random
import warnings

# DeprecationWarnings raised inside other libraries about their own internals, which no lesson and
# no lrlab code can act on: (message regex, "" for any; module regex). Ignored in the lessons and in
# the tests; every other DeprecationWarning (lrlab's, a lesson's, Keras's optimizers' and
# schedules') shows, and fails the tests (pyproject.toml; tests/conftest.py passes
# LRLAB_STRICT_WARNINGS=1 to nbval's kernels).
THIRD_PARTY_NOISE = [
    # NumPy 2 asks TensorFlow's tensors for a `copy=` keyword they lack, whenever Keras converts one.
    (r"__array__ implementation doesn't accept a copy keyword", r"keras\.src\.backend\.tensorflow"),
    # KerasTuner 1.4 names its threads with threading.currentThread().getName() (lesson 04's search).
    ("", r"keras_tuner\.src\.engine\.oracle"),
]

# Okabe-Ito: distinguishable with every common colour-vision deficiency, and in greyscale.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def describe_error(error, find=None, sentences=1):
    """An exception as a lesson prints it: its type and the first `sentences` sentences of its
    first meaningful line (or of the line from `find` on), without TensorFlow's traceback lines,
    run-specific tensor names or Keras's module paths.

    >>> describe_error(ValueError("Bad value. More detail."))
    'ValueError: Bad value.'
    """
    import re

    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if find is None:
        line = next((line for line in lines if not line.startswith(("in user code", "File "))), "")
    else:
        line = next(line for line in lines if find in line)
        line = line[line.index(find) :]
    line = re.sub(r"\(\S+:\d+\)", "(<tensor>)", line)
    line = re.sub(r"<class '(?:\w+\.)*(\w+)'>", r"\1", line)  # <class 'keras.src....SGD'> -> SGD
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z`@])", line)  # sentence ends: "tf.Tensor" is not one
    return f"{type(error).__name__}: {' '.join(parts[:sentences])}"


def quiet_tensorflow():
    """Silence TensorFlow's C++ and Python logs. Must run before TensorFlow is first imported.

    TF_ENABLE_ONEDNN_OPTS=0 removes the oneDNN banner; level 3 also hides the E0000 line that
    op determinism prints at fit time. Under Jupyter these lines would be stored as stderr outputs.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def filter_warnings(strict=False):
    """Hide THIRD_PARTY_NOISE; show every other DeprecationWarning (make it an error if `strict`)."""
    action = "error" if strict else "default"
    warnings.filterwarnings(action, category=DeprecationWarning)
    warnings.filterwarnings(action, category=PendingDeprecationWarning)
    for message, module in THIRD_PARTY_NOISE:
        warnings.filterwarnings(
            "ignore", message=message, category=DeprecationWarning, module=module
        )


def seed_everything(seed=0):
    """Seed Python, NumPy and (through Keras) TensorFlow."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    random.seed(seed)
    tf.get_logger().setLevel("ERROR")  # retracing warnings


def plot_style():
    """Readable figures: larger text, a light grid, the Okabe-Ito colour cycle."""
    import matplotlib as mpl

    mpl.rcParams.update(
        {
            "figure.figsize": (7.5, 4.2),
            "figure.dpi": 90,
            "font.size": 11,
            "axes.titlesize": 12,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.prop_cycle": mpl.cycler(color=OKABE_ITO),
            "legend.frameon": False,
        }
    )


def setup(seed=0):
    """Quiet TensorFlow, seed everything, set the plot style. Fails clearly on Keras 2."""
    quiet_tensorflow()
    filter_warnings(strict=os.environ.get("LRLAB_STRICT_WARNINGS") == "1")
    import keras

    if int(keras.__version__.split(".")[0]) < 3:
        raise RuntimeError(
            f"LR Lab needs Keras 3; this environment has Keras {keras.__version__}. "
            "Run `make install` (or `pip install -U 'keras>=3' 'tensorflow>=2.16'`)."
        )
    seed_everything(seed)
    plot_style()
