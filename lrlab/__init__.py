"""LR Lab: the learning-rate course's helpers and the Keras 3 tools it teaches.

`import lrlab` stays light (no TensorFlow); import the module you need:
`from lrlab import schedules`, `from lrlab import finder`, ...
"""

__version__ = "0.1.0"


def setup(seed=0):
    """Quiet TensorFlow, seed everything and style plots: the first call of every notebook."""
    from lrlab.notebook import setup as _setup

    return _setup(seed)
