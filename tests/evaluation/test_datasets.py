import gzip
import hashlib

import pytest

from actions.urgent_routes import URGENT_INTENTS
from evaluation.datasets import (
    CLINC_CONVERSATION_MAP,
    CLINC_DATA,
    EVALUATION_SPLITS,
    clinc_evaluation_keys,
    load_clinc,
    load_urgent_set,
    read_clinc,
)
from evaluation.manifest import ROOT, URGENT_SET
from evaluation.text import normalise_text

# SHA-256 of clinc/oos-eval's data_full.json at commit 828f809 (evaluation/data/clinc150/README.md).
CLINC_SHA256 = "36923c3705a59e08fe9c3883d8bc2dd966ef93e22cb78ac41171782a698d56e0"


def test_vendored_clinc_is_the_published_file_with_its_licence():
    assert hashlib.sha256(gzip.decompress(CLINC_DATA.read_bytes())).hexdigest() == CLINC_SHA256
    licence = (CLINC_DATA.parent / "LICENSE").read_text()
    assert "Attribution 3.0" in licence


def test_clinc_evaluation_queries_leave_out_council_ambiguous_domains_and_map_conversation():
    oos, mapped = load_clinc()
    # oos_test (1,000), then 30 test queries of each intent except the 7 mapped, cancel and the 30 of banking and work
    assert len(oos) == 1000 + 30 * (150 - len(CLINC_CONVERSATION_MAP) - 1 - 30)
    assert len(mapped) == 30 * len(CLINC_CONVERSATION_MAP)
    assert {e.intent for e in mapped} == set(CLINC_CONVERSATION_MAP.values())
    quick_oos, quick_mapped = load_clinc(limit=50)
    assert len(quick_oos) == 50 and len(quick_mapped) == 50
    assert load_clinc(limit=50) == (quick_oos, quick_mapped)  # seeded: the same sample every run


def test_evaluation_keys_cover_val_and_test_but_not_train():
    data = read_clinc()
    keys = clinc_evaluation_keys(data)
    assert all(normalise_text(text) in keys for split in EVALUATION_SPLITS for text, _ in data[split][:20])
    train_only = [t for t, _ in data["train"] if normalise_text(t) not in keys]
    assert len(train_only) > 14000


def test_urgent_set_gives_each_message_its_route(tmp_path):
    path = tmp_path / "urgent.yml"
    path.write_text("urgent:\n  home_flooding:\n    - water coming through the ceiling\nnear_miss:\n  - a leaky tap\n")
    assert [(e.text, e.intent) for e in load_urgent_set(path)] == [("water coming through the ceiling",
                                                                    "home_flooding")]
    shipped = load_urgent_set(ROOT / URGENT_SET)
    assert {e.intent for e in shipped} == set(URGENT_INTENTS)


def test_urgent_set_refuses_a_route_that_is_not_urgent(tmp_path):
    path = tmp_path / "urgent.yml"
    path.write_text("urgent:\n  report_pothole:\n    - a pothole\n")
    with pytest.raises(ValueError, match="not urgent intents: \\['report_pothole'\\]"):
        load_urgent_set(path)
    path.write_text("near_miss:\n  - a leaky tap\n")
    with pytest.raises(ValueError, match="no urgent messages"):
        load_urgent_set(path)
