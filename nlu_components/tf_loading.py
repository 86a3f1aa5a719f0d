"""Load the project's saved DIET and TED models without tracing their training step.

Rasa 3.6 rebuilds a saved model's variables by fitting it on one example before loading the saved weights. That
fit runs as a traced ``tf.function``, so TensorFlow traces the whole training step, gradients and CRF included:
in a fresh process on this machine about 24 s of DIET's load and 7 s of TED's (``bench/rasa_start.py``). Every
Rasa start, every evaluation and every model staff publish (each worker loads it) pays it. Fitting the example
eagerly builds the same variables in about a second; the saved weights and optimizer state then overwrite them.

- **DIET**'s example is a real training message, and its eager fit builds every variable.
- **TED**'s is its first training state, which has no attribute at all (no intent, no previous action). TED
  encodes an attribute only in a ``tf.cond`` branch: a traced fit builds both branches, an eager one only the
  branch its data takes, so no encoder. The optimizer's slots then no longer line up with the checkpoint,
  ``load_weights`` raises ``ValueError``, and ``TEDPolicy.load`` (like DIET's) takes that for "no trained model"
  and answers untrained. :func:`with_every_turn_real` gives every turn a zero feature, so the eager fit calls
  every encoder, as the trace does.
- Every fast load checks that each saved value went into exactly one variable and none was left without one
  (:func:`_restored_exactly`); otherwise, and when the eager fit fails, it loads Rasa's own way, with a warning.
- Prediction is compiled as before, traced at load time as Rasa does, but without autograph's source conversion
  (:func:`trace_prediction`): the same graph, node for node, about 3 s sooner in a fresh process.

``tests/test_tf_loading.py`` checks, for DIET and TED, that both loads give every saved value (variables,
optimizer state, metrics) the same value, that a fine-tuning load holds exactly what the archive saved, that the
prediction graphs are the same and that TED predicts the same next actions.

Installed explicitly by the code that loads a model: ``nlu_components.rasa_cli`` (how the project runs
``rasa run``, ``rasa test`` and the console's fine-tuning) and ``evaluation.model``. ``install`` refuses a Rasa
version or a ``RasaModel.load`` signature it was not written for, and says why; a plain ``rasa`` command simply
loads models Rasa's own, slower way.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import rasa
import rasa.utils.train_utils
import scipy.sparse
import tensorflow as tf
from rasa.core.policies.ted_policy import TED
from rasa.nlu.classifiers.diet_classifier import DIET
from rasa.utils.tensorflow.constants import LEARNING_RATE, MASK, RUN_EAGERLY, SEQUENCE, SEQUENCE_LENGTH
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.feature_array import FeatureArray
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

logger = logging.getLogger(__name__)

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


def _zero_turn(matrix: Any) -> Any:
    """A turn's feature matrix with one zero row in place of none (Rasa's "fake" turn has a sequence of 0)."""
    if matrix.shape[0] > 0:
        return matrix
    if scipy.sparse.issparse(matrix):
        return scipy.sparse.coo_matrix((1, matrix.shape[-1]), dtype=matrix.dtype)
    return np.zeros((1, matrix.shape[-1]), dtype=matrix.dtype)


def _per_dialogue(dialogues: FeatureArray, change: Callable[[Any], Any], number_of_dimensions: int) -> FeatureArray:
    """``dialogues`` with ``change`` applied to each dialogue's entry."""
    out = np.empty(len(dialogues), dtype=object)
    for i, dialogue in enumerate(dialogues):
        out[i] = change(dialogue)
    return FeatureArray(out, number_of_dimensions=number_of_dimensions)


def _every_turn_zero(dialogue: Any) -> np.ndarray:
    """A dialogue's turns (turn x sequence x units), each with at least one row."""
    turns = np.empty(len(dialogue), dtype=object)
    for j, matrix in enumerate(dialogue):
        turns[j] = _zero_turn(matrix)
    return turns


def with_every_turn_real(example: RasaModelData) -> RasaModelData:
    """TED's saved example with a (zero) feature for every attribute in every dialogue turn.

    TED encodes an attribute of a turn only when the turn has it (``tf.cond`` between the encoder and zeros). A
    traced fit traces both branches and so builds every encoder; an eager fit runs only the branch its example
    takes, and the example TED saves is its first training state, which may have no attribute at all (the
    project's has none: no intent, no previous action). Given a feature everywhere, the eager fit calls every
    encoder, as the trace does. The values do not matter: the saved weights replace them.
    """
    data: dict[str, dict[str, list[FeatureArray]]] = {}
    for key, attribute in example.data.items():
        data[key] = {}
        for sub_key, arrays in attribute.items():
            if sub_key == MASK:  # dialogue x turn x 1: 1 where the turn has the attribute
                data[key][sub_key] = [_per_dialogue(a, lambda mask: np.ones(np.shape(mask), np.float32), 3)
                                      for a in arrays]
            elif arrays and arrays[0].number_of_dimensions == 4:  # dialogue x turn x sequence x units
                data[key][sub_key] = [_per_dialogue(a, _every_turn_zero, 4) for a in arrays]
            else:  # label ids, dialogue lengths
                data[key][sub_key] = arrays
    real = RasaModelData(label_key=example.label_key, label_sub_key=example.label_sub_key, data=data)
    for key in data:  # sequence lengths follow the sequences, as TED computes them when it makes its data
        if SEQUENCE_LENGTH in data[key]:
            real.add_lengths(key, SEQUENCE_LENGTH, key, SEQUENCE)
    return real


