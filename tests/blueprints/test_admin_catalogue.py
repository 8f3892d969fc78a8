"""The admin edits the published standard; nobody else can; every change is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import AuditEntry, Service
from ticketing.services.catalogue import COMPONENT_KEYS

from ..support.staff import StaffClient, login
from ..support.staff import staff as gen_staff


def _form(service: Service, **overrides) -> dict:
    data = {"name": service.name, "summary": service.summary, "is_active": "y"}
    data.update({f"c_{c['key']}": c["body"] for c in service.components})
    data.update(overrides)
    return data


def _halal() -> Service:
    return db.session.scalar(select(Service).where(Service.slug == "sertifikat-halal"))


def _client(app, user) -> StaffClient:
    app.test_client_class = StaffClient
    client = app.test_client()
    login(client, user)
    return client


def test_admin_edits_a_component_and_the_public_page_shows_it(app, now):
    admin = gen_staff(now, role="admin", unit=None)
    staff = _client(app, admin)
    service = _halal()
    response = staff.post("/admin/layanan/sertifikat-halal", data=_form(
        service, c_biaya="Gratis. Tidak ada pungutan dalam bentuk apa pun."))
    assert response.status_code == 303
    public = app.test_client().get("/layanan/sertifikat-halal").get_data(as_text=True)
    assert "Tidak ada pungutan dalam bentuk apa pun." in public
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "catalogue")).one()
    assert entry.actor_id == admin.id and entry.detail == {"service": "sertifikat-halal",
                                                           "field": "biaya"}
    assert entry.new_value.startswith("Gratis. Tidak ada")


def test_every_component_must_keep_text_and_input_is_kept(app, now):
    staff = _client(app, gen_staff(now, role="admin", unit=None))
    service = _halal()
    response = staff.post("/admin/layanan/sertifikat-halal",
                          data=_form(service, c_prosedur="  ", name="Nama baru"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Isi komponen ini" in html and 'value="Nama baru"' in html
    db.session.expire_all()
    assert _halal().name == "Informasi Sertifikasi Halal"
    assert len(_halal().components) == len(COMPONENT_KEYS) == 14


def test_deactivated_service_leaves_the_public_form_and_reseed_keeps_the_edit(app, now, runner):
    staff = _client(app, gen_staff(now, role="admin", unit=None))
    service = _halal()
    data = _form(service, c_biaya="Gratis (diubah admin)")
    data.pop("is_active")
    assert staff.post("/admin/layanan/sertifikat-halal", data=data).status_code == 303
    form = app.test_client().get("/permohonan").get_data(as_text=True)
    assert 'value="sertifikat-halal"' not in form
    assert runner.invoke(args=["seed"]).exit_code == 0
    db.session.expire_all()
    service = _halal()
    assert service.is_active is False
    assert any(c["body"] == "Gratis (diubah admin)" for c in service.components)


@pytest.mark.parametrize("role,unit", [("staf", "PUMK"), ("ketua_tim", "PUMK"),
                                       ("kabid", "KELEMBAGAAN"), ("kepala_dinas", None)])
def test_only_the_admin_may_edit(app, now, role, unit):
    staff = _client(app, gen_staff(now, role=role, unit=unit))
    assert staff.get("/admin/layanan/").status_code == 403
    response = staff.post("/admin/layanan/sertifikat-halal", data=_form(_halal(), name="X"))
    assert response.status_code == 403
    db.session.expire_all()
    assert _halal().name == "Informasi Sertifikasi Halal"


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/layanan/")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_unknown_service_is_not_found(admin_client):
    assert admin_client.get("/admin/layanan/tidak-ada").status_code == 404
    assert admin_client.post("/admin/layanan/tidak-ada", data={"name": "x"}).status_code == 404
