"""Charts of the indicators dashboard as inline SVG, drawn on the server: no JavaScript, no
CDN, nothing for the content security policy to refuse (presentation attributes, no `style`).
Each chart is an image with a title and a description for screen readers; the page prints the
same numbers in a table beside it. A masked or undefined value draws no bar, only its text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

# Okabe-Ito colours: told apart by people with the common colour vision deficiencies.
PALETTE = ("#0b6e4f", "#e69f00", "#0072b2", "#cc79a7", "#56b4e9", "#d55e00")
INK = "#1d2a33"
GRID = "#d8d4cc"
WIDTH = 640


@dataclass(frozen=True)
class Bar:
    """One value: `value` None draws no bar (masked or undefined); `text` is always printed."""

    label: str
    value: Decimal | None
    text: str


@dataclass(frozen=True)
class Series:
    name: str
    bars: Sequence[Bar]  # one per category, in the categories' order


def _number(value: Decimal | float) -> str:
    """A coordinate with at most one decimal (SVG wants a dot)."""
    return f"{float(value):.1f}".removesuffix(".0")


def _tick(value: Decimal) -> str:
    """An axis label in French: thin spaces between thousands, a decimal comma."""
    if value == value.to_integral_value():
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:.1f}".replace(".", ",")


def _nice(rough: Decimal) -> Decimal:
    """The smallest of 1, 2, 2.5 or 5 times a power of ten at or above `rough` (> 0)."""
    power = Decimal(1)
    while power * 10 <= rough:
        power *= 10
    while power > rough:
        power /= 10
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if power * step >= rough:
            return power * step
    return power * 10  # pragma: no cover


def _scale_top(maximum: Decimal) -> Decimal:
    """A round number at or above `maximum`, for a scale with no axis."""
    return _nice(maximum) if maximum > 0 else Decimal(1)


def _ticks(maximum: Decimal) -> list[Decimal]:
    """Round steps from 0 to at least `maximum` (about four; whole numbers for counts)."""
    step = _nice(max(maximum / 4, Decimal(1)))
    count = max(math.ceil(maximum / step), 1)
    return [step * index for index in range(count + 1)]


def _frame(chart_id: str, title: str, description: str, height: int) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        'width="100%" role="img" aria-labelledby="{id}-title {id}-desc" '
        'font-family="system-ui, sans-serif" font-size="13" fill="{ink}">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{description}</desc>',
        width=WIDTH,
        height=height,
        id=chart_id,
        title=title,
        description=description,
        ink=INK,
    )


def _join(parts: Sequence[SafeString]) -> SafeString:
    return mark_safe("".join(parts))  # noqa: S308  # every part is built by format_html


def grouped_bars(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
) -> SafeString:
    """Vertical bars: one group per category (e.g. a year), one bar per series (a programme)."""
    height, left, right, top, bottom = 280, 56, 16, 40, 36
    plot_width, plot_height = WIDTH - left - right, height - top - bottom
    values = [bar.value for one in series for bar in one.bars if bar.value is not None]
    ticks = _ticks(max(values, default=Decimal(0)))
    scale_top = ticks[-1]
    parts = [_frame(chart_id, title, description, height)]
    # Legend, along the top
    x = left
    for index, one in enumerate(series):
        parts.append(
            format_html(
                '<rect x="{x}" y="8" width="12" height="12" fill="{colour}"/>'
                '<text x="{text_x}" y="18">{name}</text>',
                x=x,
                text_x=x + 16,
                colour=PALETTE[index % len(PALETTE)],
                name=one.name,
            )
        )
        x += 24 + 8 * len(one.name)
    # Axis and grid
    for tick in ticks:
        y = top + plot_height - float(Decimal(plot_height) * tick / scale_top)
        parts.append(
            format_html(
                '<line x1="{left}" x2="{right}" y1="{y}" y2="{y}" stroke="{grid}"/>'
                '<text x="{label_x}" y="{text_y}" text-anchor="end">{tick}</text>',
                left=left,
                right=WIDTH - right,
                y=_number(y),
                grid=GRID,
                label_x=left - 6,
                text_y=_number(y + 4),
                tick=_tick(tick),
            )
        )
    group_width = plot_width / max(len(categories), 1)
    bar_width = group_width * 0.8 / max(len(series), 1)
    for position, category in enumerate(categories):
        group_x = left + group_width * position + group_width * 0.1
        parts.append(
            format_html(
                '<text x="{x}" y="{y}" text-anchor="middle">{category}</text>',
                x=_number(left + group_width * (position + 0.5)),
                y=height - bottom + 18,
                category=category,
            )
        )
        for index, one in enumerate(series):
            bar = one.bars[position]
            x_bar = group_x + bar_width * index
            bar_height = (
                Decimal(0) if bar.value is None else bar.value / scale_top * Decimal(plot_height)
            )
            y_bar = top + plot_height - float(bar_height)
            if bar.value is not None:
                parts.append(
                    format_html(
                        '<rect x="{x}" y="{y}" width="{width}" height="{height}" '
                        'fill="{colour}"><title>{name}, {category} : {text}</title></rect>',
                        x=_number(x_bar),
                        y=_number(y_bar),
                        width=_number(max(bar_width - 2, 1)),
                        height=_number(bar_height),
                        colour=PALETTE[index % len(PALETTE)],
                        name=one.name,
                        category=category,
                        text=bar.text,
                    )
                )
            parts.append(
                format_html(
                    '<text x="{x}" y="{y}" text-anchor="middle" font-size="11">{text}</text>',
                    x=_number(x_bar + bar_width / 2),
                    y=_number(y_bar - 4),
                    text=bar.text,
                )
            )
    parts.append(mark_safe("</svg>"))
    return _join(parts)


def horizontal_bars(
    *,
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[Bar],
    scale_top: Decimal | None = None,
) -> SafeString:
    """One horizontal bar per value (a distribution); `scale_top` fixes the scale (e.g. 100
    for percentages)."""
    row, top, label_width, text_room = 30, 8, 270, 80
    height = top * 2 + row * len(bars)
    plot_width = WIDTH - label_width - text_room
    values = [bar.value for bar in bars if bar.value is not None]
    top_value = scale_top or _scale_top(max(values, default=Decimal(0)))
    parts = [_frame(chart_id, title, description, height)]
    for index, bar in enumerate(bars):
        y = top + row * index
        length = Decimal(0) if bar.value is None else bar.value / top_value * plot_width
        parts.append(
            format_html(
                '<text x="{label_x}" y="{text_y}" text-anchor="end">{label}</text>',
                label_x=label_width - 8,
                text_y=y + 19,
                label=bar.label,
            )
        )
        if bar.value is not None:
            parts.append(
                format_html(
                    '<rect x="{x}" y="{y}" width="{width}" height="20" fill="{colour}">'
                    "<title>{label} : {text}</title></rect>",
                    x=label_width,
                    y=y + 5,
                    width=_number(max(length, Decimal(0))),
                    colour=PALETTE[0],
                    label=bar.label,
                    text=bar.text,
                )
            )
        parts.append(
            format_html(
                '<text x="{x}" y="{y}">{text}</text>',
                x=_number(label_width + float(length) + 6),
                y=y + 19,
                text=bar.text,
            )
        )
    parts.append(mark_safe("</svg>"))
    return _join(parts)
