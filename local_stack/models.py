"""Print a fingerprint of everything a trained model depends on, so `make train` retrains only when it changed."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ("config.yml", "bot/domain", "bot/rules", "bot/stories", "nlu_data", "nlu_components")


def fingerprint(root: Path = ROOT) -> str:
    """Hash the names and contents of every training input, in a stable order."""
    digest = hashlib.sha256()
    for entry in INPUTS:
        path = root / entry
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        files = [f for f in files if f.exists()]
        for file in files:
            if "__pycache__" in file.parts:
                continue
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


if __name__ == "__main__":
    sys.stdout.write(fingerprint() + "\n")
