"""The evaluations' NLU-only model (evaluation.model.NluModel) parses exactly as Rasa's Agent does."""

from __future__ import annotations

import asyncio

from rasa.core.agent import Agent

from evaluation.datasets import load_examples
from evaluation.model import load_agent
from local_stack.services import ROOT


def test_nlu_only_model_parses_like_the_whole_agent(model_path):
    texts = [example.text for example in load_examples(ROOT / "nlu_heldout")][::10]
    texts += ["/bin_collection_day", "🙂🙂🗑️", "FB1 2AA", "there's a man with a knife outside"]
    nlu_only = load_agent(model_path)
    agent = Agent.load(str(model_path))

    async def both() -> tuple[list, list]:
        return ([await nlu_only.parse_message(t) for t in texts], [await agent.parse_message(t) for t in texts])

    ours, rasas = asyncio.run(both())
    assert len({p["intent"]["name"] for p in rasas}) > 20
    assert ours == rasas
