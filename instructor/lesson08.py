"""Lesson 08's reference answers (a per-layer optimizer, resuming a run), for instructors.

Each answer is the single source of its exercise cell (see `instructor.solutions`); the
lines between its SOLUTION markers are what the student writes.
"""

# Class and Keras exercises need Keras at import time (not `import lrlab`), quietly: grading and the
# tools import this module outside a notebook.
from lrlab.notebook import quiet_tensorflow

quiet_tensorflow()
import keras  # noqa: E402


def layerwise_optimizer(model, base_lr, decay):
    """Return a Keras optimizer that trains `model` with layer-wise learning-rate decay: plain
    SGD, the head (the last layer in `model.layers` that has trainable weights) at `base_lr`,
    and each layer with weights below it at `decay` times the LR of the one above. Layers
    without weights do not count; all the weights of a layer share its LR."""
    ### BEGIN SOLUTION
    # Only the layers that have weights take a level, counted down from the head.
    with_weights = [layer for layer in model.layers if layer.trainable_weights]
    by_path = {}
    for depth, layer in enumerate(reversed(with_weights)):
        sgd = keras.optimizers.SGD(learning_rate=base_lr * decay**depth)
        for variable in layer.trainable_weights:
            by_path[variable.path] = sgd  # OptimizerMap matches a variable by its path
    default = keras.optimizers.SGD(learning_rate=base_lr)  # unused: every variable is mapped
    return keras.optimizers.MultiOptimizer(keras.optimizers.OptimizerMap(default, by_path))
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
