"""Load the project's saved DIET models without tracing their training step.

Rasa 3.6 rebuilds a saved model's weights by fitting it on one example before loading the real weights. That fit
runs as a traced ``tf.function``, so TensorFlow traces the whole training step, CRF gradients included: for DIET,
about 35 of the 50 s a model load took on this machine (py-spy). Every Rasa start, every evaluation and every
model staff publish pays it, and Rasa answers no resident while ``PUT /model`` loads a model. Fitting that one
example eagerly builds the same variables in about a second; the loaded weights then overwrite them, and
prediction is compiled exactly as before. TED keeps Rasa's own load. ``tests/test_tf_loading.py`` checks that both
loads give every variable of every model the same value, and DIET's optimizer the same state for fine-tuning.

Installed explicitly by the code that loads a model: ``nlu_components.rasa_cli`` (how the project runs
``rasa run``, ``rasa test`` and the console's fine-tuning) and ``evaluation.model``. ``install`` refuses a Rasa
version or a ``RasaModel.load`` signature it was not written for, and says why; a plain ``rasa`` command simply
loads models Rasa's own, slower way.
"""

from __future__ import annotations

import inspect
from typing import Any

import rasa
import tensorflow as tf
from rasa.nlu.classifiers.diet_classifier import DIET
from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

_rasa_load = RasaModel.load.__func__  # Rasa's own, kept for models configured to run eagerly and for the tests

# The Rasa release whose RasaModel.load this replaces step for step (rasa/utils/tensorflow/models.py).
WRITTEN_FOR_RASA = "3.6.21"
WRITTEN_FOR_PARAMETERS = ("cls", "model_file_name", "model_data_example", "predict_data_example", "finetune_mode",
                          "args", "kwargs")


class PatchRefused(RuntimeError):
    """Rasa is not the version the fast load was written for: loading it could silently change a model."""


def check_patchable(version: str | None = None, load: Any = None) -> None:
    """Refuse, with the reason, a Rasa version or ``RasaModel.load`` signature this patch was not written for.

    Raises:
        PatchRefused: the installed Rasa differs from the one the patch copies.

    """
    version = rasa.__version__ if version is None else version
    if version != WRITTEN_FOR_RASA:
        raise PatchRefused(f"nlu_components.tf_loading copies RasaModel.load of Rasa {WRITTEN_FOR_RASA}, but Rasa "
                           f"{version} is installed: check its load against load_without_tracing, then update "
                           "WRITTEN_FOR_RASA.")
    parameters = tuple(inspect.signature(_rasa_load if load is None else load).parameters)
    if parameters != WRITTEN_FOR_PARAMETERS:
        raise PatchRefused(f"RasaModel.load takes {parameters}, not {WRITTEN_FOR_PARAMETERS}: the fast load would "
                           "pass its arguments to the wrong parameters.")


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
    """Make Rasa load models with :func:`load_without_tracing` (idempotent).

    Raises:
        PatchRefused: see :func:`check_patchable`.

    """
    check_patchable()
    RasaModel.load = classmethod(load_without_tracing)


def installed() -> bool:
    """Whether Rasa loads models with the fast load now."""
    return RasaModel.load.__func__ is load_without_tracing


def uninstall() -> None:
    """Rasa's own load again (for comparison in tests and benchmarks)."""
    RasaModel.load = classmethod(_rasa_load)
