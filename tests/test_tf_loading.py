"""Loading a model without tracing its training step (nlu_components.tf_loading) changes no prediction."""

from __future__ import annotations

import asyncio

from rasa.core.agent import Agent
from rasa.utils.tensorflow.models import RasaModel

from bench.nlu_metrics import load_examples
from local_stack.services import ROOT
from nlu_components import tf_loading


def predictions(model) -> list[tuple]:
    agent = Agent.load(str(model))
    texts = [example.text for example in load_examples(ROOT / "nlu_heldout")][::12]
    assert len(texts) > 40
    parsed = [asyncio.run(agent.parse_message(text)) for text in texts]
    return [(p["intent"]["name"], round(p["intent"]["confidence"], 4),
             sorted((e["entity"], str(e["value"])) for e in p["entities"])) for p in parsed]


def test_importing_the_pipeline_package_installs_the_fast_load():
    assert RasaModel.load.__func__ is tf_loading.load_without_tracing


def test_fast_load_predicts_exactly_as_rasas_own_load(model_path):
    fast = predictions(model_path)
    tf_loading.uninstall()
    try:
        own = predictions(model_path)
    finally:
        tf_loading.install()
    assert len({intent for intent, _, _ in fast}) > 20  # the comparison covers most of the catalogue
    assert fast == own
