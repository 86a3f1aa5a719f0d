"""Rasa's command line with the project's patches installed: ``python -m nlu_components.rasa_cli run ...``.

The patches: the fast model load (``tf_loading``) and loading a pulled model off the event loop (``model_pull``).

The project starts Rasa this way wherever a model is loaded (``rasa run``, ``rasa test``, a fine-tuning
``rasa train``), so the patch of Rasa's internals is installed on purpose, in the process that needs it, and
refused with a reason on a Rasa it was not written for (``nlu_components.tf_loading``).
"""

from __future__ import annotations

import sys


def main() -> None:
    """Install the fast load, then hand the arguments to Rasa's own ``main``."""
    from nlu_components import model_pull, tf_loading

    tf_loading.install()
    model_pull.install()  # a pulled model loads beside the one answering (publishing never pauses answers)
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
