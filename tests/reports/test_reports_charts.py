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


def test_two_line_labels_under_columns_make_room_for_every_quarter():
    """Quarters in Chinese (2025年 / 第一季度) on two lines: a year of four columns labels each."""
    items = [(f"2025年第{q}季度", Decimal(v), f"{v}元", ("2025年", f"第{q}季度"))
             for q, v in zip("一二三四", (400000, 290000, 100000, 0))]
    chart = column_chart(items, lambda amount: f"{amount:g}")
    assert chart.label_step == 1
    assert [b.axis for b in chart.bars][0] == ("2025年", "第一季度") and chart.bars[0].label == "2025年第一季度"


# --- horizontal bars (subsidy.charts.bar_chart: the district chart, the subsidy charts) ---

def test_horizontal_bars_are_drawn_at_a_phones_width_with_short_labels_beside_them():
    from loans.subsidy.charts import TEXT_PX, WIDTH, bar_chart

    chart = bar_chart([("北湖区", Decimal("660000"), "66万元"), ("苏仙区", Decimal("480000"), "48万元"),
                       ("桂阳县", Decimal("0"), "0元")])
    assert chart.width == WIDTH <= 366  # a 390 px phone's content width: text stays at TEXT_PX, not scaled down
    assert TEXT_PX >= 12
    assert not chart.labels_above
    first, second, empty = chart.bars
    assert first.bar_x > 3 * TEXT_PX and first.label_y == first.value_y  # the label on the bar's line
    assert second.length == (first.length * 48 / 66).quantize(Decimal("0.1")) and empty.length == 0
    assert first.value_x + 2 * 9 + 2 * TEXT_PX <= WIDTH  # "66万元" after the longest bar stays inside


def test_long_labels_stand_above_their_bars():
    from loans.subsidy.charts import WIDTH, bar_chart

    chart = bar_chart([("Postal Savings Bank of China Chenzhou Branch", Decimal("2706.36")),
                       ("ICBC Chenzhou Branch", Decimal("0"))])
    assert chart.labels_above
    assert [b.value_text for b in chart.bars] == ["¥2,706.36", "¥0.00"]  # two-element items: yuan
    first, second = chart.bars
    assert first.bar_x == 0 and first.label_y < first.bar_y and second.label_y > first.bar_y + chart.bar_height
    assert first.value_x + 9 * len("¥2,706.36") <= WIDTH
    assert chart.height == second.bar_y + chart.bar_height
    assert bar_chart([]) is None
