"""Daily facts: the figures of every report, per day of receipt, unit, service, channel and
type, so a quarter's report sums ~90 small rows per group instead of reading every ticket.

Each of those keys has up to SHARDS rows (`shard`): a request's changes go to the row of its
id (services.facts.shard_of), so concurrent requests of the same day and service add to
different rows instead of queueing for one row's lock until each commit; readers sum them.

Kept in the same transaction as each change by services.facts (a flush listener) and
rebuilt idempotently by `flask facts rebuild` / the nightly job, which also writes
`open_late` (a snapshot that no single change can maintain).
"""

from __future__ import annotations

from sqlalchemy import Date, Float, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.ikm import ELEMENT_KEYS
from ..extensions import db

#: unit_id / service_id of a fact without a unit (triage) or without a service
NONE = 0


class DailyFact(db.Model):
    """One day x unit x service x channel x type: counts and sums (never a person's data)."""

    __tablename__ = "daily_facts"
    __table_args__ = (Index("ix_daily_facts_unit_day", "unit_id", "day"),)

    #: the office's local date the request was received (the survey: submitted)
    day = mapped_column(Date, primary_key=True)
    #: the unit's id; 0: no unit yet (triage). Not a foreign key: facts outlive renames.
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: the service's id; 0: none
    service_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    type: Mapped[str] = mapped_column(String(20), primary_key=True)
    #: which of the key's rows (services.facts.shard_of); the rebuild writes 0
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False,
                                       default=0, server_default="0")
    #: requests received that day
    received: Mapped[int] = mapped_column(default=0)
    #: of those, given a first substantive answer (so far)
    answered: Mapped[int] = mapped_column(default=0)
    #: of those, answered on time (domain.report.first_on_time)
    answered_on_time: Mapped[int] = mapped_column(default=0)
    #: office seconds from receipt to the first answer, summed over the answered
    answer_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    #: requests (any receipt day) open, unanswered and past their deadline at the day's end;
    #: written by the rebuild only
    open_late: Mapped[int] = mapped_column(default=0)
    #: survey responses submitted that day (unit and service of the response)
    respondents: Mapped[int] = mapped_column(default=0)
    #: sums of the responses' scores per element (unsur), in domain.ikm.ELEMENT_KEYS order
    score_persyaratan: Mapped[int] = mapped_column(default=0)
    score_prosedur: Mapped[int] = mapped_column(default=0)
    score_waktu: Mapped[int] = mapped_column(default=0)
    score_biaya: Mapped[int] = mapped_column(default=0)
    score_produk: Mapped[int] = mapped_column(default=0)
    score_kompetensi: Mapped[int] = mapped_column(default=0)
    score_perilaku: Mapped[int] = mapped_column(default=0)
    score_pengaduan: Mapped[int] = mapped_column(default=0)
    score_sarana: Mapped[int] = mapped_column(default=0)



#: must follow ELEMENT_KEYS (checked by the test of the facts)
SCORE_COLUMNS = tuple(f"score_{key}" for key in ELEMENT_KEYS)
MEASURES = ("received", "answered", "answered_on_time", "answer_seconds", "open_late",
            "respondents", *SCORE_COLUMNS)
