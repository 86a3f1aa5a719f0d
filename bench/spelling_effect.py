"""What the spelling corrector (nlu_components/spelling.py) does for residents: one model, with and without it.

The corrector changes nothing in training, so the same trained model with the corrector's word counts emptied
is that model without it: same classifier weights, same everything else. This script writes that copy beside
the model, then runs the held-out figures (``bench/nlu_heldout_figures.py``) and the resident evaluation
(``bench/resident_eval.py``, chat and voice, the copy first so the flips are listed) on both.

    .venv/bin/python bench/spelling_effect.py [--model models/<name>.tar.gz]
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

from local_stack.models import current_model
from nlu_components.spelling import COUNTS_FILE

REPO_ROOT = Path(__file__).resolve().parent.parent


def without_corrector(model: Path, out: Path) -> Path:
    """A copy of ``model`` whose corrector knows no words, so it corrects nothing."""
    emptied = 0
    with tarfile.open(model) as source, tarfile.open(out, "w:gz") as copy:
        for member in source.getmembers():
            data = source.extractfile(member) if member.isfile() else None
            if member.name.endswith("/" + COUNTS_FILE) and "SpellingCorrector" in member.name:
                body = json.dumps({}).encode()
                member.size = len(body)
                data = io.BytesIO(body)
                emptied += 1
            copy.addfile(member, data)
    if emptied != 1:
        raise SystemExit(f"{model} has {emptied} spelling correctors, not one: was it trained with config.yml?")
    return out


def run(*args: str) -> None:
    """A bench script of the project, its figures printed as it goes."""
    print("\n$", " ".join(args), flush=True)
    subprocess.run([sys.executable, *args], cwd=REPO_ROOT, check=True)


def main(argv: list[str] | None = None) -> int:
    """Write the copy, then print both models' figures, the copy's first."""
    parser = argparse.ArgumentParser(prog="bench/spelling_effect.py", description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="trained model (default: the one models/current names)")
    args = parser.parse_args(argv)
    model = args.model or current_model()
    out = REPO_ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    plain = without_corrector(model, out / f"{model.name.removesuffix('.tar.gz')}-no-spelling.tar.gz")
    for label, path in (("without the corrector", plain), ("with the corrector", model)):
        print(f"\n=== {label}: {path.name}", flush=True)
        run("bench/nlu_heldout_figures.py", str(path))
    run("bench/resident_eval.py", "--channel", "both", "--model", str(plain), "--out-dir", str(out / "no-spelling"))
    run("bench/resident_eval.py", "--channel", "both", "--model", str(model), "--out-dir", str(out / "spelling"),
        "--baseline", str(out / "no-spelling"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
