"""nlu_data/council_service.yml is generated from the A to Z, kept up to date, and collides with no other intent."""

import yaml

from council_backend.seed import SEED_DIR
from service_directory.training_data import GENERATED_FILE, NEAR_URGENT, NLU_DIR, _examples, examples, normalise, render

SERVICES = yaml.safe_load((SEED_DIR / "services.yml").read_text())["services"]


def _generated() -> list[str]:
    entry = yaml.safe_load((NLU_DIR / GENERATED_FILE).read_text())["nlu"][0]
    assert entry["intent"] == "council_service"
    return [line.strip()[2:] for line in entry["examples"].splitlines() if line.strip()]


def test_generated_file_is_up_to_date():
    assert (NLU_DIR / GENERATED_FILE).read_text() == render(), "run python scripts/generate_council_service_nlu.py"
    assert (NLU_DIR / GENERATED_FILE).read_text().startswith("# GENERATED from council_backend/seed/services.yml")


def test_no_example_belongs_to_another_intent_or_the_heldout_set():
    others = [p for p in sorted(NLU_DIR.glob("*.yml")) if p.name not in (GENERATED_FILE, "synonyms.yml")]
    heldout = sorted((NLU_DIR.parent / "nlu_heldout").glob("*.yml"))
    taken = _examples(others, but_intent="council_service") | _examples(heldout)
    assert not {normalise(example) for example in _generated()} & taken


def test_tasks_and_services_next_to_urgent_routes_teach_nothing():
    generated = {normalise(example) for example in _generated()}
    for service in SERVICES:
        if service.get("task") or service["id"] in NEAR_URGENT:
            assert normalise(service["title"]) not in generated, service["id"]
    assert "domestic abuse" not in generated and "pothole" not in generated


def test_every_other_service_gives_its_title_terms_and_a_question_naming_its_id():
    generated = _generated()
    assert 300 <= len(generated) <= 800
    assert "food bank" in generated and "marriage" in generated and "bus pass" in generated
    assert "blue badge" not in generated  # inform and parking_permit have it: theirs to route (docs/CONTRACTS.md)
    marked = [example for example in generated if '"entity": "service"' in example]
    assert any('"value": "food-banks"' in example for example in marked)


def test_an_example_another_intent_has_is_left_out():
    services = [{"id": "x", "title": "Bin day", "terms": ["when is my bin day", "fresh words"]}]
    assert examples(services, {"when is my bin day"}, lambda text: False) == [
        "bin day", "fresh words", 'tell me about [fresh words]{"entity": "service", "value": "x"}'
    ]
    assert examples(services, set(), lambda text: "bin" in text) == [
        "fresh words", 'tell me about [fresh words]{"entity": "service", "value": "x"}'
    ]
