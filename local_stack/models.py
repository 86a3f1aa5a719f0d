"""Fingerprint the training inputs, so `make train` retrains only when they changed; find the published model.

``python -m local_stack.models`` prints the fingerprint of the repository's inputs.
``python -m local_stack.models --published models`` prints the model the staff console last published
when `make run` should start it (see ``published_model``), else nothing; with ``--exact`` only when it was
trained on exactly the current inputs, so `make train` can use it instead of training the same again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ("config.yml", "bot/domain", "bot/rules", "bot/stories", "nlu_data", "nlu_components")
PUBLISHED = "published.json"


def fingerprint(inputs: Iterable[Path] | None = None, root: Path | None = None) -> str:
    """Hash the names and contents of every training input (files or folders), in a stable order.

    Inputs under ``root`` are named relative to it, so the console's training (which names its inputs by
    absolute path) and `make train` agree on the same files.
    """
    root = ROOT if root is None else root
    digest = hashlib.sha256()
    paths = [root / entry for entry in INPUTS] if inputs is None else [Path(p).resolve() for p in inputs]
    for path in paths:
        label = str(path.relative_to(root.resolve())) if path.is_relative_to(root.resolve()) else str(path)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts or not file.exists():
                continue
            name = label if file == path else f"{label}/{file.relative_to(path)}"
            digest.update(name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


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
        [ROOT / p for p in INPUTS if p != "nlu_data"], root=ROOT
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
