"""Loading only the NLU part of a trained model, and parsing messages with it as Rasa's agent does."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from evaluation.metrics import CONTRACT_ENTITIES, Prediction, entity_pairs, normalise_intent


class NluModel:  # Rasa and TensorFlow are slow to import: they are imported only when a model is loaded.
    """Only the NLU part of a trained model, parsed as Rasa's ``Agent.parse_message`` does.

    Loading the dialogue policies too (``Agent.load``) costs TED's load (1 to 3 s with the fast load, 8 to 10 s
    without, on this machine) for nothing: the evaluations here only parse messages. The staff console's gate
    waits for this load.
    """

    def __init__(self, model_path: str | Path) -> None:
        import tempfile

        from nlu_components import tf_loading

        tf_loading.install()  # the graph below loads DIET: without tracing its training step (about 20 s less)

        from rasa.engine.graph import ExecutionContext
        from rasa.engine.runner.dask import DaskGraphRunner
        from rasa.engine.storage.local_model_storage import LocalModelStorage

        self._folder = tempfile.TemporaryDirectory(prefix="nlu-model-")
        storage, metadata = LocalModelStorage.from_model_archive(Path(self._folder.name), Path(model_path))
        schema = metadata.predict_schema.minimal_graph_schema([metadata.nlu_target])
        self._target = metadata.nlu_target
        self._runner = DaskGraphRunner.create(
            graph_schema=schema, model_storage=storage,
            execution_context=ExecutionContext(graph_schema=schema, model_id=metadata.model_id),
        )

    async def parse_message(self, text: str) -> dict[str, Any]:
        """What ``Agent.parse_message(text)`` answers (``rasa/core/processor.py``, parse with the graph)."""
        from rasa.core.channels.channel import UserMessage
        from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
        from rasa.shared.core.trackers import DialogueStateTracker

        message = UserMessage(text)
        tracker = DialogueStateTracker.from_events(message.sender_id, [])
        results = self._runner.run(inputs={PLACEHOLDER_MESSAGE: [message], PLACEHOLDER_TRACKER: tracker},
                                   targets=[self._target])
        parsed = {"text": "", "intent": {"name": None, "confidence": 0.0}, "entities": []}
        parsed.update(results[self._target][0].as_dict(only_output_properties=True))
        return parsed


def load_agent(model_path: str | Path) -> NluModel:
    """Load the NLU part of a trained Rasa model (a ``.tar.gz`` or a folder holding them: the newest is used)."""
    from rasa.model import get_local_model

    return NluModel(get_local_model(str(model_path)))


def to_prediction(result: dict[str, Any]) -> Prediction:
    """Turn a Rasa parse result into a Prediction (normalised intent, contract entities only)."""
    intent = result.get("intent") or {}
    return Prediction(
        text=result.get("text", ""),
        intent=normalise_intent(intent.get("name")),
        confidence=float(intent.get("confidence") or 0.0),
        entities=entity_pairs(result.get("entities"), keep=CONTRACT_ENTITIES),
        raw_intent=intent.get("name"),
    )


def parse_results(
    agent: NluModel, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
) -> list[dict[str, Any]]:
    """Rasa's raw parse result for each text, in order (calls ``progress(done, total)`` now and then)."""

    async def run() -> list[dict[str, Any]]:
        out = []
        for i, text in enumerate(texts, 1):
            out.append(await agent.parse_message(text))
            if progress is not None and (i % 500 == 0 or i == len(texts)):
                progress(i, len(texts))
        return out

    return asyncio.run(run())


def parse_many(
    agent: NluModel, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
) -> list[Prediction]:
    """Parse many messages in order into Predictions (synchronous wrapper around ``parse_results``)."""
    return [to_prediction(result) for result in parse_results(agent, texts, progress)]
