"""Loading DIET and TED without tracing their training step (nlu_components.tf_loading) changes no saved value."""

from __future__ import annotations

import asyncio
import logging
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
import tensorflow as tf
from rasa.core.agent import Agent
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine.constants import PLACEHOLDER_TRACKER
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.tensorflow.constants import MASK, SENTENCE, SEQUENCE, SEQUENCE_LENGTH
from rasa.utils.tensorflow.feature_array import FeatureArray
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

from evaluation.rasa_process import rasa_env
from local_stack.services import ROOT
from nlu_components import tf_loading

# What residents say, one conversation a list; TED predicts the next action after each conversation.
CONVERSATIONS = (
    ["when is my bin day"],
    ["hello"],
    ["there is a pothole on the high street"],
    ["I want to pay my council tax"],
    ["hi", "my bin was not collected, I live at FB1 2AA"],
    ["thanks, bye"],
)


def checkpoint_values(tf_model: RasaModel) -> dict[str, np.ndarray]:
    """Every value the model saves (its variables, its optimizer's state, its metrics), by checkpoint path.

    Keyed by where the checkpoint puts a value, not by the variable's name: a variable built in a traced
    ``tf.cond`` is named ``cond/...``, the same variable built eagerly is not, and both restore the same value.
    """
    with tempfile.TemporaryDirectory() as folder:
        tf_model.save_weights(f"{folder}/weights")
        return saved_values(f"{folder}/weights")


def saved_values(checkpoint: str) -> dict[str, np.ndarray]:
    """The values of a TensorFlow checkpoint on disk, by path."""
    reader = tf.train.load_checkpoint(checkpoint)
    return {key: reader.get_tensor(key) for key in reader.get_variable_to_shape_map()
            if key != "_CHECKPOINTABLE_OBJECT_GRAPH"}


def prediction_graph(tf_model: RasaModel) -> tuple:
    """The traced prediction step's graph, node by node (name, op, inputs), its branches and loops too.

    A value the graph captures (a variable's handle) is named by a process-wide counter, so that name is left out.
    """
    def canonical(name: str) -> str:
        return re.sub(r"^\^?\d+(?=$|:)", "<captured>", name)

    def nodes(node_defs) -> tuple:
        return tuple(sorted((canonical(n.name), n.op, tuple(canonical(i) for i in n.input)) for n in node_defs))

    graph = tf_model._tf_predict_step.get_concrete_function().graph.as_graph_def()
    return nodes(graph.node), tuple(sorted(nodes(function.node_def) for function in graph.library.function))


def tracker(agent: Agent, messages: list[str]) -> DialogueStateTracker:
    """A conversation as Rasa's processor would hold it: each message parsed by the model, the bot listening."""
    events = []
    for text in messages:
        parsed = asyncio.run(agent.parse_message(text))
        events += [ActionExecuted(ACTION_LISTEN_NAME),
                   UserUttered(text, parsed["intent"], parsed["entities"], parse_data=parsed)]
    return DialogueStateTracker.from_events("resident", events, slots=agent.domain.slots)


def loaded(model: Path) -> dict:
    """Load the model as Rasa serves it: each TensorFlow model's saved values and sizes, TED's predictions."""
    agent = Agent.load(str(model))
    assert asyncio.run(agent.parse_message("when is my bin day"))["intent"]["name"] == "bin_collection_day"
    found = {"values": {}, "sizes": {}, "types": {}, "graphs": {}}
    for node_name, node in agent.processor.graph_runner._instantiated_nodes.items():
        tf_model = getattr(node._component, "model", None)
        if isinstance(tf_model, RasaModel):
            found["values"][node_name] = checkpoint_values(tf_model)
            found["sizes"][node_name] = (len(tf_model.weights), len(tf_model.optimizer.variables()))
            found["types"][node_name] = type(node._component).__name__
            found["graphs"][node_name] = prediction_graph(tf_model)
            assert not tf_model.run_eagerly  # prediction compiled, as after Rasa's own load
    ted = next(name for name in found["values"] if "TEDPolicy" in name)
    found["predictions"] = [
        agent.processor.graph_runner.run(inputs={PLACEHOLDER_TRACKER: tracker(agent, conversation)},
                                         targets=[ted])[ted].probabilities
        for conversation in CONVERSATIONS]
    found["action_names"] = agent.domain.action_names_or_texts
    return found


@pytest.fixture(autouse=True)
def fast_load():
    """Installed explicitly, as the code that loads a model installs it; Rasa's own load again afterwards."""
    tf_loading.install()
    yield
    tf_loading.uninstall()


@pytest.fixture(scope="module")
def both_loads(model_path) -> tuple[dict, dict]:
    """The model loaded with the fast load, then with Rasa's own (loaded once for the tests below)."""
    tf_loading.install()
    try:
        fast = loaded(model_path)
        tf_loading.uninstall()
        own = loaded(model_path)
    finally:
        tf_loading.uninstall()
    return fast, own


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


def test_fast_load_gives_diet_and_ted_the_same_values_as_rasas_own(both_loads):
    fast, own = both_loads
    assert sorted(own["types"].values()) == ["DIETClassifier", "TEDPolicy"]
    for node, values in own["values"].items():
        assert len(values) > 40  # variables, optimizer state and metrics are all there
        assert fast["sizes"][node] == own["sizes"][node]  # no variable more or less, in the model or its optimizer
        assert fast["values"][node].keys() == values.keys()
        assert not [key for key in values if not np.array_equal(fast["values"][node][key], values[key])], node


