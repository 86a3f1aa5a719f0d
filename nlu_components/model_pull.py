"""Rasa's model-server pull, loading the pulled model off the event loop, so publishing never pauses answers.

Rasa 3.6 pulls a published model (``models:`` in endpoints.yml) on a timer and then loads it inside the
Sanic event loop: the worker answers nobody for the whole load (about 17 s here). This patch keeps Rasa's pull
and its ETag protocol and runs only the load (``agent.load_model``) in a thread; the worker keeps answering
with the old model until the new one is ready, then the agent switches in one assignment. Loads take turns
through Rasa's lock store: with Redis, one worker or replica loads while the others answer at full speed.
It is installed by ``nlu_components.rasa_cli`` and refuses a Rasa other than the one it copies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator

WRITTEN_FOR_RASA = "3.6.21"
LOADING_SWITCH_INTERVAL = 0.0005  # seconds; Python's default is 0.005
# The lock store's key for "a model is loading" (no resident's conversation id looks like it), and how long a
# load may hold it before another worker goes ahead anyway (a load took 70-85 s on a busy 2-core machine).
MODEL_LOAD_LOCK = "__council_model_load__"
MODEL_LOAD_LOCK_SECONDS = 600
logger = logging.getLogger(__name__)


class PatchRefused(RuntimeError):
    """Rasa is not the version whose ``_update_model_from_server`` this module copies."""


async def update_model_from_server(model_server, agent) -> None:  # noqa: ANN001 - Rasa's own signature
    """Rasa's ``_update_model_from_server`` with the load in a worker thread (the rest is Rasa's, unchanged)."""
    import aiohttp
    from rasa.core import agent as rasa_agent
    from rasa.nlu.utils import is_url
    from rasa.utils.common import TempDirectoryPath, get_temp_dir_name

    if not is_url(model_server.url):
        raise aiohttp.InvalidURL(model_server.url)
    with TempDirectoryPath(get_temp_dir_name()) as temporary_directory:
        try:
            fingerprint = await rasa_agent._pull_model_and_fingerprint(
                model_server, agent.fingerprint, temporary_directory
            )
            if fingerprint:
                async with _one_load_at_a_time(agent):
                    # The load holds the GIL for long stretches; hand it to the loop's turns 10 times as often.
                    interval = sys.getswitchinterval()
                    sys.setswitchinterval(LOADING_SWITCH_INTERVAL)
                    try:
                        await asyncio.get_running_loop().run_in_executor(
                            None, rasa_agent._load_and_set_updated_model, agent, temporary_directory, fingerprint
                        )
                    finally:
                        sys.setswitchinterval(interval)
            else:
                logger.debug("No new model found at URL %s", model_server.url)
        except Exception:  # Rasa's own choice: a failed pull keeps the previous model
            logger.exception("Failed to update model. The previous model will stay loaded instead.")


@contextlib.asynccontextmanager
async def _one_load_at_a_time(agent) -> AsyncIterator[None]:  # noqa: ANN001 - Rasa's Agent
    """Hold Rasa's lock store's lock for replacing a model: with Redis, one worker (or replica) loads at a time."""
    lock_store = getattr(agent, "lock_store", None)
    if lock_store is None or getattr(agent, "processor", None) is None:
        yield  # nothing to answer with yet (a worker starting): every worker loads at once, as Rasa does
        return
    async with lock_store.lock(MODEL_LOAD_LOCK, lock_lifetime=MODEL_LOAD_LOCK_SECONDS, wait_time_in_seconds=1):
        yield


def install(version: str | None = None) -> None:
    """Replace Rasa's ``_update_model_from_server``; refuse on a Rasa it was not written for."""
    import rasa
    from rasa.core import agent as rasa_agent

    version = rasa.__version__ if version is None else version
    if version != WRITTEN_FOR_RASA:
        raise PatchRefused(f"nlu_components.model_pull copies Rasa {WRITTEN_FOR_RASA}'s _update_model_from_server, "
                           f"but Rasa {version} is installed: compare the two, then update WRITTEN_FOR_RASA.")
    rasa_agent._update_model_from_server = update_model_from_server
