"""The fund page's monthly charts as plain geometry for ``templates/reports/_charts.html``
(server-side SVG, no script, no inline style). Values come in whole units (fen for money,
hundredths for a leverage) so the scaling stays integer arithmetic."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

WIDTH = 400
PLOT_HEIGHT = 180
TOP, BOTTOM, RIGHT = 22, 40, 8


@dataclass(frozen=True)
class Column:
    label: str
    value_text: str
    x: int
    y: int
    width: int
    height: int
    axis: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tick:
    text: str
    y: int


@dataclass(frozen=True)
class MonthChart:
    width: int
    height: int
    bars: list[Column]
    ticks: list[Tick] = field(default_factory=list)
    plot_left: int = 0
    baseline: int = 0
    label_step: int = 1
    show_values: bool = False


def text_px(text: str) -> int:
    """About how wide a label is at the chart's font size: CJK characters are wider."""
    return sum(13 if ord(ch) > 0x2E80 else 8 for ch in text)


def round_step(largest: int, steps: int = 4) -> int:
    """1, 2 or 5 times a power of ten reaching ``largest`` in about ``steps`` steps."""
    rough = max(-(-largest // steps), 1)
    power = 10 ** (len(str(rough)) - 1)
    for factor in (1, 2, 5, 10):
        if factor * power >= rough:
            return factor * power
    return 10 * power


def month_chart(points: list[tuple[str, tuple[str, ...], int, str]], tick_text: Callable[[int], str]) -> MonthChart:
    """Columns for (label, axis lines, value in units, value text), left to right; the
    value axis's ticks are written by ``tick_text(units)``. Negative values draw as zero."""
    largest = max((max(units, 0) for _, _, units, _ in points), default=0)
    step = round_step(largest)
    top = max(-(-largest // step), 1) * step
    tick_units = list(range(0, top + 1, step)) if largest else [0]
    texts = [tick_text(units) for units in tick_units]
    left = max((text_px(t) for t in texts), default=0) + 12
    baseline = TOP + PLOT_HEIGHT
    slot = max(min((WIDTH - left - RIGHT) // max(len(points), 1), 120), 10)
    width = min(slot * 3 // 4, 40)
    bars = []
    for i, (label, axis, units, text) in enumerate(points):
        height = max(units, 0) * PLOT_HEIGHT // top
        bars.append(Column(label, text, x=left + i * slot + (slot - width) // 2, y=baseline - height, width=width,
                           height=height, axis=axis))
    widest = max((text_px(line) for _, axis, _, _ in points for line in axis), default=0) + 8
    return MonthChart(width=left + slot * len(points) + RIGHT, height=baseline + BOTTOM, bars=bars,
                      ticks=[Tick(t, baseline - u * PLOT_HEIGHT // top) for t, u in zip(texts, tick_units)],
                      plot_left=left, baseline=baseline, label_step=max(-(-widest // slot), 1))
