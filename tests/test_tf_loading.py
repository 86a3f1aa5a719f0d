"""Loading DIET without tracing its training step (nlu_components.tf_loading) changes no weight of any model."""

from __future__ import annotations

import asyncio

import numpy as np
from rasa.core.agent import Agent
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
