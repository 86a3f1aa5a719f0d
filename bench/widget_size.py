"""Size of what a council's page downloads for the chat widget: widget.js (with socket.io) and its stylesheet."""

from __future__ import annotations

import gzip

from web_chat.server import STATIC_DIR, WIDGET_PARTS, widget_bundle


def sizes(data: bytes) -> str:
    return f"{len(data):>7,} bytes, {len(gzip.compress(data, 9)):>6,} gzipped"


def main() -> None:
    bundle = widget_bundle()
    stylesheet = (STATIC_DIR / "widget" / "widget.css").read_bytes()
    for part in WIDGET_PARTS:
        print(f"{part.relative_to(STATIC_DIR)!s:<28}{sizes(part.read_bytes())}")
    print(f"{'/widget.js as served':<28}{sizes(bundle)}")
    print(f"{'/static/widget/widget.css':<28}{sizes(stylesheet)}")
    print(f"{'total':<28}{sizes(bundle + stylesheet)}")


if __name__ == "__main__":
    main()
