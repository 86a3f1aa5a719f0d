"""Small server-side SVG charts (bar and line), so the console needs no JavaScript library and downloads nothing."""

from __future__ import annotations

from html import escape

from markupsafe import Markup


def bar_chart(rows: list[tuple[str, float]], title: str, width: int = 640, bar: int = 22, unit: str = "") -> Markup:
    """Horizontal bars, one per (label, value), with the value written at the end of the bar."""
    if not rows:
        return Markup(f'<p class="empty">{escape(title)}: nothing yet.</p>')
    label_w, top = 220, 28
    peak = max(value for _, value in rows) or 1
    height = top + len(rows) * (bar + 6) + 6
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
             f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
             f'<text x="0" y="18" class="chart-title">{escape(title)}</text>']
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar + 6)
        w = max(1, (width - label_w - 60) * value / peak)
        short = str(label) if len(str(label)) <= 30 else str(label)[:29] + "\u2026"
        parts.append(f'<text x="{label_w - 8}" y="{y + bar * 0.7:.0f}" text-anchor="end">{escape(short)}'
                     f'<title>{escape(str(label))}</title></text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar}" class="bar"/>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + bar * 0.7:.0f}">{value:g}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(points: list[tuple[str, float]], title: str, width: int = 640, height: int = 220,
               unit: str = "%") -> Markup:
    """A line over time: (label, value) points in order, first and last labels on the axis."""
    if not points:
        return Markup(f'<p class="empty">{escape(title)}: nothing yet.</p>')
    left, right, top, bottom = 48, 16, 30, 30
    peak = max(max(v for _, v in points), 1e-9)
    span = max(len(points) - 1, 1)

    def xy(i: int, value: float) -> tuple[float, float]:
        return (left + (width - left - right) * i / span,
                top + (height - top - bottom) * (1 - value / peak))

    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in
                    enumerate(xy(i, v) for i, (_, v) in enumerate(points)))
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
             f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
             f'<text x="0" y="18" class="chart-title">{escape(title)}</text>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" class="axis"/>',
             f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{peak:.3g}{escape(unit)}</text>',
             f'<text x="{left - 6}" y="{height - bottom}" text-anchor="end">0</text>',
             f'<path d="{path}" class="line" fill="none"/>']
    for i, (label, value) in enumerate(points):
        x, y = xy(i, value)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="dot"><title>{escape(label)}: '
                     f'{value:.3g}{escape(unit)}</title></circle>')
    parts.append(f'<text x="{left}" y="{height - 8}">{escape(points[0][0])}</text>')
    parts.append(f'<text x="{width - right}" y="{height - 8}" text-anchor="end">{escape(points[-1][0])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