def _restored_exactly(model: RasaModel, model_file_name: str) -> bool:
    """Load the saved weights (and optimizer state) into ``model``; whether every value met exactly one variable.

    A model built with fewer variables than saved would be restored only in part, or (when the optimizer's slots
    no longer line up) raise ``ValueError``, which DIET's and TED's ``load`` take for "no trained model" and then
    answer untrained. Checked, a mismatch falls back to Rasa's own load instead.
    """
    try:
        status = model.load_weights(model_file_name)
        if status is None:
            raise AssertionError("the weights are not a TensorFlow checkpoint: nothing to check them against")
        status.assert_consumed()  # every saved value went into a variable, none waits for one to be created
        status.assert_existing_objects_matched()  # every variable the fit built had a saved value
    except (AssertionError, ValueError) as mismatch:
        logger.warning("The fast load of %s did not restore %s exactly (%s); loading it Rasa's own way.",
                       type(model).__name__, model_file_name, mismatch)
        return False
    return True


def load_without_tracing(cls: type[RasaModel], model_file_name: str, model_data_example: RasaModelData,
                         predict_data_example: RasaModelData | None = None, finetune_mode: bool = False,
                         *args: Any, **kwargs: Any) -> RasaModel:
    """``RasaModel.load`` with the weight-building fit run eagerly; otherwise the same steps."""
    config = kwargs.get("config", {})
    if config.get(RUN_EAGERLY) or not issubclass(cls, (DIET, TED)):
        return _rasa_load(cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
                          *args, **kwargs)
    model = cls(*args, **kwargs)
    model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)), run_eagerly=True)
    try:
        example = with_every_turn_real(model_data_example) if issubclass(cls, TED) else model_data_example
        model.fit(RasaBatchDataGenerator(example, batch_size=1), verbose=False)
    except (tf.errors.OpError, ValueError) as error:  # an example this was not written for: Rasa's own way
        logger.warning("The fast load could not build %s (%s); loading it Rasa's own way.", cls.__name__, error)
        built = False
    else:  # the weights and the optimizer's state, as Rasa's own load restores them
        built = _restored_exactly(model, model_file_name)
    if not built:
        return _rasa_load(cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
                          *args, **kwargs)
    # Graph mode again, keeping the optimizer, for prediction and fine-tuning; forget the eager step functions
    # Keras made for the fit above (what `compile` does, without replacing the optimizer).
    model.run_eagerly = False
    model.train_function = model.test_function = model.predict_function = None
    if not finetune_mode and predict_data_example:
        trace_prediction(model, predict_data_example)  # now, not on a resident's turn
    return model


def trace_prediction(model: RasaModel, predict_data_example: RasaModelData) -> None:
    """Trace ``model``'s prediction step as Rasa's first prediction does, without autograph's source conversion.

    Rasa makes ``tf.function(predict_step, input_signature=...)`` on the first prediction; tracing it first has
    autograph parse and rewrite the source of every function the step calls, once per process (about 3 s of a
    start here, most of DIET's prediction trace). Rasa's prediction code branches only on Python values (its
    tensor branches are explicit ``tf.cond``), for which autograph keeps Python's own ``if`` and ``for``: the graph
    is the same (``tests/test_tf_loading.py`` compares it op for op). A step that did need autograph (a Python
    condition on a tensor) raises while tracing, and is then traced Rasa's way.
    """
    generator, _ = rasa.utils.train_utils.create_data_generators(
        model_data=predict_data_example, batch_sizes=1, epochs=1, shuffle=False)
    batch = next(iter(generator))[0]  # the batch run_inference predicts first, whose signature Rasa's uses
    model._tf_predict_step = tf.function(model.predict_step, input_signature=model._dynamic_signature(batch),
                                         autograph=False)
    try:
        model.run_inference(predict_data_example)
    except (TypeError, ValueError) as needs_autograph:  # OperatorNotAllowedInGraphError is a TypeError
        logger.warning("Tracing %s's prediction without autograph failed (%s); tracing it Rasa's way.",
                       type(model).__name__, needs_autograph)
        model._tf_predict_step = None
        model.run_inference(predict_data_example)


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
