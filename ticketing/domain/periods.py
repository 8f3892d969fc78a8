"""Reporting periods: a quarter (2026-Q4), a month (2026-11) or any date range.

Pure domain code. A period is a half-open range of office-calendar dates [start, end); its
moments are midnight in the office's zone, so a request received on 31 December at 23.00 WIB
belongs to Q4 even though it is already 16.00 UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
             "September", "Oktober", "November", "Desember")
ROMAN = ("I", "II", "III", "IV")

_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
#: the API refuses anything outside these years: a typo, not a period anyone means
FIRST_YEAR, LAST_YEAR = 2000, 2100


class PeriodError(ValueError):
    """A period that cannot be read; the message is for the user (Indonesian)."""


@dataclass(frozen=True)
class Period:
    """Dates [start, end) of the office calendar, with how it was asked for."""

    kind: str  # quarter | month | range
    start: date
    end: date  # exclusive

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise PeriodError("Tanggal akhir harus sesudah tanggal awal.")

    @property
    def key(self) -> str:
        """2026-Q4, 2026-11 or 2026-10-01..2026-12-31 (inclusive last day)."""
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        return f"{self.start.isoformat()}..{self.last_day.isoformat()}"

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def label(self) -> str:
        """Indonesian words: 'Triwulan IV 2026', 'November 2026', '1 Oktober - 15 November 2026'."""
        if self.kind == "quarter":
            return f"Triwulan {ROMAN[(self.start.month - 1) // 3]} {self.start.year}"
        if self.kind == "month":
            return f"{MONTHS_ID[self.start.month - 1]} {self.start.year}"
        return f"{day_words(self.start)} - {day_words(self.last_day)}"

    def label_in(self, locale: str) -> str:
        """The label in the reader's language ('id' is the official wording above)."""
        if locale == "id":
            return self.label
        from babel.dates import format_date

        if self.kind == "quarter":
            return f"Quarter {ROMAN[(self.start.month - 1) // 3]} {self.start.year}"
        if self.kind == "month":
            return format_date(self.start, "MMMM y", locale=locale)
        return (f"{format_date(self.start, 'd MMMM y', locale=locale)} - "
                f"{format_date(self.last_day, 'd MMMM y', locale=locale)}")

    @property
    def span_words(self) -> str:
        """'1 Oktober 2026 - 31 Desember 2026'."""
        return f"{day_words(self.start)} - {day_words(self.last_day)}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def bounds(self, tz: str | ZoneInfo) -> tuple[datetime, datetime]:
        """Aware moments [start, end): midnight of the first and of the day after the last."""
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        return (datetime.combine(self.start, datetime.min.time(), tzinfo=zone),
                datetime.combine(self.end, datetime.min.time(), tzinfo=zone))

    def previous(self) -> Period:
        """The period before: the previous quarter or month, or the same number of days."""
        if self.kind == "quarter":
            return quarter(*_shift_quarter(self.start.year, (self.start.month - 1) // 3 + 1, -1))
        if self.kind == "month":
            year, month = (self.start.year, self.start.month - 1) if self.start.month > 1 \
                else (self.start.year - 1, 12)
            return month_period(year, month)
        return Period("range", self.start - timedelta(days=self.days), self.start)

    def months(self) -> list[date]:
        """First day of every month the period touches."""
        out, d = [], self.start.replace(day=1)
        while d < self.end:
            out.append(d)
            d = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
        return out

    def weeks(self) -> list[date]:
        """Monday of every week the period touches."""
        out, d = [], self.start - timedelta(days=self.start.weekday())
        while d < self.end:
            out.append(d)
            d += timedelta(days=7)
        return out


def day_words(d: date) -> str:
    return f"{d.day} {MONTHS_ID[d.month - 1]} {d.year}"


def _shift_quarter(year: int, q: int, by: int) -> tuple[int, int]:
    n = year * 4 + (q - 1) + by
    return n // 4, n % 4 + 1


def quarter(year: int, q: int) -> Period:
    if not 1 <= q <= 4:
        raise PeriodError("Triwulan harus 1 sampai 4.")
    start = date(year, 3 * (q - 1) + 1, 1)
    end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return Period("quarter", start, end)


def month_period(year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise PeriodError("Bulan harus 01 sampai 12.")
    start = date(year, month, 1)
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return Period("month", start, end)


def date_range(first: date, last: date) -> Period:
    """The inclusive dates first..last (at most about three years)."""
    if last < first:
        raise PeriodError("Tanggal akhir tidak boleh sebelum tanggal awal.")
    if (last - first).days > 3 * 366:
        raise PeriodError("Rentang paling lama tiga tahun.")
    return Period("range", first, last + timedelta(days=1))


PERIOD_HELP = ("Tulis periode sebagai triwulan (contoh 2026-Q4) atau bulan (contoh 2026-11).")


def parse_period(text: str | None) -> Period:
    """A quarter 'YYYY-Qn' or a month 'YYYY-MM'; PeriodError with a clear message otherwise."""
    value = (text or "").strip()
    if not value:
        raise PeriodError("Periode belum diisi. " + PERIOD_HELP)
    m = _QUARTER.match(value)
    if m:
        year = _year(int(m.group(1)))
        return quarter(year, int(m.group(2)))
    m = _MONTH.match(value)
    if m:
        year = _year(int(m.group(1)))
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise PeriodError(f"Bulan {m.group(2)} tidak ada. " + PERIOD_HELP)
        return month_period(year, month)
    raise PeriodError(f"Periode '{value[:40]}' tidak dikenal. " + PERIOD_HELP)


def _year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodError(f"Tahun {year} di luar rentang {FIRST_YEAR}-{LAST_YEAR}.")
    return year


def containing(d: date, kind: str) -> Period:
    """The quarter or month that contains d."""
    if kind == "quarter":
        return quarter(d.year, (d.month - 1) // 3 + 1)
    return month_period(d.year, d.month)


def recent(today: date, kind: str, count: int) -> list[Period]:
    """The current period and the count-1 before it, newest first (for period pickers)."""
    current = containing(today, kind)
    out = [current]
    while len(out) < count:
        out.append(out[-1].previous())
    return out
