"""A horizontal bar chart as plain geometry for an inline SVG (no script: the CSP forbids
inline script, and a chart of a dozen bars needs none). Lengths are computed from the
exact amounts with Decimal and rounded to a tenth of a pixel."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..core.money import format_yuan

LABEL_WIDTH = 120  # at least; wider for long labels (bank names)
LABEL_CHAR_WIDTH = 7  # px per character at the 13 px label size (Latin; CJK ~13)
VALUE_WIDTH = 130
BAR_HEIGHT = 22
GAP = 8
WIDTH = 640


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    y: int
    length: Decimal


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int
    text_x: int


def bar_chart(items: list[tuple[str, Decimal]]) -> Chart | None:
    """``items``: (label, amount in yuan). None when there is nothing to draw."""
    if not items:
        return None
    label_width = max(LABEL_WIDTH, max(label_px(label) for label, _ in items) + 12)
    room = Decimal(WIDTH - label_width - VALUE_WIDTH)
    top = max((amount for _, amount in items), default=Decimal(0))
    bars = []
    for i, (label, amount) in enumerate(items):
        length = (room * amount / top).quantize(Decimal("0.1"), ROUND_HALF_UP) if top > 0 else Decimal(0)
        bars.append(Bar(label, format_yuan(amount), i * (BAR_HEIGHT + GAP), max(length, Decimal(0))))
    return Chart(bars, WIDTH, len(items) * (BAR_HEIGHT + GAP), label_width, BAR_HEIGHT,
                 label_width + int(room) + 6)


def label_px(label: str) -> int:
    """About how wide ``label`` is at the charts' 13 px text, in px (CJK characters are square)."""
    return sum(13 if ord(ch) > 0x2E80 else LABEL_CHAR_WIDTH for ch in label)
