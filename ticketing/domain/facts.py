"""Daily facts, the pure part: what one request adds to the facts, and the figures of a group
summed from fact rows. The rules themselves live in domain.report (first_on_time, the
working-time definition) and domain.ikm; this module only counts with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from . import ikm as ikm_rules
from .calendar import WorkingCalendar
from .report import CHANNELS, TYPES, Figures, TicketRow, answer_seconds, first_on_time

#: (day, unit id or 0, service id or 0, channel, type)
Key = tuple[date, int, int, str, str]


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def key_of(row: TicketRow, unit_id: int | None, service_id: int | None, tz: ZoneInfo) -> Key:
    return (local_day(row.created_dt, tz), unit_id or 0, service_id or 0, row.channel,
            row.type)


def contribution(row: TicketRow, calendar: WorkingCalendar | None) -> dict[str, float]:
    """What one request adds to the facts of its day of receipt. `calendar`: for an answered
    request whose working time to the answer was not stored (see report.answer_seconds)."""
    out: dict[str, float] = {"received": 1}
    if row.first_response_dt is not None:
        out["answered"] = 1
        if first_on_time(row):
            out["answered_on_time"] = 1
        out["answer_seconds"] = answer_seconds(row, calendar)
    return out


def late_days(due: datetime, stop: datetime | None, first_day: date, end_day: date,
              tz: ZoneInfo) -> Iterable[date]:
    """Days in [first_day, end_day) at whose end a request was open and past its deadline:
    the deadline had passed and it was neither answered nor closed yet (`stop`)."""
    day = max(first_day, local_day(due, tz))
    while day < end_day:
        end_of_day = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
        if stop is not None and stop < end_of_day:
            return
        if due < end_of_day:
            yield day
        day += timedelta(days=1)


@dataclass
class SummedFigures(Figures):
    """Figures summed from daily facts: the mean is exact, the median and 90th percentile are
    not available from sums (None)."""

    seconds_total: float = 0.0
    open_late: int = 0
    ikm_sums: list[int] = field(default_factory=lambda: [0] * len(ikm_rules.ELEMENT_KEYS))
    respondents: int = 0

    @property
    def mean_seconds(self) -> float | None:
        return self.seconds_total / self.answered if self.answered else None

    @property
    def median_seconds(self) -> float | None:
        return None

    @property
    def p90_seconds(self) -> float | None:
        return None

    def add(self, fact: dict) -> None:
        """Add one fact row (a mapping of the DailyFact columns)."""
        self.received += fact["received"]
        self.answered += fact["answered"]
        self.first_on_time += fact["answered_on_time"]
        self.seconds_total += fact["answer_seconds"]
        self.open_late += fact["open_late"]
        self.respondents += fact["respondents"]
        for i, key in enumerate(ikm_rules.ELEMENT_KEYS):
            self.ikm_sums[i] += fact[f"score_{key}"]
        if fact["received"]:
            self.by_type[fact["type"]] = self.by_type.get(fact["type"], 0) + fact["received"]
            self.by_channel[fact["channel"]] = (self.by_channel.get(fact["channel"], 0)
                                                + fact["received"])

    def finish(self) -> SummedFigures:
        """Compute the IKM from the sums (every element is answered by every respondent);
        every type and channel listed, as domain.report.figures does."""
        self.by_type = {t: self.by_type.get(t, 0) for t in TYPES} | self.by_type
        self.by_channel = {c: self.by_channel.get(c, 0) for c in CHANNELS} | self.by_channel
        self.ikm = ikm_rules.Ikm(respondents=self.respondents, sums=tuple(
            (total, self.respondents) for total in self.ikm_sums))
        return self

