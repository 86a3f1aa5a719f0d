"""What a model is trained on, named once: the Makefile, the tests, ``local_stack.models`` and the console read it.

``python -m evaluation.manifest`` prints Rasa's arguments for the inputs (``--config ... --domain ... --data ...``),
which is how the Makefile gets them; ``--inputs`` prints the paths that a model's fingerprint covers.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

CONFIG = "config.yml"
DOMAIN = "bot/domain"
NLU_DATA = "nlu_data"
DIALOGUE_DATA = ("bot/rules", "bot/stories")
# The project's own graph components: code a trained model runs, so a change to it is a change of inputs.
COMPONENTS = "nlu_components"
HELDOUT = "nlu_heldout"
# What a candidate model is measured on besides the held-out set (never trained on): urgent messages per route
# (a development set the urgent phrases were written against) and the conversation tests (Rasa test stories).
URGENT_SET = "bench/data/urgent_dev.yml"
CONVERSATION_TESTS = "tests/conversations"
# Every input, in the order the fingerprint reads them (changing the order changes every model's name).
INPUTS = (CONFIG, DOMAIN, *DIALOGUE_DATA, NLU_DATA, COMPONENTS)


@dataclass(frozen=True)
class TrainingInputs:
    """The files one training reads; the console swaps in its own copies of the NLU data or config."""

    config: Path
    domain: Path
    nlu_data: Path
    dialogue_data: tuple[Path, ...]
    components: Path

    @classmethod
    def of(cls, root: Path = ROOT, config: Path | None = None, nlu_data: Path | None = None,
           domain: Path | None = None, dialogue_data: Iterable[Path] | None = None) -> TrainingInputs:
        """The repository's inputs under ``root``, with any of them replaced."""
        return cls(
            config=Path(config or root / CONFIG),
            domain=Path(domain or root / DOMAIN),
            nlu_data=Path(nlu_data or root / NLU_DATA),
            dialogue_data=tuple(Path(p) for p in (dialogue_data or [root / d for d in DIALOGUE_DATA])),
            components=root / COMPONENTS,
        )

    def rasa_args(self) -> list[str]:
        """``rasa train`` / ``rasa data validate`` arguments for these inputs."""
        return ["--config", str(self.config), "--domain", str(self.domain),
                "--data", str(self.nlu_data), *map(str, self.dialogue_data)]

    def dialogue_paths(self) -> list[Path]:
        """Every input but the NLU examples, in fingerprint order."""
        return [self.config, self.domain, *self.dialogue_data, self.components]

    def paths(self) -> list[Path]:
        """Every input, in fingerprint order."""
        return [self.config, self.domain, *self.dialogue_data, self.nlu_data, self.components]

    def fingerprints(self, root: Path = ROOT) -> dict[str, str]:
        """What a published model records: the fingerprint of all inputs, and of all but the NLU examples."""
        return {"inputs": fingerprint(self.paths(), root=root),
                "dialogue_inputs": fingerprint(self.dialogue_paths(), root=root)}


def declared(kind: str, domain: Path | str = ROOT / DOMAIN) -> set[str]:
    """The names a domain declares under ``kind`` (``intents``, ``entities``, ``actions``), its files merged.

    The one reader of the domain's names: the console checks corrections against it, the evaluation its set.
    """
    names: set[str] = set()
    path = Path(domain)
    for file in sorted(path.rglob("*.yml")) if path.is_dir() else [path]:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for item in data.get(kind) or []:
            names.add(item if isinstance(item, str) else next(iter(item)))
    return names


def rasa_data_args() -> list[str]:
    """The repository's inputs as Rasa's arguments, relative to the root (as the Makefile runs Rasa)."""
    return ["--config", CONFIG, "--domain", DOMAIN, "--data", NLU_DATA, *DIALOGUE_DATA]


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


def main(argv: list[str] | None = None) -> int:
    """Print Rasa's data arguments (default), or the input paths (``--inputs``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", action="store_true", help="print the paths a model's fingerprint covers")
    args = parser.parse_args(argv)
    sys.stdout.write(" ".join(INPUTS if args.inputs else rasa_data_args()) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
