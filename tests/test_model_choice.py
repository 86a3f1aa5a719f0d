"""Which model `make train` and `make run` use: retrain only on changed inputs; staff publications survive."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from local_stack import models
from local_stack.models import INPUTS, fingerprint, published_model


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the training inputs, standing in for the repository root."""
    for entry in INPUTS:
        source = models.ROOT / entry
        if source.is_dir():
            shutil.copytree(source, tmp_path / entry, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / entry)
    monkeypatch.setattr(models, "ROOT", tmp_path)
    return tmp_path


def publish(repo: Path, model: Path, pinned: bool) -> None:
    (repo / "models").mkdir(exist_ok=True)
    model.write_bytes(b"a model")
    record = {"model": str(model), "pinned": pinned, "inputs": fingerprint(root=repo),
              "dialogue_inputs": fingerprint([repo / p for p in INPUTS if p != "nlu_data"], root=repo)}
    (repo / "models" / "published.json").write_text(json.dumps(record))


def test_fingerprint_follows_contents_and_is_the_same_by_absolute_path(repo):
    before = fingerprint(root=repo)
    assert fingerprint([repo / p for p in INPUTS], root=repo) == before
    (repo / "nlu_data" / "libraries.yml").write_text("changed")
    assert fingerprint(root=repo) != before


def test_a_model_published_on_the_current_inputs_is_used_by_train_and_run(repo):
    model = repo / "models" / "console-1.tar.gz"
    publish(repo, model, pinned=False)
    current = fingerprint(root=repo)
    assert published_model(repo / "models", current, exact=True)[0] == model
    (repo / "nlu_data" / "libraries.yml").write_text("version: '3.1'\nnlu: []\n")
    changed = fingerprint(root=repo)
    assert published_model(repo / "models", changed, exact=True)[0] is None  # new examples: train again
    assert published_model(repo / "models", changed)[0] is None  # not pinned: run the newly trained model


def test_a_roll_back_stays_rolled_back_until_the_dialogue_changes(repo):
    model = repo / "models" / "console-old.tar.gz"
    publish(repo, model, pinned=True)
    (repo / "nlu_data" / "libraries.yml").write_text("version: '3.1'\nnlu: []\n")
    current = fingerprint(root=repo)
    assert published_model(repo / "models", current)[0] == model
    assert published_model(repo / "models", current, exact=True)[0] is None  # tests still get a fresh model
    (repo / "bot" / "domain" / "core.yml").write_text("version: '3.1'\n")
    assert published_model(repo / "models", fingerprint(root=repo))[0] is None
    model.unlink()
    assert published_model(repo / "models", current)[0] is None


def test_the_bench_scripts_default_model_is_the_one_models_current_names(tmp_path, monkeypatch):
    pointer = tmp_path / "current"
    monkeypatch.setattr(models, "CURRENT", pointer)
    with pytest.raises(FileNotFoundError, match="make train"):
        models.current_model()
    pointer.write_text("models/council-abc.tar.gz\n")
    assert models.current_model() == models.ROOT / "models" / "council-abc.tar.gz"
    pointer.write_text(str(tmp_path / "elsewhere.tar.gz"))
    assert models.current_model() == tmp_path / "elsewhere.tar.gz"
