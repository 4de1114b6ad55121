"""Charts as inline SVG, drawn on the server: no script, no CDN, and they print.

Pure functions returning markup-safe strings; every text is escaped.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_COLOURS = {"red": "#c62828", "yellow": "#d69e2e", "green": "#2e7d32", "grey": "#8a94a6"}


def bar_chart(
    rows: list[tuple[str, float]], *, unit: str = "%", maximum: float = 100.0, title: str = ""
) -> SafeString:
    """Horizontal bars: one (label, value) per row, scaled to `maximum`."""
    row_h, label_w, bar_w = 24, 130, 320
    height = row_h * len(rows) + 10
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {label_w + bar_w + 70} {height}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg" font-size="12">'
    ]
    for i, (label, value) in enumerate(rows):
        y = 5 + i * row_h
        width = 0 if maximum <= 0 else max(0.0, min(value / maximum, 1.0)) * bar_w
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="16" fill="#eef2f7"/>'
            f'<rect x="{label_w}" y="{y + 3}" width="{width:.1f}" height="16" fill="#1d4ed8"/>'
            f'<text x="{label_w + bar_w + 6}" y="{y + 15}">{value:g}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def line_chart(
    points: list[tuple[str, float]],
    *,
    title: str = "",
    unit: str = "%",
    compare: list[tuple[str, float]] | None = None,
    legend: tuple[str, str] = ("本年度", "上年度同期"),
) -> SafeString:
    """A line over time (e.g. weekly completion), y from 0 to 100, with labelled ends; with
    ``compare``, a second, dashed grey line over the same steps (last year's same weeks)."""
    width, height, pad = 520, 180, 34
    if not points:
        return mark_safe('<p class="muted">暂无数据</p>')
    compare = compare or []
    step = (width - 2 * pad) / max(len(points) - 1, 1)
    top = max(100.0, max(v for _, v in [*points, *compare]))

    def xy(i, v):
        return pad + i * step, height - pad - (v / top) * (height - 2 * pad)

    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, (_, v) in enumerate(points)))
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg" font-size="11">',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#999"/>',
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#999"/>',
        f'<text x="{pad - 4}" y="{pad + 4}" text-anchor="end">{top:g}{escape(unit)}</text>',
        f'<text x="{pad - 4}" y="{height - pad + 4}" text-anchor="end">0</text>',
        f'<polyline fill="none" stroke="#1d4ed8" stroke-width="2" points="{coords}"/>',
    ]
    if compare:
        old = " ".join(
            f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, (_, v) in enumerate(compare))
        )
        parts.append(
            f'<polyline class="compare" fill="none" stroke="#9ca3af" stroke-width="2" '
            f'stroke-dasharray="5 4" points="{old}"><title>{escape(legend[1])}</title></polyline>'
        )
        parts.append(
            f'<text x="{width - pad}" y="{pad - 14}" text-anchor="end" fill="#1d4ed8">'
            f"— {escape(legend[0])}</text>"
            f'<text x="{width - pad}" y="{pad - 2}" text-anchor="end" fill="#6b7280">'
            f"- - {escape(legend[1])} {compare[-1][1]:g}{escape(unit)}</text>"
        )
    for i, (label, value) in enumerate(points):
        x, y = xy(i, value)
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#1d4ed8"><title>{escape(label)} {value:g}{escape(unit)}</title></circle>'
        )
    first, last = points[0], points[-1]
    parts.append(f'<text x="{pad}" y="{height - pad + 16}">{escape(first[0])}</text>')
    parts.append(
        f'<text x="{width - pad}" y="{height - pad + 16}" text-anchor="end">{escape(last[0])}</text>'
    )
    x, y = xy(len(points) - 1, last[1])
    parts.append(
        f'<text x="{x:.1f}" y="{y - 6:.1f}" text-anchor="end">{last[1]:g}{escape(unit)}</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def light_bar(counts: dict[str, int]) -> SafeString:
    """One stacked bar of 红/黄/绿/已办结 counts."""
    total = sum(counts.values()) or 1
    width, x, parts = 520, 0.0, []
    parts.append(
        f'<svg class="chart lights" role="img" aria-label="红黄绿灯分布" viewBox="0 0 {width} 28" width="100%" xmlns="http://www.w3.org/2000/svg">'
    )
    for key in ("red", "yellow", "green", "grey"):
        w = counts.get(key, 0) / total * width
        if w:
            parts.append(
                f'<rect x="{x:.1f}" y="4" width="{w:.1f}" height="20" fill="{BAR_COLOURS[key]}"/>'
            )
        x += w
    parts.append("</svg>")
    return mark_safe("".join(parts))
