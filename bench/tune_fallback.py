"""Choose the FallbackClassifier threshold on CLINC150's validation splits (the splits its README allows for tuning).

Out of scope: ``oos_val`` and the ``val`` queries of non-council domains (the same exclusions as the evaluation).
In scope: the ``val`` queries of the conversation intents mapped to the catalogue. The held-out set is not used,
so the threshold is not tuned on the data the benchmark reports. Prints recall and in-scope acceptance for each
threshold; the model's own fallback is bypassed by reading DIET's top non-fallback confidence.
"""

from __future__ import annotations

import argparse
import asyncio

from evaluation.datasets import CLINC_DATA, load_clinc
from evaluation.model import load_agent

OOS = {"out_of_scope", "nlu_fallback"}


def top_intent(result: dict) -> tuple[str, float]:
    """DIET's best intent and confidence, before the fallback and urgent override replaced it."""
    ranking = [r for r in result.get("intent_ranking", []) if r.get("name") != "nlu_fallback"]
    if not ranking:
        return "nlu_fallback", 0.0
    return ranking[0]["name"], float(ranking[0]["confidence"])


def main() -> None:
    """Parse the validation queries once, then print a table of thresholds."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--clinc", default=str(CLINC_DATA), help="CLINC150 data_full.json(.gz) (default: vendored)")
    args = parser.parse_args()
    oos, examples = load_clinc(args.clinc, splits=("val", "oos_val"))
    in_scope = [(example.text, example.intent) for example in examples]
    agent = load_agent(args.model)

    async def parse_all(texts: list[str]) -> list[tuple[str, float]]:
        return [top_intent(await agent.parse_message(text)) for text in texts]

    oos_top = asyncio.run(parse_all(oos))
    in_top = asyncio.run(parse_all([text for text, _ in in_scope]))
    print(f"validation: {len(oos)} out-of-scope, {len(in_scope)} in-scope (CLINC150 val/oos_val)")
    print("threshold  oos-recall  in-scope-correct")
    for threshold in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7):
        recall = sum(name in OOS or conf < threshold for name, conf in oos_top) / len(oos_top)
        correct = sum(
            name == gold and conf >= threshold for (name, conf), (_, gold) in zip(in_top, in_scope, strict=True)
        ) / len(in_scope)
        print(f"  {threshold:.2f}      {recall:.3f}       {correct:.3f}")


if __name__ == "__main__":
    main()
