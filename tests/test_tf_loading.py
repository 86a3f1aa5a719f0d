"""Loading DIET without tracing its training step (nlu_components.tf_loading) changes no weight of any model."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from rasa.core.agent import Agent
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.utils.tensorflow.models import RasaModel

from evaluation.rasa_process import rasa_env
from local_stack.services import ROOT
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


@pytest.fixture(autouse=True)
def fast_load():
    """Installed explicitly, as the code that loads a model installs it; Rasa's own load again afterwards."""
    tf_loading.install()
    yield
    tf_loading.uninstall()


def test_importing_the_pipeline_package_changes_nothing_in_rasa():
    code = ("import nlu_components, nlu_components.urgent; from rasa.utils.tensorflow.models import RasaModel; "
            "from nlu_components import tf_loading; print(tf_loading.installed())")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=rasa_env(ROOT), capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "False"


def test_install_refuses_another_rasa_or_another_signature_and_says_why():
    with pytest.raises(tf_loading.PatchRefused, match="Rasa 3.7.0 is installed"):
        tf_loading.check_patchable(version="3.7.0")

    def load(cls, model_file_name, model_data_example, finetune_mode=False, *args, **kwargs):  # reordered
        raise AssertionError

    with pytest.raises(tf_loading.PatchRefused, match="wrong parameters"):
        tf_loading.check_patchable(load=load)
    tf_loading.check_patchable()  # the installed Rasa is the one it was written for
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
