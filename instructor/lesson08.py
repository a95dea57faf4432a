"""Lesson 08's reference answers (per-layer learning rates, and resuming a run) and hidden cases, for instructors.

Each answer is the single source of its exercise cell (see `instructor.solutions`); the
lines between its SOLUTION markers are what the student writes.
"""

# Class and Keras exercises need Keras at import time (not `import lrlab`), quietly: grading and the
# tools import this module outside a notebook.
from lrlab.notebook import quiet_tensorflow  # noqa: E402

quiet_tensorflow()
import keras  # noqa: E402


def layerwise_learning_rates(num_layers, base_lr, decay):
    """Return a list of `num_layers` learning rates for layer-wise LR decay: layer 0 is nearest
    the input; the last layer (the head) gets `base_lr`, and each layer below it `decay` times
    the LR of the layer above."""
    ### BEGIN SOLUTION
    return [base_lr * decay ** (num_layers - 1 - i) for i in range(num_layers)]
    ### END SOLUTION


def resume_training(checkpoint_path, x, y, batch_size, initial_epoch, epochs, callbacks):
    """Continue a run from the `.keras` file at `checkpoint_path` (saved after `initial_epoch`
    epochs) until epoch `epochs`, on (x, y) with `batch_size`, giving `callbacks` to `fit`, so
    every step uses the learning rate an uninterrupted run would. Return the trained model."""
    ### BEGIN SOLUTION
    # The whole model: weights, the compiled optimizer and its step counter (so its schedule
    # continues), and `initial_epoch` so epoch-indexed callbacks continue too.
    model = keras.models.load_model(checkpoint_path)
    model.fit(
        x,
        y,
        batch_size=batch_size,
        initial_epoch=initial_epoch,
        epochs=epochs,
        callbacks=callbacks,
        verbose=0,
    )
    return model
    ### END SOLUTION
