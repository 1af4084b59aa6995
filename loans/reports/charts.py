"""Bar charts as plain geometry for a server-side SVG (no script, no inline style: the
CSP allows neither). Integer arithmetic on the figures; money stays exact until it is
scaled to pixels, where exactness no longer matters."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..core.money import to_fen

WIDTH = 640
BAR_AREA = 200   # the tallest vertical bar, and the longest horizontal one
LABEL_SPACE = 160  # left margin for the horizontal chart's category labels


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    label_step: int = 1  # label every n-th bar, so that labels never overlap
    show_values: bool = True


def _units(value) -> int:
    return to_fen(value) if isinstance(value, Decimal) else int(value)


def column_chart(items: list[tuple[str, int | Decimal, str]]) -> Chart:
    """Vertical bars, one per (label, value, value text), left to right."""
    top, bottom, left = 20, 40, 28  # the margin keeps the first and last labels inside
    slot = max(min(WIDTH // max(len(items), 1), 80), 12)
    largest = max((_units(v) for _, v, _ in items), default=0) or 1
    bars = []
    for i, (label, value, text) in enumerate(items):
        height = _units(value) * BAR_AREA // largest
        bars.append(Bar(label, text, x=left + i * slot + slot // 8, y=top + BAR_AREA - height, width=slot - slot // 4,
                        height=height))
    return Chart(width=2 * left + slot * len(items), height=top + BAR_AREA + bottom, bars=bars,
                 label_step=-(-64 // slot), show_values=slot >= 56)


def bar_chart(items: list[tuple[str, int | Decimal, str]]) -> Chart:
    """Horizontal bars, one per (label, value, value text), top to bottom."""
    row = 28
    largest = max((_units(v) for _, v, _ in items), default=0) or 1
    length = WIDTH - LABEL_SPACE - 150  # room for the value text after the bar
    bars = []
    for i, (label, value, text) in enumerate(items):
        bars.append(Bar(label, text, x=LABEL_SPACE, y=i * row + 4, width=_units(value) * length // largest,
                        height=row - 8))
    return Chart(width=WIDTH, height=max(row * len(items), row), bars=bars)
