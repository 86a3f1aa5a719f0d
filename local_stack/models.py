"""Fingerprint the training inputs, so `make train` retrains only when they changed; find the published model.

``python -m local_stack.models`` prints the fingerprint of the repository's inputs.
``python -m local_stack.models --published models`` prints the model the staff console last published
when `make run` should start it (see ``published_model``), else nothing; with ``--exact`` only when it was
trained on exactly the current inputs, so `make train` can use it instead of training the same again.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from evaluation.manifest import INPUTS, NLU_DATA, fingerprint

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = "published.json"
CURRENT = ROOT / "models" / "current"  # `make train` writes the path of the model it trained (Makefile's CURRENT_MODEL)
__all__ = ["CURRENT", "INPUTS", "PUBLISHED", "current_model", "fingerprint", "published_model"]


def current_model() -> Path:
    """The model ``models/current`` names, for the bench scripts' default.

    Raises:
        FileNotFoundError: no model was trained in this checkout.

    """
    if not CURRENT.is_file():
        raise FileNotFoundError("No models/current: run `make train` first")
    model = Path(CURRENT.read_text(encoding="utf-8").strip())
    return model if model.is_absolute() else ROOT / model


def published_model(models_dir: Path, current: str, exact: bool = False) -> tuple[Path | None, str]:
    """The model staff last published, when it should be started instead of training; and why (or why not).

    Used when it was trained on exactly the current inputs, or when staff published it by hand (a roll back)
    and nothing but NLU examples changed since: a retrain would silently undo their choice.
    """
    try:
        record = json.loads((models_dir / PUBLISHED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, "no model published from the staff console"
    model = Path(record.get("model") or "")
    if not model.is_file():
        return None, f"the published model {model} is gone"
    if record.get("inputs") == current:
        return model, "the staff console published it, trained on the current data"
    if not exact and record.get("pinned") and record.get("dialogue_inputs") == fingerprint(
        [ROOT / p for p in INPUTS if p != NLU_DATA], root=ROOT
    ):
        return model, "staff published it by hand (roll back); only NLU examples changed since"
    return None, "the published model was trained on other inputs"


def main(argv: list[str] | None = None) -> int:
    """Print the fingerprint, or the published model to start (its reason goes to stderr)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=Path, metavar="MODELS_DIR", help="print the published model to start")
    parser.add_argument("--exact", action="store_true", help="only a model trained on the current inputs")
    args = parser.parse_args(argv)
    current = fingerprint()
    if args.published is None:
        sys.stdout.write(current + "\n")
        return 0
    model, why = published_model(args.published, current, exact=args.exact)
    sys.stderr.write(f"Published model: {why}\n")
    if model is not None:
        sys.stdout.write(str(model) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
