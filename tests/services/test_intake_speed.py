"""Intake without avoidable round trips: the calendar and the catalogue kept per process (an
edit here is seen at once, one elsewhere within CALENDAR_CACHE_SECONDS or
CATALOGUE_CACHE_SECONDS), and no SELECT before the insert for the random code (the unique
index decides; a clash is retried with another code)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import insert, select, update

from ticketing.extensions import db
from ticketing.models import Closure, Service, Ticket
from ticketing.services import calendar as calendar_service
from ticketing.services import catalogue, intake
from ticketing.services.transaction import run

from ..factories import gen_ticket
from ..support.sql import recorded_sql
from ..support.staff import staff

#: Monday 7 Dec 2026, 10.00 WIB
MONDAY = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def test_the_calendar_is_kept_and_an_edit_here_is_seen_at_once(app):
    first = calendar_service.office_calendar()
    assert calendar_service.office_calendar() is first
    run(calendar_service.add_closure, date(2026, 12, 8), "Rapat kerja", MONDAY)
    edited = calendar_service.office_calendar()
    assert edited is not first and not edited.is_working_day(date(2026, 12, 8))


def test_an_edit_by_another_process_is_seen_after_the_cache_time(app):
    calendar_service.office_calendar()
    # another process (a second web worker, the scheduler) adds a closure
    db.session.execute(insert(Closure), [{"day": date(2026, 12, 9), "reason": "Banjir"}])
    db.session.commit()
    assert calendar_service.office_calendar().is_working_day(date(2026, 12, 9))
    app.config["CALENDAR_CACHE_SECONDS"] = 0
    assert not calendar_service.office_calendar().is_working_day(date(2026, 12, 9))


def test_intake_asks_nothing_before_the_insert(app):
    gen_ticket(MONDAY)  # catalogue and calendar read once
    with recorded_sql() as seen:
        gen_ticket(MONDAY)
    statements = [statement for statement, _ in seen]
    assert not any("calendar" in s for s in statements), statements
    assert not any(s.lstrip().startswith("SELECT tickets.id") for s in statements), statements


def test_a_code_clash_is_retried_with_another_code(app, monkeypatch):
    taken = gen_ticket(MONDAY)
    codes = iter([taken.code, "ABCD-EFGH"])
    monkeypatch.setattr(intake, "new_code", lambda: next(codes))
    ticket = gen_ticket(MONDAY, subject="Kode bentrok")
    assert ticket.code == "ABCD-EFGH"
    assert db.session.scalar(select(Ticket.subject).where(Ticket.code == taken.code)) != \
        "Kode bentrok"


API_BODY = {"name": "Rina", "email": "rina@example.com", "type": "informasi",
            "service": "rekomendasi-izin-koperasi", "subject": "Rekomendasi izin KSP",
            "message": "Apa saja syarat rekomendasi izin usaha simpan pinjam?"}


def _service_reads(client, body) -> tuple[int, list[str]]:
    """(status, SQL statements that read the services table) of one API intake."""
    with recorded_sql() as seen, time_machine.travel(MONDAY, tick=False):
        status = client.post("/api/v1/requests", json=body).status_code
    return status, [statement for statement, _ in seen if "FROM services" in statement]


def test_intake_reads_the_catalogue_once_per_process_and_no_service_per_request(app, client):
    assert _service_reads(client, API_BODY)[0] == 201
    status, statements = _service_reads(client, {**API_BODY, "subject": "Kedua"})
    assert status == 201
    # the chosen service and its unit come from this process's copy: no query at all
    assert statements == []
    ticket = db.session.scalar(select(Ticket).where(Ticket.subject == "Kedua"))
    assert ticket.service.slug == "rekomendasi-izin-koperasi"
    assert ticket.unit.code == "KELEMBAGAAN"
    assert ticket.routing_reason == f"dipilih pemohon: {ticket.service.name}"


def test_an_admin_edit_of_the_catalogue_is_seen_at_once(app, client):
    first = catalogue.active_services()
    assert catalogue.active_services() is first
    admin = staff(MONDAY, "admin", None)
    halal = db.session.scalar(select(Service).where(Service.slug == "sertifikat-halal"))
    bodies = {c["key"]: c["body"] for c in halal.components}
    run(catalogue.update_service, halal, MONDAY, actor=admin, name="Sertifikasi Halal Gratis",
        summary=halal.summary, is_active=True, bodies=bodies)
    assert "Sertifikasi Halal Gratis" in client.get("/permohonan").get_data(as_text=True)
    run(catalogue.update_service, halal, MONDAY, actor=admin, name="Sertifikasi Halal Gratis",
        summary=halal.summary, is_active=False, bodies=bodies)
    assert 'value="sertifikat-halal"' not in client.get("/permohonan").get_data(as_text=True)
    status = _service_reads(client, {**API_BODY, "service": "sertifikat-halal"})[0]
    assert status == 422
    with pytest.raises(intake.IntakeError):
        gen_ticket(MONDAY, service="sertifikat-halal")


def test_a_catalogue_edit_by_another_process_is_seen_after_the_cache_time(app):
    assert catalogue.active_service("hki") is not None
    db.session.execute(update(Service).where(Service.slug == "hki").values(is_active=False))
    db.session.commit()
    assert catalogue.active_service("hki") is not None  # this process's copy
    # ...which intake trusts for that time, as the form still lists it
    assert gen_ticket(MONDAY, service="hki").service.slug == "hki"
    app.config["CATALOGUE_CACHE_SECONDS"] = 0
    assert catalogue.active_service("hki") is None
    with pytest.raises(intake.IntakeError):
        gen_ticket(MONDAY, service="hki")
