"""Bar-chart geometry shared by the report page (server-rendered SVG, no JavaScript) and the
PDF (reportlab drawings), so both show the same chart. Pure: numbers in, rectangles out.

Horizontal bars, one row per item, so a label is never squeezed under a narrow bar: short
labels (weeks, months) sit left of their bar, long ones (the unsur names) above it. The
drawing is 360 units wide with 14-unit text: on a 340-px phone that is about 13 px, and the
page caps the figure's width so it does not grow past about 17 px on a desktop; the PDF draws
it at 9-12 pt. Coordinates are SVG's: origin top-left, y grows downwards (the PDF flips them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .ikm import ELEMENT_CODES, ELEMENT_KEYS, ELEMENT_LABELS
from .periods import MONTHS_ID
from .report import Report, share

MONTHS_SHORT = tuple(m[:3] for m in MONTHS_ID)
WIDTH = 360.0
#: text sizes in drawing units (1 unit = 1 px at the natural width)
LABEL_SIZE = 14.0
VALUE_SIZE = 14.0
TICK_SIZE = 12.0
BAR_HEIGHT = 18.0


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    #: the value as printed beside the bar
    text: str
    x: float
    y: float
    w: float
    h: float
    #: where the label and the value text start (their baseline)
    label_x: float
    label_y: float
    value_x: float
    value_y: float


@dataclass(frozen=True)
class BarChart:
    key: str
    title: str
    width: float
    height: float
    #: the bars' area: x from left to right, y from top to bottom
    left: float
    top: float
    right: float
    bottom: float
    bars: tuple[Bar, ...]
    #: (x, label) of the vertical grid lines; labels printed below the bottom
    ticks: tuple[tuple[float, str], ...]
    #: a one-line summary for screen readers and the PDF's text layer
    summary: str
    #: labels beside (True) or above (False) the bars
    labels_beside: bool = True

    @property
    def tick_label_y(self) -> float:
        return self.bottom + TICK_SIZE + 4


def _nice_step(value: float) -> float:
    """1, 2 or 5 x 10^n at or above value (at least 1: the charts count whole requests)."""
    if value <= 1:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * exp >= value:
            return float(step * exp)
    return float(10 * exp)


def bar_chart(key: str, title: str, items: Sequence[tuple[str, float | None, str]], *,
              max_value: float | None = None, label_width: float | None = 64,
              ticks: int = 4) -> BarChart:
    """Horizontal bars for (label, value, printed text); None draws no bar. label_width:
    the room for labels left of the bars; None puts each label above its bar."""
    beside = label_width is not None
    row = BAR_HEIGHT + (10 if beside else LABEL_SIZE + 14)
    top = 6.0
    left = (label_width + 8) if beside else 0.0
    right = WIDTH - 64
    values = [v for _, v, _ in items if v is not None]
    if max_value is not None:
        top_value = max_value
    else:
        step = _nice_step(max(values, default=0) / ticks)
        top_value = step * max(1, math.ceil(max(values, default=0) / step))
        ticks = round(top_value / step)
    bars = []
    for i, (label, value, text) in enumerate(items):
        y_row = top + i * row
        bar_y = y_row + (5 if beside else LABEL_SIZE + 6)
        w = 0.0 if value is None else (right - left) * min(value, top_value) / top_value
        baseline = bar_y + BAR_HEIGHT - 4
        bars.append(Bar(label, value, text, left, bar_y, w, BAR_HEIGHT,
                        0.0, baseline if beside else y_row + LABEL_SIZE,
                        left + w + 6, baseline))
    bottom = top + max(len(items), 1) * row
    grid = tuple((left + (right - left) * k / ticks, _fmt(top_value * k / ticks))
                 for k in range(ticks + 1))
    summary = f"{title}: " + "; ".join(f"{label} {text}" for label, _, text in items)
    return BarChart(key, title, WIDTH, bottom + TICK_SIZE + 10, left, top, right, bottom,
                    tuple(bars), grid, summary, beside)


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


def _comma(value) -> str:
    """Indonesian decimal comma, as in the tables."""
    return str(value).replace(".", ",")


def _week_label(monday: date) -> str:
    return f"{monday.day} {MONTHS_SHORT[monday.month - 1]}"


def report_charts(report: Report, ikm_minimum: int = 0) -> list[BarChart]:
    """The evaluation's three charts: IKM per unsur (with the unsur names; left empty below
    `ikm_minimum` respondents, as the published index is), answers on time per month,
    requests per week."""
    result = report.overall.figures.ikm
    enough = result.respondents >= ikm_minimum
    elements = []
    for i, (code, key) in enumerate(zip(ELEMENT_CODES, ELEMENT_KEYS, strict=False)):
        value = result.element_index(i) if enough else None
        elements.append((f"{code} {ELEMENT_LABELS[key]}", None if value is None else float(value),
                         "-" if value is None else _comma(value)))
    ikm_chart = bar_chart("ikm", "IKM per unsur (nilai 25-100)", elements, max_value=100,
                          label_width=None)
    monthly = []
    for first, answered, on_time in report.monthly_attainment:
        pct = share(on_time, answered)
        monthly.append((f"{MONTHS_SHORT[first.month - 1]} {first.year}",
                        None if pct is None else float(pct),
                        "-" if pct is None else f"{_comma(pct)}%"))
    attainment = bar_chart("attainment", "Jawaban pertama tepat waktu per bulan (%)", monthly,
                           max_value=100, label_width=72)
    weekly = bar_chart(
        "volume", "Permohonan diterima per minggu (mulai Senin)",
        [(_week_label(monday), float(n), str(n)) for monday, n in report.weekly_volume],
        label_width=56)
    return [ikm_chart, attainment, weekly]
