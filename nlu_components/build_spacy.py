"""Build the project's spaCy pipeline, because no English model may be downloaded.

A blank English pipeline gets a lookup lemmatizer (tables from spacy-lookups-data, a
package dependency) and an entity ruler for UK postcodes and council references.
Rasa's ``SpacyNLP`` loads the saved folder by path (``config.yml``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import spacy
import yaml

HERE = Path(__file__).resolve().parent
PATTERNS_FILE = HERE / "entity_patterns.yml"
DEFAULT_OUT = HERE.parent / "build" / "spacy_council"


def load_patterns(path: Path = PATTERNS_FILE) -> list[dict]:
    """Read entity-ruler patterns from YAML: label -> list of token patterns."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [{"label": label, "pattern": pattern} for label, patterns in data.items() for pattern in patterns]


def build(out: Path = DEFAULT_OUT) -> Path:
    """Build and save the pipeline; rebuilds only when the patterns or this script changed."""
    stamp = hashlib.sha256(PATTERNS_FILE.read_bytes() + Path(__file__).read_bytes()).hexdigest()
    stamp_file = out / "council_stamp.json"
    if stamp_file.exists() and json.loads(stamp_file.read_text()).get("stamp") == stamp:
        return out
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    nlp.initialize()
    ruler.add_patterns(load_patterns())
    nlp.meta["name"] = "council"
    nlp.meta["description"] = "Blank English pipeline with lookup lemmas and a postcode/reference ruler"
    out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out)
    stamp_file.write_text(json.dumps({"stamp": stamp}))
    return out


def main() -> None:
    """Command-line entry point (``make spacy``)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    print(f"spaCy pipeline ready at {build(args.out)}")


if __name__ == "__main__":
    main()
