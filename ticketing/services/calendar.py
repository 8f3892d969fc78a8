"""The office calendar in force, and the admin's changes to it (hours, periods, closures,
service targets). Every change is audited; it applies to tickets opened afterwards, since a
ticket keeps the deadline and target it was given."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from flask import current_app, g
from sqlalchemy import select

from ..domain.calendar import RAMADAN_WEEKLY_HOURS, SpecialHours, WorkingCalendar
from ..extensions import db
from ..models import Closure, OfficeHours, Service, SpecialPeriod, User
from . import audit, process_cache

DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")

Span = tuple[time, time] | None


class SettingsError(ValueError):
    """A change the calendar cannot take; `errors` maps field -> Indonesian message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# ------------------------------------------------------------------ reading

def weekly_hours() -> dict[int, Span]:
    """Regular hours per weekday: the admin's rows over the configured defaults."""
    hours: dict[int, Span] = dict(current_app.config["OFFICE_HOURS"])
    for row in db.session.scalars(select(OfficeHours)):
        if row.open_time is None or row.close_time is None:
            hours[row.weekday] = None
        else:
            hours[row.weekday] = (row.open_time, row.close_time)
    return hours


def hours_to_json(hours: Mapping[int, Span]) -> dict[str, list[str] | None]:
    return {str(d): ([f"{s[0]:%H:%M}", f"{s[1]:%H:%M}"] if s else None) for d, s in hours.items()}


def hours_from_json(data: Mapping[str, list[str] | None]) -> dict[int, Span]:
    out: dict[int, Span] = {}
    for key, span in (data or {}).items():
        out[int(key)] = (time.fromisoformat(span[0]), time.fromisoformat(span[1])) if span else None
    return out


def special_periods() -> list[SpecialPeriod]:
    return list(db.session.scalars(select(SpecialPeriod).order_by(SpecialPeriod.start_day)))


def office_calendar() -> WorkingCalendar:
    """The working-time calendar in force: weekly hours, special periods, closures.

    Kept per process (per app) for CALENDAR_CACHE_SECONDS: every intake and answer needs it
    and it changes a few times a year. An edit through this module forgets it at once in
    this process; other processes (web workers, the scheduler) see it within that time.
    """
    return process_cache.kept("office_calendar",
                              current_app.config.get("CALENDAR_CACHE_SECONDS", 60),
                              _read_calendar)


def _read_calendar() -> WorkingCalendar:
    hours = weekly_hours()
    closures = tuple(sorted((c.day, c.reason) for c in db.session.scalars(select(Closure))))
    periods = tuple(
        SpecialHours(p.start_day, p.end_day, hours_from_json(p.weekly_hours), p.name)
        for p in special_periods()
    )
    return _build(current_app.config["TIMEZONE"], tuple(hours.get(d) for d in range(7)),
                  closures, periods)


def request_calendar() -> WorkingCalendar:
    """office_calendar(), read once per app context (one request, one CLI command, one job
    run): for read paths that would otherwise ask the database per ticket of a list."""
    calendar = g.get("_office_calendar")
    if calendar is None:
        calendar = g._office_calendar = office_calendar()
    return calendar


def _forget() -> None:
    g.pop("_office_calendar", None)
    process_cache.forget("office_calendar")


process_cache.forget_on_commit("office_calendar", OfficeHours, Closure, SpecialPeriod)


@lru_cache(maxsize=16)
def _build(tz: str, weekly: tuple, closures: tuple, periods: tuple) -> WorkingCalendar:
    # Cached on the settings themselves, so an edit is seen at once and the calendar's
    # holiday cache survives between calls that see the same settings.
    return WorkingCalendar(tz=tz, weekly_hours=dict(enumerate(weekly)),
                           closures=dict(closures), special_periods=periods)


# ------------------------------------------------------------------ changing

