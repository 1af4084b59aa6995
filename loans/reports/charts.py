"""The column chart as plain geometry for a server-side SVG (no script, no inline style:
the CSP allows neither; horizontal bars are ``subsidy.charts.bar_chart``). Integer
arithmetic on the figures; money stays exact until it is scaled to pixels, where exactness
no longer matters."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from ..core.money import to_fen
from ..subsidy.charts import label_px

COLUMN_WIDTH = 400  # the column chart: narrow, so that its text stays legible on a phone
BAR_AREA = 200   # the tallest bar
TICKS = 4  # about this many steps up the value axis


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    x: int
    y: int
    width: int
    height: int
    axis: tuple[str, ...] = ()  # the label under the column, on as many lines


@dataclass(frozen=True)
class Tick:
    text: str
    y: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    label_step: int = 1  # label every n-th bar, so that labels never overlap
    show_values: bool = True
    ticks: list[Tick] = field(default_factory=list)  # the value axis, bottom up
    plot_left: int = 0  # where the value axis stands
    baseline: int = 0  # the y of the zero line


def _units(value) -> int:
    return to_fen(value) if isinstance(value, Decimal) else int(value)


def nice_step(largest: int, steps: int = TICKS) -> int:
    """A round step (1, 2 or 5 × a power of ten, in the figures' own units) that reaches
    ``largest`` in at most ``steps`` steps: 350,000 → 100,000; 7 → 2; 0 → 1."""
    raw = max(-(-largest // steps), 1)
    magnitude = 10 ** (len(str(raw)) - 1)
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def column_chart(items: list[tuple], tick_text: Callable[[int | Decimal], str]) -> Chart:
    """Vertical bars, one per (label, value, value text), left to right, over a value axis
    whose ticks ``tick_text`` writes (it gets a value of the items' type: Decimal yuan or
    int). Each bar's value is printed above it when every value text fits its slot;
    otherwise it is the bar's title (and in the table beside the chart). A fourth element,
    the label's lines under the column (a quarter's year and quarter), narrows the labels."""
    top_margin, bottom, right = 22, 40, 8
    axes = [tuple(item[3]) if len(item) > 3 else (item[0],) for item in items]
    items = [item[:3] for item in items]
    largest = max((_units(v) for _, v, _ in items), default=0)
    money = any(isinstance(v, Decimal) for _, v, _ in items)
    step = nice_step(largest)
    top_units = max(-(-largest // step), 1) * step
    ticks_units = range(0, top_units + 1, step) if largest else [0]  # nothing to scale: the zero line alone
    texts = [tick_text(Decimal(units) / 100 if money else units) for units in ticks_units]
    left = max((label_px(t) for t in texts), default=0) + 12
    baseline = top_margin + BAR_AREA
    ticks = [Tick(t, baseline - units * BAR_AREA // top_units) for t, units in zip(texts, ticks_units)]
    slot = max(min((COLUMN_WIDTH - left - right) // max(len(items), 1), 120), 12)
    width = min(slot - slot // 4, 48)
    bars = []
    for i, ((label, value, text), axis) in enumerate(zip(items, axes)):
        height = _units(value) * BAR_AREA // top_units
        bars.append(Bar(label, text, x=left + i * slot + (slot - width) // 2, y=baseline - height, width=width,
                        height=height, axis=axis))
    widest_label = max((label_px(line) for axis in axes for line in axis), default=0) + 8
    return Chart(width=left + slot * len(items) + right, height=baseline + bottom, bars=bars,
                 label_step=max(-(-widest_label // slot), 1),
                 show_values=all(label_px(text) + 4 <= slot for _, _, text in items),
                 ticks=ticks, plot_left=left, baseline=baseline)
