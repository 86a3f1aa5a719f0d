from evaluation.rasa_process import model_from_log, rasa_env
from staff_console.training import TrainingProgress


def test_every_rasa_subprocess_gets_the_same_recipe(tmp_path):
    env = rasa_env(tmp_path, {"ACTION_ENDPOINT_URL": "http://127.0.0.1:1/webhook"})
    assert env["RASA_TELEMETRY_ENABLED"] == "false"
    assert env["PYTHONPATH"] == str(tmp_path)
    assert env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:1/webhook"


def test_the_trained_model_is_read_from_rasas_log(tmp_path):
    log = tmp_path / "train.log"
    log.write_text("Your Rasa model is trained and saved at 'models/council-1.tar.gz'.\n")
    assert model_from_log(log, tmp_path) == tmp_path / "models" / "council-1.tar.gz"
    log.write_text("nothing saved\n")
    assert model_from_log(log, tmp_path) is None


def test_training_log_lines_move_the_progress_bar_forward_only():
    seen = []
    progress = TrainingProgress(lambda **values: seen.append(values))
    progress.read("Starting to train component 'DIETClassifier'")
    progress.read("Epochs:  50%|#####     | 50/100")
    progress.read("Epochs:  51%|#####     | 51/100")  # under 2 points: no update
    progress.read("Starting to train component 'TEDPolicy'")
    assert [v["progress"] for v in seen] == [15.0, 40.0, 70.0]
    assert seen[1]["message"] == "Training DIETClassifier (50% of epochs)"