def _parse_time(value: str | time | None, field: str, errors: dict) -> time | None:
    if value in (None, ""):
        return None
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value).strip().replace(".", ":"))
    except ValueError:
        errors[field] = "Tulis jam seperti 07.30."
        return None


def _check_span(open_t: time | None, close_t: time | None, field: str, errors: dict) -> Span:
    if open_t is None and close_t is None:
        return None
    if open_t is None or close_t is None:
        errors[field] = "Isi jam buka dan jam tutup, atau kosongkan keduanya (tutup)."
        return None
    if open_t >= close_t:
        errors[field] = "Jam buka harus sebelum jam tutup."
        return None
    return (open_t, close_t)


def _label(span: Span) -> str:
    return f"{span[0]:%H.%M}-{span[1]:%H.%M}" if span else "tutup"


def set_office_hours(weekday: int, open_at: str | time | None, close_at: str | time | None,
                     now: datetime, *, actor: User | None = None,
                     actor_label: str | None = None) -> None:
    """Set one weekday's regular hours (both empty: closed). Audited; no commit."""
    errors: dict[str, str] = {}
    if weekday not in range(7):
        raise SettingsError({"weekday": "Hari tidak dikenal."})
    span = _check_span(_parse_time(open_at, "open", errors), _parse_time(close_at, "close", errors),
                       "hours", errors)
    if errors:
        raise SettingsError(errors)
    old = weekly_hours().get(weekday)
    if old == span:
        return
    row = db.session.scalar(select(OfficeHours).where(OfficeHours.weekday == weekday))
    if row is None:
        row = OfficeHours(weekday=weekday)
        db.session.add(row)
    row.open_time, row.close_time = (span or (None, None))
    row.updated_dt = now
    row.updated_by_id = actor.id if actor else None
    audit.record(None, "calendar_hours", now, actor=actor, actor_label=actor_label,
                 old=f"{DAY_NAMES[weekday]} {_label(old)}",
                 new=f"{DAY_NAMES[weekday]} {_label(span)}")
    db.session.flush()
    _forget()


def add_special_period(name: str, start: date, end: date, hours: Mapping[int, Span] | None,
                       now: datetime, *, actor: User | None = None,
                       actor_label: str | None = None) -> SpecialPeriod:
    """A date range with its own hours; hours None: Palembang's Ramadan schedule. No commit."""
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Beri nama periode, misalnya Ramadan 1448 H."
    if start is None or end is None:
        errors["start"] = "Isi tanggal mulai dan selesai."
    elif end < start:
        errors["end"] = "Tanggal selesai harus sesudah tanggal mulai."
    elif (end - start).days > 366:
        errors["end"] = "Periode paling lama satu tahun."
    hours = dict(RAMADAN_WEEKLY_HOURS if hours is None else hours)
    if not errors:
        try:
            SpecialHours(start, end, hours, name)
        except ValueError:
            errors["hours"] = "Jam kerja periode tidak valid."
    if errors:
        raise SettingsError(errors)
    period = SpecialPeriod(name=name[:120], start_day=start, end_day=end,
                           weekly_hours=hours_to_json(hours), created_dt=now,
                           created_by_id=actor.id if actor else None)
    db.session.add(period)
    db.session.flush()
    audit.record(None, "calendar_period", now, actor=actor, actor_label=actor_label,
                 new=f"{name} {start.isoformat()}..{end.isoformat()}",
                 detail={"id": period.id, "hours": period.weekly_hours})
    db.session.flush()
    _forget()
    return period


def remove_special_period(period_id: int, now: datetime, *, actor: User | None = None,
                          actor_label: str | None = None) -> None:
    period = db.session.get(SpecialPeriod, period_id)
    if period is None:
        raise SettingsError({"period": "Periode tidak ditemukan."})
    audit.record(None, "calendar_period", now, actor=actor, actor_label=actor_label,
                 old=f"{period.name} {period.start_day.isoformat()}..{period.end_day.isoformat()}",
                 detail={"id": period.id, "hours": period.weekly_hours})
    db.session.delete(period)
    db.session.flush()
    _forget()


