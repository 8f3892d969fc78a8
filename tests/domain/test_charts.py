"""Chart geometry shared by the SVG on the page and the drawing in the PDF."""

from __future__ import annotations

from ticketing.domain.charts import LABEL_SIZE, WIDTH, bar_chart


def test_bars_are_proportional_and_counts_get_whole_ticks():
    chart = bar_chart("volume", "Per minggu", [("a", 5.0, "5"), ("b", 2.0, "2"), ("c", 0.0, "0")])
    long, short, empty = chart.bars
    # 5 over about 4 grid lines: steps of 2, so the last line is 6
    assert [label for _, label in chart.ticks] == ["0", "2", "4", "6"]
    assert long.x == chart.left and abs(long.w - (chart.right - chart.left) * 5 / 6) < 1e-9
    assert abs(short.w - long.w * 2 / 5) < 1e-9 and empty.w == 0
    assert long.y < short.y < empty.y and long.h == short.h
    # the value is printed just past the bar's end, the label left of the bars
    assert long.value_x > long.x + long.w and long.label_x < chart.left
    assert "a 5; b 2; c 0" in chart.summary


def test_percent_chart_keeps_its_scale_and_skips_missing_values():
    chart = bar_chart("pct", "Tepat waktu", [("Okt", 50.0, "50,0%"), ("Nov", None, "-")],
                      max_value=100)
    half, missing = chart.bars
    assert abs(half.w - (chart.right - chart.left) / 2) < 1e-9
    assert missing.w == 0 and missing.text == "-"
    assert [label for _, label in chart.ticks] == ["0", "25", "50", "75", "100"]


def test_larger_counts_round_up_to_a_nice_top():
    chart = bar_chart("v", "t", [("a", 37.0, "37")])
    assert chart.ticks[-1][1] == "40" and len(chart.ticks) == 5


def test_long_labels_sit_above_their_bar_and_fit_the_width():
    label = "U8 Penanganan pengaduan, saran dan masukan"
    chart = bar_chart("ikm", "IKM", [(label, 80.0, "80"), ("U9 Sarana dan prasarana", 100.0,
                                                           "100")],
                      max_value=100, label_width=None)
    first, second = chart.bars
    assert first.label_y < first.y and first.label_x == 0 and chart.left == 0
    # about 0.55 em per character: the longest unsur name fits the drawing
    assert len(label) * LABEL_SIZE * 0.55 < WIDTH
    # the full bar leaves room for its value
    assert second.value_x + 3 * LABEL_SIZE * 0.6 <= WIDTH
    assert second.y > first.y + first.h
