r"""Choose between NLU pipeline variants without looking at the held-out set.

Splits ``nlu_data/`` into a training part and a development part (stratified by intent, fixed seed), trains
each variant of ``config.yml`` on the training part, and prints intent accuracy, macro-F1, out-of-scope
recall, entity F1, training seconds and parse time on the development part. ``nlu_heldout/`` and CLINC150's
test splits are never read here: they stay for ``bench/nlu_eval.py``, which reports the chosen pipeline.

A variant is ``label`` or ``label:override[;override...]``; an override is ``Component.param=value``, with
``Component#2`` for the second component of that name and a YAML value (``null`` removes the parameter)::

    .venv/bin/python bench/nlu_select.py current \\
        "small:DIETClassifier.number_of_transformer_layers=1;DIETClassifier.transformer_size=128"

Run from the repository root. A benchmark, not a test: it exits 0 when it ran, whatever the figures.
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from evaluation import datasets
from evaluation import metrics as m
from evaluation import model as nlu_model
from evaluation.manifest import ROOT as REPO_ROOT
from evaluation.rasa_process import quiet_rasa_in_this_process, train_nlu

quiet_rasa_in_this_process()


def apply_overrides(config: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """A copy of ``config`` with each ``Component[#n].param=value`` set in its pipeline."""
    out = copy.deepcopy(config)
    for override in overrides:
        target, _, raw = override.partition("=")
        component, _, param = target.strip().rpartition(".")
        name, _, nth = component.partition("#")
        matches = [c for c in out["pipeline"] if c["name"] == name]
        index = int(nth or 1) - 1
        if not param or index >= len(matches):
            raise SystemExit(f"override {override!r}: no component {component!r} in the pipeline")
        value = yaml.safe_load(raw)
        if value is None:
            matches[index].pop(param, None)
        else:
            matches[index][param] = value
    return out


def parse_variant(spec: str) -> tuple[str, list[str]]:
    label, _, rest = spec.partition(":")
    return label.strip(), [o for o in (s.strip() for s in rest.split(";")) if o]


def split_data(nlu: Path, work: Path, dev_fraction: float, seed: int) -> tuple[Path, Path]:
    """Write a stratified train/dev split of the NLU data (synonyms, lookups and regexes stay with train)."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(nlu))
    train, dev = data.train_test_split(train_frac=1 - dev_fraction, random_seed=seed)
    train_path, dev_path = work / "train.yml", work / "dev.yml"
    train.persist_nlu(str(train_path))
    dev.persist_nlu(str(dev_path))
    return train_path, dev_path


def train(label: str, config: dict[str, Any], data: Path, work: Path) -> tuple[Path, float]:
    """Write the variant's config and train it the way bench/nlu_eval.py trains (``rasa train nlu``)."""
    config_path = work / f"{label}.config.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return train_nlu(label, config_path, data, work)


def with_threshold(result: dict[str, Any], threshold: float, ambiguity: float) -> str:
    """The intent the FallbackClassifier would give at another threshold, from the classifier's own ranking."""
    ranking = [r for r in result.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
    if not ranking:
        return m.OUT_OF_SCOPE
    first = ranking[0]["confidence"]
    second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    if first < threshold or first - second < ambiguity:
        return m.OUT_OF_SCOPE
    return m.normalise_intent(ranking[0]["name"])


def evaluate(model: Path, dev: list[m.Example], thresholds: list[float], ambiguity: float) -> dict[str, Any]:
    agent = nlu_model.load_agent(model)
    start = time.monotonic()
    results = nlu_model.parse_results(agent, [e.text for e in dev])  # raw: the ranking re-scores other thresholds
    parse_ms = 1000 * (time.monotonic() - start) / max(len(dev), 1)
    preds = [nlu_model.to_prediction(r) for r in results]
    gold, predicted = [e.intent for e in dev], [p.intent for p in preds]
    scores = m.intent_scores(gold, predicted)
    gold_entities = [frozenset(p for p in e.entities if p[0] in m.CONTRACT_ENTITIES) for e in dev]
    entities = m.entity_scores(gold_entities, [p.entities for p in preds])
    sweep = {}
    for threshold in thresholds:
        at = [with_threshold(r, threshold, ambiguity) for r in results]
        sweep[threshold] = (m.intent_scores(gold, at).macro_f1, m.oos_recall(gold, at))
    return {
        "accuracy": scores.accuracy,
        "macro_f1": scores.macro_f1,
        "oos_recall": m.oos_recall(gold, predicted),
        "entity_f1": entities.f1,
        "parse_ms": parse_ms,
        "sweep": sweep,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/nlu_select.py", description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="+", help="label or label:Component.param=value;...")
    parser.add_argument("--config", default=str(REPO_ROOT / "config.yml"))
    parser.add_argument("--nlu", default=str(REPO_ROOT / "nlu_data"))
    parser.add_argument("--dev-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--thresholds", default="0.3,0.4,0.5,0.55,0.6,0.7",
                        help="fallback thresholds to re-score each model at, from its intent ranking")
    parser.add_argument("--ambiguity", type=float, default=0.08, help="ambiguity threshold for the re-scoring")
    args = parser.parse_args(argv)
    thresholds = [float(t) for t in args.thresholds.split(",") if t.strip()]

    base = yaml.safe_load(Path(args.config).read_text(encoding="utf-8"))
    base.pop("policies", None)
    variants = [parse_variant(v) for v in args.variants]
    configs = {label: apply_overrides(base, overrides) for label, overrides in variants}  # fail before training

    rows: list[tuple[str, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory(prefix="nlu-select-") as tmp:
        work = Path(tmp)
        train_path, dev_path = split_data(Path(args.nlu), work, args.dev_fraction, args.seed)
        dev = datasets.load_examples(dev_path)
        print(f"development part: {len(dev)} examples; seed {args.seed}", flush=True)
        for label, _ in variants:
            model, seconds = train(label, configs[label], train_path, work)
            figures = evaluate(model, dev, thresholds, args.ambiguity)
            figures["train_s"] = seconds
            rows.append((label, figures))
            print(f"  {label}: " + ", ".join(f"{k} {v:.3f}" for k, v in figures.items()
                                            if isinstance(v, float)), flush=True)

    print(f"\n{'variant':24s}{'accuracy':>10s}{'macro-F1':>10s}{'OOS rec':>10s}{'entity F1':>10s}"
          f"{'train s':>9s}{'parse ms':>9s}")
    for label, f in rows:
        oos = "n/a" if f["oos_recall"] is None else f"{f['oos_recall']:.3f}"
        print(f"{label:24s}{f['accuracy']:10.3f}{f['macro_f1']:10.3f}{oos:>10s}{f['entity_f1']:10.3f}"
              f"{f['train_s']:9.0f}{f['parse_ms']:9.1f}")
    print(f"\nmacro-F1 / out-of-scope recall if the fallback threshold were (ambiguity {args.ambiguity}):")
    print(f"{'variant':24s}" + "".join(f"{t:>14g}" for t in thresholds))
    for label, f in rows:
        cells = [f"{f1:.3f}/{'n/a' if oos is None else f'{oos:.3f}'}" for f1, oos in f["sweep"].values()]
        print(f"{label:24s}" + "".join(f"{c:>14s}" for c in cells))
    for label, overrides in variants:
        print(f"{label}: {'; '.join(overrides) or 'config as committed'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
