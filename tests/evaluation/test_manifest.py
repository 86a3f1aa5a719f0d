import subprocess

from evaluation import manifest
from evaluation.manifest import ROOT, TrainingInputs, fingerprint, rasa_data_args


def test_rasa_arguments_name_every_input_but_the_components():
    assert rasa_data_args() == ["--config", "config.yml", "--domain", "bot/domain",
                                "--data", "nlu_data", "bot/rules", "bot/stories"]
    inputs = TrainingInputs.of(ROOT)
    assert inputs.rasa_args()[inputs.rasa_args().index("--data") + 1] == str(ROOT / "nlu_data")
    assert [p.relative_to(ROOT).as_posix() for p in inputs.paths()] == list(manifest.INPUTS)


def test_the_makefile_trains_on_the_manifest():
    dry_run = subprocess.run(["make", "-n", "--always-make", "train"], cwd=ROOT, capture_output=True, text=True,
                             check=False).stdout
    assert "train " + " ".join(rasa_data_args()) + " --out models" in dry_run


def test_the_console_and_make_train_agree_on_a_fingerprint(tmp_path):
    inputs = TrainingInputs.of(ROOT)
    assert inputs.fingerprints()["inputs"] == fingerprint()
    copy = tmp_path / "nlu_data"
    copy.mkdir()
    (copy / "extra.yml").write_text("version: '3.1'\nnlu: []\n")
    replaced = TrainingInputs.of(ROOT, nlu_data=copy).fingerprints()
    assert replaced["inputs"] != fingerprint()
    assert replaced["dialogue_inputs"] == inputs.fingerprints()["dialogue_inputs"]
