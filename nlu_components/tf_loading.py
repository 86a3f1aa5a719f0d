"""Load the project's saved DIET models without tracing their training step.

Rasa 3.6 rebuilds a saved model's weights by fitting it on one example before loading the real weights. That fit
runs as a traced ``tf.function``, so TensorFlow traces the whole training step, CRF gradients included: for DIET,
about 35 of the 50 s a model load took on this machine (py-spy). Every Rasa start, every evaluation and every
model staff publish pays it, and Rasa answers no resident while ``PUT /model`` loads a model. Fitting that one
example eagerly builds the same variables in about a second; the loaded weights then overwrite them, and
prediction is compiled exactly as before. TED keeps Rasa's own load. ``tests/test_tf_loading.py`` checks that both
loads give every variable of every model the same value, and DIET's optimizer the same state for fine-tuning.

Installed when ``nlu_components`` is imported, which Rasa does before it loads a model of this project's pipeline.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
from rasa.nlu.classifiers.diet_classifier import DIET
from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

_rasa_load = RasaModel.load.__func__  # Rasa's own, kept for models configured to run eagerly and for the tests


def load_without_tracing(cls: type[RasaModel], model_file_name: str, model_data_example: RasaModelData,
                         predict_data_example: RasaModelData | None = None, finetune_mode: bool = False,
                         *args: Any, **kwargs: Any) -> RasaModel:
    """``RasaModel.load`` with the weight-building fit run eagerly; otherwise the same steps."""
    config = kwargs.get("config", {})
    if config.get(RUN_EAGERLY) or not issubclass(cls, DIET):
        # TED's eager fit builds none of its variables: Rasa's own load for it.
        return _rasa_load(cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
                          *args, **kwargs)
    model = cls(*args, **kwargs)
    model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)), run_eagerly=True)
    model.fit(RasaBatchDataGenerator(model_data_example, batch_size=1), verbose=False)
    model.load_weights(model_file_name)  # the weights and the optimizer's state, as Rasa's own load restores them
    # Graph mode again, keeping the optimizer, for prediction and fine-tuning; forget the eager step functions
    # Keras made for the fit above (what `compile` does, without replacing the optimizer).
    model.run_eagerly = False
    model.train_function = model.test_function = model.predict_function = None
    if not finetune_mode and predict_data_example:
        model.run_inference(predict_data_example)  # traces the prediction step now, not on a resident's turn
    return model


def install() -> None:
    """Make Rasa load models with :func:`load_without_tracing` (idempotent)."""
    RasaModel.load = classmethod(load_without_tracing)


def uninstall() -> None:
    """Rasa's own load again (for comparison in tests and benchmarks)."""
    RasaModel.load = classmethod(_rasa_load)
