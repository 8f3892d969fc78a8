"""Admin-editable working calendar and service targets: validated, audited, used by new tickets."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import AuditEntry, Service
from ticketing.services import calendar as settings
from ticketing.services.calendar import SettingsError, TargetChange
from ticketing.services.transaction import run

from ..factories import gen_ticket

WIB = ZoneInfo("Asia/Jakarta")


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


NOW = wib(2026, 11, 30, 9, 0)


def audit_actions() -> list[tuple[str, str | None, str | None]]:
    """Settings entries (ticket entries such as 'created' left out)."""
    return [(a.action, a.old_value, a.new_value)
            for a in db.session.scalars(select(AuditEntry).where(AuditEntry.ticket_id.is_(None))
                                        .order_by(AuditEntry.id))]


def test_without_settings_the_configured_hours_apply(app):
    cal = settings.office_calendar()
    assert cal.hours_on(date(2026, 12, 4))[1].time() == time(16, 30)
    assert not cal.is_working_day(date(2026, 12, 5))
    assert not cal.is_working_day(date(2026, 12, 24))  # cuti bersama


def test_office_hours_change_is_audited_and_used(app):
    run(settings.set_office_hours, 5, "08.00", "12.00", NOW, actor_label="admin")
    assert settings.office_calendar().is_working_day(date(2026, 12, 5))
    run(settings.set_office_hours, 0, None, None, NOW, actor_label="admin")  # Mondays closed
    assert not settings.office_calendar().is_working_day(date(2026, 12, 7))
    run(settings.set_office_hours, 0, None, None, NOW)  # unchanged: no new audit entry
    assert audit_actions() == [("calendar_hours", "Sabtu tutup", "Sabtu 08.00-12.00"),
                               ("calendar_hours", "Senin 07.30-16.00", "Senin tutup")]
    # A ticket received Friday 16.45 (after closing) now starts on Saturday 08.00.
    ticket = gen_ticket(wib(2026, 12, 4, 16, 45))
    assert ticket.sla_start_dt == wib(2026, 12, 5, 8, 0)


@pytest.mark.parametrize("open_at,close_at,field", [
    ("12.00", "08.00", "hours"), ("7:3x", "16.00", "open"), ("07.30", None, "hours")])
def test_invalid_hours_are_refused(app, open_at, close_at, field):
    with pytest.raises(SettingsError) as err:
        run(settings.set_office_hours, 1, open_at, close_at, NOW)
    assert field in err.value.errors
    assert audit_actions() == []


def test_ramadan_period_defaults_to_palembangs_0800_start(app):
    period = run(settings.add_special_period, "Ramadan 1448 H", date(2027, 2, 8), date(2027, 3, 9),
                                         None, NOW, actor_label="admin")
    assert period.weekly_hours["0"] == ["08:00", "15:00"]
    assert period.weekly_hours["4"] == ["08:00", "15:30"]
    # Received Tuesday 9 Feb 2027 07.40: the clock starts at 08.00, due Wednesday 08.00.
    ticket = gen_ticket(wib(2027, 2, 9, 7, 40))
    assert ticket.sla_start_dt == wib(2027, 2, 9, 8, 0)
    assert ticket.due_dt == wib(2027, 2, 10, 8, 0)
    assert ticket.sla_target_seconds == 7 * 3600
    settings.remove_special_period(period.id, NOW, actor_label="admin")
    assert [a[0] for a in audit_actions()] == ["calendar_period", "calendar_period"]
    assert settings.office_calendar().hours_on(date(2027, 2, 9))[0].time() == time(7, 30)


def test_invalid_period_is_refused(app):
    with pytest.raises(SettingsError) as err:
        run(settings.add_special_period, "", date(2027, 3, 9), date(2027, 2, 8), None, NOW)
    assert set(err.value.errors) == {"name", "end"}


def test_closures(app):
    run(settings.add_closure, date(2026, 12, 3), "Libur daerah", NOW, actor_label="admin")
    with pytest.raises(SettingsError):
        run(settings.add_closure, date(2026, 12, 3), "lagi", NOW)
    ticket = gen_ticket(wib(2026, 12, 2, 10, 0))
    assert ticket.due_dt == wib(2026, 12, 4, 10, 0)
    settings.remove_closure(date(2026, 12, 3), NOW, actor_label="admin")
    with pytest.raises(SettingsError):
        settings.remove_closure(date(2026, 12, 3), NOW)
    assert [a[0] for a in audit_actions()] == ["calendar_closure", "calendar_closure"]
    assert settings.office_calendar().is_working_day(date(2026, 12, 3))


def test_request_calendar_sees_a_change_made_through_the_service(app):
    assert settings.request_calendar().is_working_day(date(2026, 12, 3))
    run(settings.add_closure, date(2026, 12, 3), "Libur daerah", NOW)
    assert not settings.request_calendar().is_working_day(date(2026, 12, 3))


def test_service_target_change_applies_to_new_tickets_only(app):
    old = gen_ticket(wib(2026, 12, 2, 10, 0))
    service = db.session.scalar(select(Service).where(Service.slug == "sertifikat-halal"))
    run(settings.set_service_target, service, TargetChange("2", "80", "0,5"), NOW,
                                actor_label="admin")
    assert (str(service.target_days), service.sla_warning_percent,
            str(service.sla_level2_days)) == ("2.00", 80, "0.50")
    new = gen_ticket(wib(2026, 12, 2, 10, 0))
    assert old.due_dt == wib(2026, 12, 3, 10, 0)
    assert new.due_dt == wib(2026, 12, 4, 10, 0)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.ticket_id.is_(None))).one()
    assert entry.action == "service_target" and entry.detail == {"service": "sertifikat-halal"}
    assert entry.old_value.startswith("1.00 hari kerja; pengingat standar%")
    # Same values again: nothing to audit.
    run(settings.set_service_target, service, TargetChange("2.00", 80, "0.5"), NOW)
    assert len(audit_actions()) == 1


@pytest.mark.parametrize("change,field", [
    (TargetChange(""), "target_days"), (TargetChange("0"), "target_days"),
    (TargetChange("abc"), "target_days"), (TargetChange("1", "100"), "warning_percent"),
    (TargetChange("1", None, "-1"), "level2_days")])
def test_invalid_targets_are_refused(app, change, field):
    service = db.session.scalar(select(Service).where(Service.slug == "hki"))
    with pytest.raises(SettingsError) as err:
        run(settings.set_service_target, service, change, NOW)
    assert field in err.value.errors