def add_closure(day: date, reason: str, now: datetime, *, actor: User | None = None,
                actor_label: str | None = None) -> Closure:
    """An extra closed day (beyond national holidays and cuti bersama). No commit."""
    reason = (reason or "").strip()
    errors = {}
    if day is None:
        errors["day"] = "Isi tanggal."
    if not reason:
        errors["reason"] = "Tulis alasannya, misalnya Libur daerah."
    if not errors and db.session.scalar(select(Closure.id).where(Closure.day == day)):
        errors["day"] = "Tanggal itu sudah tercatat sebagai hari tutup."
    if errors:
        raise SettingsError(errors)
    closure = Closure(day=day, reason=reason[:200], created_dt=now,
                      created_by_id=actor.id if actor else None)
    db.session.add(closure)
    audit.record(None, "calendar_closure", now, actor=actor, actor_label=actor_label,
                 new=f"{day.isoformat()} {reason}")
    db.session.flush()
    _forget()
    return closure


def remove_closure(day: date, now: datetime, *, actor: User | None = None,
                   actor_label: str | None = None) -> None:
    closure = db.session.scalar(select(Closure).where(Closure.day == day))
    if closure is None:
        raise SettingsError({"day": "Tanggal itu bukan hari tutup."})
    audit.record(None, "calendar_closure", now, actor=actor, actor_label=actor_label,
                 old=f"{closure.day.isoformat()} {closure.reason}")
    db.session.delete(closure)
    db.session.flush()
    _forget()


@dataclass
class TargetChange:
    target_days: str | Decimal | float | None
    warning_percent: str | int | None = None
    level2_days: str | Decimal | float | None = None


def _decimal(value, field: str, errors: dict, *, low: Decimal, high: Decimal) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        errors[field] = "Tulis angka, misalnya 1 atau 0,5."
        return None
    if not (low < number <= high):
        errors[field] = f"Harus lebih dari {low} dan paling banyak {high}."
        return None
    return number.quantize(Decimal("0.01"))


def set_service_target(service: Service, change: TargetChange, now: datetime, *,
                       actor: User | None = None, actor_label: str | None = None) -> None:
    """Change a service's SLA target and thresholds (empty threshold: the default). No commit.

    Tickets already open keep their deadline; new tickets get the new target.
    """
    errors: dict[str, str] = {}
    target = _decimal(change.target_days, "target_days", errors, low=Decimal(0),
                      high=Decimal(60))
    if target is None and "target_days" not in errors:
        errors["target_days"] = "Isi target dalam hari kerja."
    level2 = _decimal(change.level2_days, "level2_days", errors, low=Decimal(0),
                      high=Decimal(30))
    percent = None
    if change.warning_percent not in (None, ""):
        try:
            percent = int(str(change.warning_percent).strip())
            if not 1 <= percent <= 99:
                raise ValueError
        except ValueError:
            errors["warning_percent"] = "Isi persen antara 1 dan 99."
    if errors:
        raise SettingsError(errors)
    old = (service.target_days, service.sla_warning_percent, service.sla_level2_days)
    new = (target, percent, level2)
    if tuple(None if v is None else Decimal(v) for v in old) == \
            tuple(None if v is None else Decimal(v) for v in new):
        return
    service.target_days, service.sla_warning_percent, service.sla_level2_days = new
    audit.record(None, "service_target", now, actor=actor, actor_label=actor_label,
                 old=_target_label(*old), new=_target_label(*new),
                 detail={"service": service.slug})
    db.session.flush()
    _forget()


def _target_label(target, percent, level2) -> str:
    return (f"{target} hari kerja; pengingat {percent if percent is not None else 'standar'}%; "
            f"eskalasi 2 +{level2 if level2 is not None else 'standar'} hari")
