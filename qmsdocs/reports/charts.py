"""Small charts drawn on the server as SVG markup: no JavaScript, no CDN, readable when printed.

Charts are drawn at their own size in CSS pixels, never scaled down to fit a narrow column (a
narrow screen scrolls them sideways instead), so their smallest text stays at 13 px.
"""

from __future__ import annotations

from flask_babel import format_decimal
from markupsafe import Markup, escape

COLORS = {"good": "#2e7d32", "satisfactory": "#1565c0", "unsatisfactory": "#c62828", "unassessed": "#9e9e9e",
          "covered": "#2e7d32", "gap": "#ef6c00"}


def _fmt(value: float) -> str:
    """One decimal in the reader's language: 49,4 in Vietnamese, 49.4 in English."""
    return format_decimal(value, format="0.0")


def _wrapped(parts: list[str]) -> Markup:
    return Markup('<div class="chart-wrap">' + "".join(parts) + "</div>")


def bar_chart(items: list[tuple], *, title: str, total: int | None = None, width: int = 560) -> Markup:
    """Horizontal bars: (label, count, color[, share]); the share (given, or of `total`) is printed beside each bar.

    Pass the report's own shares so the chart prints the same rounded figures as the tables.
    """
    row_height, label_width, top = 30, 170, 28
    height = top + row_height * len(items) + 10
    biggest = max([item[1] for item in items] + [1])
    bar_space = width - label_width - 110
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" class="chart" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>",
             f'<text x="0" y="18" font-size="15" font-weight="bold">{escape(title)}</text>']
    for index, (label, count, color, *given) in enumerate(items):
        y = top + index * row_height
        length = 0 if not count else max(2, round(bar_space * count / biggest))
        value = given[0] if given else (100 * count / total if total else None)
        share = f" ({_fmt(value)}%)" if value is not None else ""
        parts.append(f'<text x="0" y="{y + 19}" font-size="14">{escape(label)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y + 5}" width="{length}" height="20" fill="{color}" rx="2"/>')
        parts.append(f'<text x="{label_width + length + 6}" y="{y + 19}" font-size="14">{count}{escape(share)}</text>')
    parts.append("</svg>")
    return _wrapped(parts)


def stacked_bars(rows: list[tuple[str, list[tuple[str, int, str]]]], *, title: str, width: int = 560) -> Markup:
    """One 100 % bar per row (e.g. per level), split by segments (label, count, color), with a legend."""
    row_height, label_width, top = 34, 120, 28
    legend = []
    for _, segments in rows:
        for label, _, color in segments:
            if (label, color) not in legend:
                legend.append((label, color))
    height = top + row_height * len(rows) + 30
    bar_space = width - label_width - 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" class="chart" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>",
             f'<text x="0" y="18" font-size="15" font-weight="bold">{escape(title)}</text>']
    for index, (label, segments) in enumerate(rows):
        y = top + index * row_height
        total = sum(count for _, count, _ in segments)
        parts.append(f'<text x="0" y="{y + 20}" font-size="14">{escape(label)} ({total})</text>')
        x = float(label_width)
        for seg_label, count, color in segments:
            if not total or not count:
                continue
            length = bar_space * count / total
            parts.append(f'<rect x="{x:.1f}" y="{y + 6}" width="{length:.1f}" height="22" fill="{color}">'
                         f"<title>{escape(seg_label)}: {count}</title></rect>")
            if length > 28:
                parts.append(f'<text x="{x + length / 2:.1f}" y="{y + 22}" font-size="13" fill="#fff" '
                             f'text-anchor="middle">{count}</text>')
            x += length
    y = top + len(rows) * row_height + 12
    x = 0
    for label, color in legend:
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{color}"/>')
        parts.append(f'<text x="{x + 16}" y="{y + 11}" font-size="13">{escape(label)}</text>')
        x += 24 + 8 * len(label)
    parts.append("</svg>")
    return _wrapped(parts)
