"""The column chart's value axis: round steps, ticks in the reader's words, bars on scale."""
from decimal import Decimal

import pytest

from loans.reports.charts import BAR_AREA, column_chart, nice_step


@pytest.mark.parametrize("largest, step", [
    (0, 1), (1, 1), (4, 1), (7, 2), (10, 5), (21, 10), (100, 50), (400, 100),
    (35_000_000, 10_000_000),      # ¥350,000 in fen → steps of ¥100,000
    (100_000_000, 50_000_000),     # ¥1,000,000 → ¥500,000
    (123_456_789, 50_000_000),
])
def test_nice_steps_reach_the_largest_value_in_at_most_four(largest, step):
    assert nice_step(largest) == step
    assert -(-largest // step) <= 4


def test_ticks_are_written_by_the_caller_and_bars_are_to_scale():
    chart = column_chart([("2021-01", Decimal("230000"), "23万元"), ("2021-03", Decimal("1000000"), "100万元")],
                         lambda amount: f"{amount / 10000:g}万元" if amount else "0")
    assert [t.text for t in chart.ticks] == ["0", "50万元", "100万元"]
    assert [t.y for t in chart.ticks] == [chart.baseline, chart.baseline - BAR_AREA // 2, chart.baseline - BAR_AREA]
    assert [b.height for b in chart.bars] == [BAR_AREA * 23 // 100, BAR_AREA]
    assert chart.show_values  # two bars leave room for their values
    assert chart.plot_left > max(len(t.text) for t in chart.ticks) * 7  # the ticks fit left of the axis


def test_counts_work_too():
    chart = column_chart([(str(m), n, str(n)) for m, n in enumerate([3, 0, 7])], str)
    assert [t.text for t in chart.ticks] == ["0", "2", "4", "6", "8"]
