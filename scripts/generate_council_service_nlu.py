"""Write nlu_data/council_service.yml from the A to Z (services.yml); --check fails when it is out of date."""

from __future__ import annotations

import argparse
import sys

from service_directory.training_data import GENERATED_FILE, NLU_DIR, render


def main() -> int:
    """Write the file, or with --check only compare it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs from what would be written")
    args = parser.parse_args()
    path = NLU_DIR / GENERATED_FILE
    text = render()
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{path} is out of date: run python scripts/generate_council_service_nlu.py")
            return 1
        print(f"{path} is up to date")
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}: {text.count(chr(10) + '    - ')} examples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
