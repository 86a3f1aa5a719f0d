"""The NLU data's hygiene: every intent has enough varied examples; nothing from an evaluation set is trained on."""

from __future__ import annotations

import subprocess
import sys

from local_stack.services import ROOT


def test_nlu_data_passes_its_checks() -> None:
    """`scripts/import_clinc_negatives.py --check`: example counts per intent, and no training example equal to a
    held-out example or a CLINC150 evaluation sentence (test, oos_test, val, oos_val)."""
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "import_clinc_negatives.py"), "--check"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 problems" in done.stdout