def test_fast_load_predicts_the_same_next_actions_as_rasas_own(both_loads):
    fast, own = both_loads
    names = own["action_names"]
    chosen = [names[int(np.argmax(p))] for p in own["predictions"]]
    assert [names[int(np.argmax(p))] for p in fast["predictions"]] == chosen
    assert all(np.array_equal(a, b) for a, b in zip(fast["predictions"], own["predictions"], strict=True))
    assert len(set(chosen)) > 2  # the trackers lead to different actions: the comparison means something


def test_fast_load_compiles_the_same_prediction_graph_as_rasas_own(both_loads):
    fast, own = both_loads
    for node, (nodes, functions) in own["graphs"].items():
        assert len(nodes) > 100 and functions  # tf.cond branches and loops are functions of the graph
        assert fast["graphs"][node] == (nodes, functions), node


def for_fine_tuning(model: Path, component_class: type) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The component's model as `rasa train --finetune` loads it, and the values its archive saved."""
    with tempfile.TemporaryDirectory() as folder:
        storage, metadata = LocalModelStorage.from_model_archive(Path(folder), Path(model))
        name = next(node for node in metadata.train_schema.nodes if component_class.__name__ in node)
        config = {**component_class.get_default_config(), **metadata.train_schema.nodes[name].config}
        component = component_class.load(config, storage, Resource(name),
                                         ExecutionContext(metadata.train_schema, is_finetuning=True))
        with storage.read_from(Resource(name)) as path:
            saved = saved_values(str(next(path.glob("*.tf_model.index"))).removesuffix(".index"))
        return checkpoint_values(component.model), saved


@pytest.mark.parametrize("component_class", [DIETClassifier, TEDPolicy])
def test_fast_load_for_fine_tuning_restores_every_saved_value_and_the_optimizer_state(model_path, component_class):
    fast, saved = for_fine_tuning(model_path, component_class)
    # nothing has run since the load: every variable holds exactly what the archive saved
    assert fast.keys() == saved.keys()
    assert sum("optimizer" in key for key in saved) > 10
    assert not [key for key in saved if not np.array_equal(fast[key], saved[key])]
    tf_loading.uninstall()
    try:
        own, _ = for_fine_tuning(model_path, component_class)
    finally:
        tf_loading.install()
    assert not [key for key in own if not np.array_equal(fast[key], own[key])]


def test_an_example_the_eager_fit_cannot_build_from_falls_back_to_rasas_own_load(model_path, monkeypatch, caplog):
    # TED's saved example as it is, with no attribute in its one turn: the eager fit builds no encoder, the saved
    # optimizer state no longer lines up, and TEDPolicy.load would answer with an untrained policy.
    monkeypatch.setattr(tf_loading, "with_every_turn_real", lambda example: example)
    with caplog.at_level(logging.WARNING, logger="nlu_components.tf_loading"):
        fast, saved = for_fine_tuning(model_path, TEDPolicy)
    assert "loading it Rasa's own way" in caplog.text
    assert fast.keys() == saved.keys()
    assert not [key for key in saved if not np.array_equal(fast[key], saved[key])]


def sparse_turns(*rows: int, units: int = 4) -> FeatureArray:
    """One dialogue's sparse features, a matrix of ``rows`` x ``units`` per turn (0 rows: the turn lacks it)."""
    turns = np.empty(len(rows), dtype=object)
    for i, n in enumerate(rows):
        turns[i] = scipy.sparse.coo_matrix((n, units), dtype=np.float32)
    dialogues = np.empty(1, dtype=object)
    dialogues[0] = turns
    return FeatureArray(dialogues, number_of_dimensions=4)


def test_every_turn_real_gives_each_attribute_a_feature_in_each_turn_and_leaves_the_example_alone():
    mask = np.empty(1, dtype=object)
    mask[0] = np.array([[0.0], [1.0], [0.0]], dtype=np.float32)
    example = RasaModelData(label_key="label", label_sub_key="ids", data={
        "text": {MASK: [FeatureArray(mask, number_of_dimensions=3)], SEQUENCE: [sparse_turns(0, 3, 0)],
                 SENTENCE: [sparse_turns(0, 1, 0)]},
    })
    example.add_lengths("text", SEQUENCE_LENGTH, "text", SEQUENCE)
    real = tf_loading.with_every_turn_real(example)
    assert np.array_equal(real.data["text"][MASK][0][0], np.ones((3, 1)))
    assert [m.shape for m in real.data["text"][SEQUENCE][0][0]] == [(1, 4), (3, 4), (1, 4)]
    assert [m.shape for m in real.data["text"][SENTENCE][0][0]] == [(1, 4), (1, 4), (1, 4)]
    assert np.array_equal(np.ravel(list(real.data["text"][SEQUENCE_LENGTH][0][0])), [1, 3, 1])
    assert real.data["text"][SEQUENCE][0][0][1] is example.data["text"][SEQUENCE][0][0][1]  # real turns kept
    # the example itself is untouched: TED's prediction example shares its arrays
    assert [m.shape for m in example.data["text"][SEQUENCE][0][0]] == [(0, 4), (3, 4), (0, 4)]
    assert np.array_equal(example.data["text"][MASK][0][0], [[0.0], [1.0], [0.0]])
