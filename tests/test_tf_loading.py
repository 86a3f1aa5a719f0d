"""Loading DIET without tracing its training step (nlu_components.tf_loading) changes no weight of any model."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import numpy as np
from rasa.core.agent import Agent
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.utils.tensorflow.models import RasaModel

from nlu_components import tf_loading


def weights(model) -> dict[tuple[str, str], np.ndarray]:
    """Every variable of every TensorFlow model in the loaded graph (DIET, TED), by node and name."""
    agent = Agent.load(str(model))
    assert asyncio.run(agent.parse_message("when is my bin day"))["intent"]["name"] == "bin_collection_day"
    found = {}
    for node_name, node in agent.processor.graph_runner._instantiated_nodes.items():
        tf_model = getattr(node._component, "model", None)
        for variable in getattr(tf_model, "weights", []):
            found[(node_name, variable.name)] = variable.numpy()
    return found


def test_importing_the_pipeline_package_installs_the_fast_load():
    assert RasaModel.load.__func__ is tf_loading.load_without_tracing


def test_fast_load_gives_every_model_the_same_weights_as_rasas_own(model_path):
    fast = weights(model_path)
    tf_loading.uninstall()
    try:
        own = weights(model_path)
    finally:
        tf_loading.install()
    for component in ("DIETClassifier", "TEDPolicy"):  # both models are there, each with its variables
        assert sum(component in node for node, _ in own) > 10
    assert fast.keys() == own.keys()
    different = [key for key in own if not np.array_equal(fast[key], own[key])]
    assert not different


def diet_for_fine_tuning(model) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The DIET model as `rasa train --finetune` loads it: its weights and its optimizer's state."""
    with tempfile.TemporaryDirectory() as folder:
        storage, metadata = LocalModelStorage.from_model_archive(Path(folder), Path(model))
        name = next(node for node in metadata.train_schema.nodes if "DIETClassifier" in node)
        config = {**DIETClassifier.get_default_config(), **metadata.train_schema.nodes[name].config}
        component = DIETClassifier.load(config, storage, Resource(name),
                                        ExecutionContext(metadata.train_schema, is_finetuning=True))
        return ([v.numpy() for v in component.model.weights],
                [v.numpy() for v in component.model.optimizer.variables()])


def test_fast_load_for_fine_tuning_restores_diets_optimizer_state_too(model_path):
    fast_weights, fast_optimizer = diet_for_fine_tuning(model_path)
    tf_loading.uninstall()
    try:
        own_weights, own_optimizer = diet_for_fine_tuning(model_path)
    finally:
        tf_loading.install()
    assert len(own_optimizer) > 10 and len(fast_optimizer) == len(own_optimizer)
    assert all(np.array_equal(a, b) for a, b in zip(fast_weights, own_weights, strict=True))
    assert all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(fast_optimizer, own_optimizer, strict=True))
