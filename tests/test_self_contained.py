"""A clone stands on its own: no file of the project reads outside the repository."""

import subprocess

from evaluation.manifest import ROOT

# Spelt in pieces, so this file does not match itself.
OUTSIDE = ("." + "./shared", '"shared"' + " /", "parent / " + '"shared"')


def test_no_tracked_file_reads_the_folder_beside_the_repository():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    offenders = []
    for name in files:
        if not name.endswith((".py", ".sh", ".yml", ".yaml", ".toml", ".cfg")) and name != "Makefile":
            continue
        text = (ROOT / name).read_text(encoding="utf-8", errors="replace")
        if any(pattern in text for pattern in OUTSIDE):
            offenders.append(name)
    assert offenders == []
