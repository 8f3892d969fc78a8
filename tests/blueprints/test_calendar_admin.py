"""The admin's calendar and target pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import AuditEntry, Closure, Service, SpecialPeriod
from ticketing.services.calendar import office_calendar, weekly_hours

from ..support.staff import login, staff

EARLY = datetime(2026, 11, 1, tzinfo=UTC)


def hours_form(**changes) -> dict:
    data = {}
    for day, span in weekly_hours().items():
        data[f"open_{day}"] = f"{span[0]:%H.%M}" if span else ""
        data[f"close_{day}"] = f"{span[1]:%H.%M}" if span else ""
    data.update(changes)
    return data


def test_page_shows_the_settings_in_force(admin_client):
    html = admin_client.get("/admin/kalender/").get_data(as_text=True)
    assert 'name="open_0"' in html and 'value="07.30"' in html and 'value="16.30"' in html
    assert "Ramadan di Palembang mulai 08.00" in html
    assert 'data-service="sertifikat-halal"' in html


@pytest.mark.parametrize("role", ["staf", "ketua_tim", "kabid", "kepala_dinas"])
def test_only_the_admin_may_change_the_calendar(client, app, role):
    login(client, staff(EARLY, role, "PUMK"))
    assert client.get("/admin/kalender/").status_code == 403
    assert client.post("/admin/kalender/tutup", data={"day": "2026-12-31",
                                                      "reason": "x"}).status_code == 403
    assert db.session.scalar(select(Closure.id)) is None


def test_change_friday_hours(admin_client):
    response = admin_client.post("/admin/kalender/jam", data=hours_form(close_4="11.30"))
    assert response.status_code == 302
    assert office_calendar().hours_on(date(2026, 12, 4))[1].time() == time(11, 30)
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.new_value) == ("calendar_hours", "Jumat 07.30-11.30")
    assert entry.actor_label.startswith("Admin")


def test_invalid_hours_are_shown_not_saved(admin_client):
    response = admin_client.post("/admin/kalender/jam", data=hours_form(open_1="17.00"))
    assert response.status_code == 422
    assert "Jam buka harus sebelum jam tutup." in response.get_data(as_text=True)
    assert office_calendar().hours_on(date(2026, 12, 1))[0].time() == time(7, 30)


def test_add_and_remove_a_ramadan_period(admin_client):
    response = admin_client.post("/admin/kalender/periode", data={
        "name": "Ramadan 1448 H", "start": "2027-02-08", "end": "2027-03-09",
        "open_time": "08.00", "close_time": "15.00", "friday_close": "15.30"})
    assert response.status_code == 302
    period = db.session.scalars(select(SpecialPeriod)).one()
    assert period.weekly_hours["4"] == ["08:00", "15:30"] and period.weekly_hours["5"] is None
    assert office_calendar().hours_on(date(2027, 2, 9))[0].time() == time(8, 0)
    assert "Ramadan 1448 H" in admin_client.get("/admin/kalender/").get_data(as_text=True)
    assert admin_client.post(f"/admin/kalender/periode/{period.id}/hapus").status_code == 302
    assert db.session.scalar(select(SpecialPeriod.id)) is None
    bad = admin_client.post("/admin/kalender/periode", data={
        "name": "Salah", "start": "2027-03-09", "end": "2027-02-08",
        "open_time": "08.00", "close_time": "15.00", "friday_close": "15.30"})
    assert bad.status_code == 422
    assert "Tanggal selesai harus sesudah tanggal mulai." in bad.get_data(as_text=True)


def test_add_and_remove_a_closure(admin_client):
    assert admin_client.post("/admin/kalender/tutup", data={
        "day": "2026-12-31", "reason": "Libur daerah"}).status_code == 302
    assert not office_calendar().is_working_day(date(2026, 12, 31))
    again = admin_client.post("/admin/kalender/tutup", data={"day": "2026-12-31",
                                                             "reason": "lagi"})
    assert again.status_code == 422
    assert admin_client.post("/admin/kalender/tutup/2026-12-31/hapus").status_code == 302
    assert office_calendar().is_working_day(date(2026, 12, 31))
    assert admin_client.post("/admin/kalender/tutup/2026-12-31/hapus").status_code == 404


def test_edit_a_service_target(admin_client):
    response = admin_client.post("/admin/kalender/target/hki", data={
        "s2-target_days": "1,5", "s2-warning_percent": "80", "s2-level2_days": ""})
    service = db.session.scalar(select(Service).where(Service.slug == "hki"))
    assert service.id == 2, "form prefix follows the service id"
    assert response.status_code == 302
    db.session.refresh(service)
    assert (str(service.target_days), service.sla_warning_percent, service.sla_level2_days) == (
        "1.50", 80, None)
    bad = admin_client.post("/admin/kalender/target/hki", data={
        "s2-target_days": "0", "s2-warning_percent": "", "s2-level2_days": ""},
        follow_redirects=True)
    assert "Harus lebih dari 0" in bad.get_data(as_text=True)
    assert admin_client.post("/admin/kalender/target/tidak-ada", data={}).status_code == 404
