"""Horizontal bar charts as plain geometry for an inline SVG (no script: the CSP forbids
inline script, and a chart of a dozen bars needs none). Lengths are computed from the
exact figures (Decimal yuan or integer counts) and rounded to a tenth of a pixel.

The chart is drawn at its own size (``WIDTH`` px) on a desktop and shrinks only a little on
a 390 px phone, so its 14 px text stays at least 12 px there; a wide chart scaled down to a
phone would print 7 px text. Short labels stand left of their bars; when a label would take
more than ``SIDE_LABEL_MAX`` of the width (long bank names), each label stands above its
bar instead."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..core.money import format_yuan, to_fen

WIDTH = 360
TEXT_PX = 14  # the rows' text size (static/css/app.css .report-chart-rows text)
LATIN_PX = 9  # at most, per Latin character at 14 px (digits are widest); CJK characters are square
LABEL_CHAR_WIDTH = 7  # px per Latin character at 13 px text, on average (label_px)
SIDE_LABEL_MAX = WIDTH * 2 // 5
BAR_HEIGHT = 20
GAP = 8  # between rows
GUTTER = 8  # between a label or a value and its bar


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    label_y: int  # baselines; labels start at the left edge, beside or above their bars
    value_y: int
    bar_x: int
    bar_y: int
    length: Decimal

    @property
    def value_x(self) -> Decimal:
        return self.bar_x + self.length + 6


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    bar_height: int
    labels_above: bool  # each label on its own line above its bar (else left of it)


def _units(value) -> int:
    return to_fen(value) if isinstance(value, Decimal) else int(value)


def bar_chart(items: list[tuple]) -> Chart | None:
    """``items``: (label, amount in yuan) — the value written as ``format_yuan`` — or
    (label, value, value text), the value Decimal yuan or an int count. None when there is
    nothing to draw."""
    if not items:
        return None
    rows = [(item[0], item[1], item[2] if len(item) > 2 else format_yuan(item[1])) for item in items]
    widest_label = max(_text_px(label) for label, _, _ in rows)
    widest_value = max(_text_px(text) for _, _, text in rows)
    labels_above = widest_label > SIDE_LABEL_MAX
    bar_x = 0 if labels_above else widest_label + GUTTER
    room = Decimal(WIDTH - bar_x - widest_value - GUTTER)
    top = max(_units(value) for _, value, _ in rows)
    line = TEXT_PX + 6  # a line of text above a bar
    pitch = BAR_HEIGHT + GAP + (line if labels_above else 0)
    bars = []
    for i, (label, value, text) in enumerate(rows):
        length = (room * _units(value) / top).quantize(Decimal("0.1"), ROUND_HALF_UP) if top > 0 else Decimal(0)
        row_y = i * pitch
        bar_y = row_y + (line if labels_above else 0)
        text_y = bar_y + BAR_HEIGHT - 5
        bars.append(Bar(label, text, label_y=row_y + TEXT_PX if labels_above else text_y, value_y=text_y,
                        bar_x=bar_x, bar_y=bar_y, length=max(length, Decimal(0))))
    return Chart(bars, WIDTH, len(rows) * pitch - GAP, BAR_HEIGHT, labels_above)


def _text_px(text: str) -> int:
    """At most how wide ``text`` is at the rows' 14 px, so that nothing overlaps."""
    return sum(TEXT_PX if ord(ch) > 0x2E80 else LATIN_PX for ch in text)


def label_px(label: str) -> int:
    """About how wide ``label`` is at the charts' 13 px text, in px (CJK characters are square)."""
    return sum(13 if ord(ch) > 0x2E80 else LABEL_CHAR_WIDTH for ch in label)
