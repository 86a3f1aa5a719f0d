"""Rasa's command line with the project's patches installed: ``python -m nlu_components.rasa_cli run ...``.

The patches: the fast model load (``tf_loading``) and loading a pulled model off the event loop (``model_pull``).

The project starts Rasa this way wherever a model is loaded (``rasa run``, ``rasa test``, a fine-tuning
``rasa train``), so the patch of Rasa's internals is installed on purpose, in the process that needs it, and
refused with a reason on a Rasa it was not written for (``nlu_components.tf_loading``).

``RASA_AUTH_TOKEN`` in the environment becomes ``rasa run``'s ``--auth-token``: a token on the command line would
be readable by every user of the machine (``ps``), the environment is not.
"""

from __future__ import annotations

import os
import sys


def with_auth_token(argv: list[str], environ: dict[str, str]) -> list[str]:
    """``argv`` with ``--auth-token`` from ``RASA_AUTH_TOKEN`` added to a ``run`` that names none."""
    token = environ.get("RASA_AUTH_TOKEN")
    if not token or argv[:1] != ["run"] or any(arg.split("=")[0] in ("--auth-token", "-t") for arg in argv):
        return argv
    return [*argv, f"--auth-token={token}"]  # one argument: a token may begin with "-"


def main(fast_load: bool = True) -> None:
    """Install the patches, then hand the arguments to Rasa's own ``main``.

    Args:
        fast_load: ``False`` leaves Rasa's own model load in place (``bench/rasa_start.py`` compares the two).

    """
    from nlu_components import model_pull, tf_loading

    if fast_load:
        tf_loading.install()
    model_pull.install()  # a pulled model loads beside the one answering (publishing never pauses answers)
    from rasa.__main__ import main as rasa_main

    sys.argv[:] = ["rasa", *with_auth_token(sys.argv[1:], dict(os.environ))]
    rasa_main()


if __name__ == "__main__":
    main()
