"""Bar-chart geometry shared by the report page (server-rendered SVG, no JavaScript) and the
PDF (reportlab drawings), so both show the same chart. Pure: numbers in, rectangles out.

Coordinates are SVG's: origin top-left, y grows downwards (the PDF flips them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .ikm import ELEMENT_CODES
from .periods import MONTHS_ID
from .report import Report, share

MONTHS_SHORT = tuple(m[:3] for m in MONTHS_ID)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    #: the value as printed above the bar
    text: str
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class BarChart:
    key: str
    title: str
    width: float
    height: float
    left: float
    top: float
    right: float
    bottom: float
    bars: tuple[Bar, ...]
    #: (y, label) of the horizontal grid lines
    ticks: tuple[tuple[float, str], ...]
    #: a one-line summary for screen readers and the PDF's text layer
    summary: str

    @property
    def baseline(self) -> float:
        return self.bottom


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
              max_value: float | None = None, width: float = 640, height: float = 220,
              ticks: int = 4) -> BarChart:
    """Vertical bars for (label, value, printed text); None draws no bar."""
    left, right, top, bottom = 40.0, width - 10.0, 28.0, height - 28.0
    values = [v for _, v, _ in items if v is not None]
    if max_value is not None:
        top_value = max_value
    else:
        step = _nice_step(max(values, default=0) / ticks)
        top_value = step * max(1, math.ceil(max(values, default=0) / step))
        ticks = round(top_value / step)
    slot = (right - left) / max(len(items), 1)
    bar_w = slot * 0.7
    bars = []
    for i, (label, value, text) in enumerate(items):
        h = 0.0 if value is None else (bottom - top) * min(value, top_value) / top_value
        bars.append(Bar(label, value, text, left + i * slot + (slot - bar_w) / 2, bottom - h,
                        bar_w, h))
    grid = tuple((bottom - (bottom - top) * k / ticks, _fmt(top_value * k / ticks))
                 for k in range(ticks + 1))
    summary = f"{title}: " + "; ".join(f"{label} {text}" for label, _, text in items)
    return BarChart(key, title, width, height, left, top, right, bottom, tuple(bars), grid,
                    summary)


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


def _comma(value) -> str:
    """Indonesian decimal comma, as in the tables."""
    return str(value).replace(".", ",")


def _week_label(monday: date) -> str:
    return f"{monday.day}/{monday.month}"


def report_charts(report: Report, ikm_minimum: int = 0) -> list[BarChart]:
    """The evaluation's three charts: volume per week, attainment per month, IKM per element
    (left empty below `ikm_minimum` respondents, as the published index is)."""
    weekly = bar_chart(
        "volume", "Permohonan diterima per minggu",
        [(_week_label(monday), float(n), str(n)) for monday, n in report.weekly_volume])
    monthly = []
    for first, answered, on_time in report.monthly_attainment:
        pct = share(on_time, answered)
        monthly.append((f"{MONTHS_SHORT[first.month - 1]} {first.year}",
                        None if pct is None else float(pct),
                        "-" if pct is None else f"{_comma(pct)}%"))
    attainment = bar_chart("attainment", "Jawaban pertama tepat waktu per bulan (%)", monthly,
                           max_value=100)
    result = report.overall.figures.ikm
    enough = result.respondents >= ikm_minimum
    elements = []
    for i, code in enumerate(ELEMENT_CODES):
        value = result.element_index(i) if enough else None
        elements.append((code, None if value is None else float(value),
                         "-" if value is None else _comma(value)))
    ikm_chart = bar_chart("ikm", "IKM per unsur (nilai 25-100)", elements, max_value=100)
    return [weekly, attainment, ikm_chart]
