"""Chart geometry shared by the SVG on the page and the drawing in the PDF."""

from __future__ import annotations

from ticketing.domain.charts import bar_chart


def test_bars_are_proportional_and_counts_get_whole_ticks():
    chart = bar_chart("volume", "Per minggu", [("a", 5.0, "5"), ("b", 2.0, "2"), ("c", 0.0, "0")])
    tall, short, empty = chart.bars
    # 5 over about 4 grid lines: steps of 2, so the top line is 6
    assert [label for _, label in chart.ticks] == ["0", "2", "4", "6"]
    assert tall.y + tall.h == chart.bottom
    assert abs(tall.h - (chart.bottom - chart.top) * 5 / 6) < 1e-9
    assert abs(short.h - tall.h * 2 / 5) < 1e-9 and empty.h == 0
    assert tall.x < short.x < empty.x and tall.w == short.w
    assert "a 5; b 2; c 0" in chart.summary


def test_percent_chart_keeps_its_scale_and_skips_missing_values():
    chart = bar_chart("pct", "Tepat waktu", [("Okt", 50.0, "50,0%"), ("Nov", None, "-")],
                      max_value=100)
    half, missing = chart.bars
    assert abs(half.h - (chart.bottom - chart.top) / 2) < 1e-9
    assert missing.h == 0 and missing.text == "-"
    assert [label for _, label in chart.ticks] == ["0", "25", "50", "75", "100"]


def test_larger_counts_round_up_to_a_nice_top():
    chart = bar_chart("v", "t", [("a", 37.0, "37")])
    assert chart.ticks[-1][1] == "40" and len(chart.ticks) == 5
