"""How the project starts Rasa in a subprocess: one environment recipe, one runner of ``rasa train``.

Every Rasa process needs the same few settings (TRAPS.md): no telemetry (nothing reaches the network, no
prompt blocks a non-interactive run), TensorFlow's C++ logging quiet, the repository importable so the
project's graph components load, and unbuffered output so a training's log can be followed as it runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from evaluation.manifest import ROOT

# Rasa's command line with the project's fast model load installed (nlu_components/rasa_cli.py).
RASA_COMMAND = (sys.executable, "-m", "nlu_components.rasa_cli")
_LINE_END = re.compile(rb"[\r\n]")


def rasa_env(root: Path = ROOT, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a Rasa (or project) subprocess: this process's, plus the recipe, plus ``extra``."""
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3",
            "PYTHONPATH": str(root), "PYTHONUNBUFFERED": "1", **(extra or {})}


def quiet_rasa_in_this_process() -> None:
    """The same recipe for a command line that loads Rasa itself; call it before Rasa is imported."""
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # Rasa's structlog level while parsing in-process


def run_rasa_train(args: list[str], log_path: Path, root: Path = ROOT,
                   on_line: Callable[[str], None] | None = None, env: Mapping[str, str] | None = None) -> None:
    """Run ``rasa train <args>`` from ``root``, writing its output to ``log_path`` and each line to ``on_line``.

    A carriage return counts as a line end, so the progress bars of the epochs reach ``on_line`` as they move.

    Raises:
        RuntimeError: Rasa exited with an error (the message names the log).

    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([*RASA_COMMAND, "train", *args], cwd=root, env=rasa_env(root, env),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    buffer = b""
    with log_path.open("wb") as log:
        while True:
            chunk = process.stdout.read1(4096)
            if not chunk:
                break
            log.write(chunk)
            if on_line is None:
                continue
            buffer += chunk
            *lines, buffer = _LINE_END.split(buffer)
            for raw in lines:
                on_line(raw.decode(errors="replace"))
    if process.wait() != 0:
        raise RuntimeError(f"rasa train exited with {process.returncode}; see {log_path}")


def model_from_log(log_path: Path, root: Path = ROOT) -> Path | None:
    """The model ``rasa train`` says it saved (its last "saved at '...tar.gz'" line), or None."""
    found = re.findall(r"(?:saved at|stored at) '([^']+\.tar\.gz)'", log_path.read_text(errors="replace"))
    if not found:
        return None
    path = Path(found[-1])
    return path if path.is_absolute() else root / path


def train_nlu(name: str, config: Path, nlu: Path, work: Path) -> tuple[Path, float]:
    """Train an NLU-only model (``rasa train nlu``) under ``work``; its path and the seconds it took.

    Rasa rewrites a config whose ``assistant_id`` is its placeholder, so training reads a copy, never the
    committed file; Rasa's training cache goes to ``work`` too, out of the repository.

    Raises:
        RuntimeError: the training failed; the message holds the log's tail.

    """
    out = work / name
    out.mkdir(parents=True, exist_ok=True)
    log_path = work / f"train_{name}.log"
    copy = work / f"{name}_{config.name}"
    shutil.copyfile(config, copy)
    args = ["nlu", "--config", str(copy), "--nlu", str(nlu), "--out", str(out), "--fixed-model-name", name]
    start = time.monotonic()
    try:
        run_rasa_train(args, log_path, env={"RASA_CACHE_DIRECTORY": str(work / "cache")})
        failed = None
    except RuntimeError as error:
        failed = error
    model = out / f"{name}.tar.gz"
    if failed is not None or not model.exists():
        tail = "\n".join(log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-30:])
        raise RuntimeError(f"training {name} failed ({failed or 'no model'}); full log: {log_path}\n{tail}")
    return model, time.monotonic() - start
