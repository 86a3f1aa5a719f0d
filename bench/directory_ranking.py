"""Compare rankers for the A to Z on held-out resident queries and choose the answer threshold.

Reads the services from `council_backend/seed/services.yml` and the queries from
`bench/data/directory_queries.yml` (never training data). For each ranker it prints top-1 accuracy on the
in-directory queries of both halves, then, on the `tune` half, precision and recall for each threshold
(answered = best score >= threshold; precision = right answers / answers; recall = right answers /
in-directory queries; negatives answered count against precision), the threshold that gives the best
decision accuracy (right answer, or no answer for a negative), and how that threshold does on `test`.
The ranker and threshold the product uses live in `service_directory/ranking.py`.

    .venv/bin/python bench/directory_ranking.py [--thresholds 0.3:0.8:0.05]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import yaml

from service_directory.ranking import THRESHOLD, WORD_WEIGHT, DirectoryRanker, normalise

ROOT = Path(__file__).resolve().parent.parent

Scorer = Callable[[str], np.ndarray]


def load() -> tuple[list[dict], dict[str, list[dict]]]:
    services = yaml.safe_load((ROOT / "council_backend/seed/services.yml").read_text())["services"]
    queries = yaml.safe_load((ROOT / "bench/data/directory_queries.yml").read_text())
    ids = {service["id"] for service in services}
    unknown = [q["service"] for half in queries.values() for q in half if q["service"] and q["service"] not in ids]
    if unknown:
        raise SystemExit(f"queries name services that do not exist: {unknown}")
    return services, queries


def one_document_per_service(services: Sequence[dict]) -> list[dict]:
    """The same services with title and terms joined into one text: ranking whole documents, not phrases."""
    return [{"id": s["id"], "title": " ".join([s["title"], *s["terms"]]), "terms": []} for s in services]


def bm25_scorer(services: Sequence[dict]) -> Scorer | None:
    try:
        from rank_bm25 import BM25Okapi
    except ImportError:
        return None
    corpus = [normalise(" ".join([s["title"], *s["terms"]])).split() for s in services]
    bm25 = BM25Okapi(corpus)

    def score(text: str) -> np.ndarray:
        tokens = normalise(text).split()
        return np.asarray(bm25.get_scores(tokens)) if tokens else np.zeros(len(services))

    return score


def rankers(services: list[dict]) -> dict[str, Scorer]:
    found: dict[str, Scorer] = {
        f"product: tfidf words {WORD_WEIGHT:g} + chars, best phrase": DirectoryRanker(services).scores,
        "tfidf words, best phrase": DirectoryRanker(services, word_weight=1.0).scores,
        "tfidf chars, best phrase": DirectoryRanker(services, word_weight=0.0).scores,
        "tfidf words 0.5 + chars, best phrase": DirectoryRanker(services, word_weight=0.5).scores,
        "tfidf words 0.7 + chars, best phrase": DirectoryRanker(services, word_weight=0.7).scores,
        "tfidf words+chars, one document": DirectoryRanker(one_document_per_service(services)).scores,
    }
    bm25 = bm25_scorer(services)
    if bm25 is None:
        print("rank-bm25 is not installed: BM25 left out (pip install rank-bm25)")
    else:
        found["BM25Okapi (rank-bm25), one document"] = bm25
    return found


Row = tuple[str | None, str, float, float]  # gold service (None: a negative), best service, its score, its lead


def predictions(score: Scorer, services: list[dict], half: list[dict]) -> list[Row]:
    """For each query: the gold service, the best service, its score and how far it leads the runner-up."""
    ids = [s["id"] for s in services]
    result = []
    for query in half:
        scores = score(query["q"])
        first, second = np.argsort(-scores, kind="stable")[:2]
        result.append((query["service"], ids[int(first)], float(scores[first]), float(scores[first] - scores[second])))
    return result


def margin_figures(rows: list[Row], threshold: float, low: float, margin: float) -> tuple[float, float, float]:
    """``figures`` for the rule: answer at ``threshold``, or from ``low`` when the best leads by ``margin``."""
    answered = [(gold, best, 1.0 if score >= threshold or (score >= low and lead >= margin) else 0.0, lead)
                for gold, best, score, lead in rows]
    return figures(answered, 0.5)


def figures(rows: list[Row], threshold: float) -> tuple[float, float, float]:
    positives = [r for r in rows if r[0]]
    answered = [r for r in rows if r[2] >= threshold]
    right = [r for r in answered if r[0] == r[1]]
    refused_negatives = [r for r in rows if not r[0] and r[2] < threshold]
    precision = len(right) / len(answered) if answered else 1.0
    recall = len(right) / len(positives) if positives else 0.0
    decisions = (len(right) + len(refused_negatives)) / len(rows)
    return precision, recall, decisions


def top1(rows: list[Row]) -> float:
    positives = [r for r in rows if r[0]]
    return sum(r[0] == r[1] for r in positives) / len(positives)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--thresholds", default="0.3:0.85:0.05", help="start:stop:step")
    args = parser.parse_args()
    start, stop, step = (float(x) for x in args.thresholds.split(":"))
    thresholds = [round(t, 3) for t in np.arange(start, stop + 1e-9, step)]
    services, queries = load()
    tune, test = queries["tune"], queries["test"]
    print(f"{len(services)} services; tune: {len(tune)} queries ({sum(1 for q in tune if not q['service'])} negatives),"
          f" test: {len(test)} ({sum(1 for q in test if not q['service'])} negatives)\n")
    summary = []
    for name, score in rankers(services).items():
        tune_rows, test_rows = predictions(score, services, tune), predictions(score, services, test)
        print(f"== {name}")
        print(f"   top-1 accuracy (in-directory queries): tune {top1(tune_rows):.3f}  test {top1(test_rows):.3f}")
        # BM25 scores are not bounded by 1: try the deciles of its own tune scores instead.
        deciles = np.quantile([r[2] for r in tune_rows], np.linspace(0, 0.9, 10))
        candidates = thresholds if "BM25" not in name else sorted({round(float(q), 1) for q in deciles})
        print("   threshold  precision  recall  decision-accuracy   (tune)")
        best = max(candidates, key=lambda t: (figures(tune_rows, t)[2], t))
        for threshold in candidates:
            precision, recall, decisions = figures(tune_rows, threshold)
            mark = "  <- best" if threshold == best else ""
            print(f"   {threshold:9.2f}  {precision:9.3f}  {recall:6.3f}  {decisions:17.3f}{mark}")
        precision, recall, decisions = figures(test_rows, best)
        print(f"   chosen {best:.2f} on test: precision {precision:.3f}  recall {recall:.3f}  "
              f"decisions {decisions:.3f}\n")
        summary.append((name, top1(test_rows), best, precision, recall, decisions))
    print("== summary (test half, threshold chosen on tune)")
    print(f"   {'ranker':45} top-1  threshold  precision  recall  decisions")
    for name, accuracy, best, precision, recall, decisions in summary:
        print(f"   {name:45} {accuracy:.3f}  {best:9.2f}  {precision:9.3f}  {recall:6.3f}  {decisions:9.3f}")
    print(f"\nThe product uses the first ranker with THRESHOLD = {THRESHOLD} (service_directory/ranking.py).")

    # Below the threshold, a best match that clearly leads the runner-up (a long message dilutes every score,
    # the right service's too) may still be the answer: the floor and the lead chosen on tune, as above.
    product = DirectoryRanker(services).scores
    tune_rows, test_rows = predictions(product, services, tune), predictions(product, services, test)
    grid = [(low, margin) for low in (0.35, 0.4, 0.45, 0.5, 0.55) for margin in (0.05, 0.1, 0.15, 0.2, 0.25, 0.3)]
    best = max(grid, key=lambda lm: (margin_figures(tune_rows, THRESHOLD, *lm)[2], lm))
    print(f"\n== product ranker, answering at {THRESHOLD} or from a floor when the best leads by a margin (tune)")
    print("   floor  lead  precision  recall  decision-accuracy")
    print("   (threshold alone)  " + "  ".join(f"{x:.3f}" for x in figures(tune_rows, THRESHOLD)))
    for low, margin in grid:
        precision, recall, decisions = margin_figures(tune_rows, THRESHOLD, low, margin)
        mark = "  <- best" if (low, margin) == best else ""
        print(f"   {low:5.2f}  {margin:4.2f}  {precision:9.3f}  {recall:6.3f}  {decisions:17.3f}{mark}")
    plain = figures(test_rows, THRESHOLD)
    chosen = margin_figures(test_rows, THRESHOLD, *best)
    print(f"   on test: threshold alone precision {plain[0]:.3f} recall {plain[1]:.3f} decisions {plain[2]:.3f}; "
          f"floor {best[0]:.2f} lead {best[1]:.2f}: precision {chosen[0]:.3f} recall {chosen[1]:.3f} "
          f"decisions {chosen[2]:.3f}")


if __name__ == "__main__":
    main()
