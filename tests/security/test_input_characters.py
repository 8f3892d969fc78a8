"""Control characters and NUL in every kind of input: a clear 422 (or 404), never a 500, and
nothing stored. Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (where a NUL that
reached a statement used to be a 500)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from ticketing.extensions import db
from ticketing.models import Ticket

from ..factories import gen_ticket
from ..support.staff import login, staff

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)

FORM = {"name": "Siti Aminah", "email": "siti@example.com", "phone": "", "type": "informasi",
        "service": "sertifikat-halal", "subject": "Tanya halal",
        "message": "Bagaimana cara mendaftar sertifikat halal gratis?", "consent": "y"}
API = {"name": "Rina", "email": "rina@example.com", "type": "informasi",
       "service": "sertifikat-halal", "subject": "Tanya halal",
       "message": "Bagaimana cara mendaftar sertifikat halal gratis?"}

ONE_LINE_BAD = ["Tanya halal\r\nBcc: x@evil", "Tanya\nhalal", "Tanya\rhalal", "a\x00b",
                "Tanya\x1b[31m", "Tanya\x7f", "Tanya\u2028halal", "Tanya\x0bhalal"]
BODY_BAD = ["Halo\x00 apa kabar sertifikat", "Halo\x1b apa kabar sertifikat",
            "Halo\x08 apa kabar sertifikat", "Halo\x0c apa kabar sertifikat"]


@pytest.fixture
def admin_client(client):
    login(client, staff(NOW, "admin", None))
    return client


def tickets() -> int:
    return db.session.scalar(select(func.count()).select_from(Ticket))


@pytest.mark.parametrize("field", ["name", "subject", "email", "phone"])
@pytest.mark.parametrize("value", ONE_LINE_BAD)
def test_web_form_refuses_controls_in_one_line_fields(client, field, value):
    response = client.post("/permohonan", data={**FORM, field: value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "karakter" in html or "satu baris" in html
    assert tickets() == 0


@pytest.mark.parametrize("value", BODY_BAD)
def test_web_form_refuses_controls_in_the_message(client, value):
    response = client.post("/permohonan", data={**FORM, "message": value})
    assert response.status_code == 422
    assert tickets() == 0


def test_web_form_keeps_tabs_and_line_breaks_in_the_message(client):
    response = client.post("/permohonan", data={
        **FORM, "message": "Baris satu\r\nBaris\tdua\rBaris tiga"})
    assert response.status_code == 303
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.messages[0].body_text == "Baris satu\nBaris\tdua\nBaris tiga"


def test_one_line_error_is_shown_beside_the_field(client):
    response = client.post("/permohonan", data={**FORM, "subject": "Tanya halal\r\nBcc: x@evil"})
    assert response.status_code == 422
    assert "satu baris" in response.get_data(as_text=True)


@pytest.mark.parametrize("field", ["name", "subject", "email", "phone", "type", "service"])
@pytest.mark.parametrize("value", ONE_LINE_BAD)
def test_api_refuses_controls_per_field(client, field, value):
    response = client.post("/api/v1/requests", json={**API, field: value})
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert tickets() == 0


@pytest.mark.parametrize("value", BODY_BAD)
def test_api_refuses_controls_in_the_message(client, value):
    response = client.post("/api/v1/requests", json={**API, "message": value})
    assert response.status_code == 422
    assert "message" in response.get_json()["errors"]
    assert tickets() == 0


@pytest.mark.parametrize("path", ["/lacak/ABCD%00EFGH", "/layanan/halal%00", "/staf/tiket/A%00B",
                                  "/api/v1/requests/AB%00CD?email=a@b.c", "/survei/X%00Y"])
def test_nul_in_a_path_segment_is_a_4xx(client, path):
    assert client.get(path).status_code in (404, 422)


@pytest.mark.parametrize("query", ["q=halal%00", "q=a%0d%0ab", "status=%00", "hal=1%00",
                                   "lang=id%00", "bidang=%00"])
def test_controls_in_query_parameters_of_the_queue(client, query):
    login(client, staff(NOW, "ketua_tim", "PUMK"))
    response = client.get(f"/staf/antrian?{query}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "karakter" in html or "satu baris" in html


def test_controls_in_query_parameters_of_the_api(client):
    response = client.get("/api/v1/requests/AAAA-BBBB?email=a%00@b.c")
    assert response.status_code == 422 and "email" in response.get_json()["errors"]
    response = client.get("/api/v1/stats?period=2026-Q4%00")
    assert response.status_code == 422


def test_nul_in_tracking_and_citizen_reply(client):
    code = gen_ticket(NOW).code
    db.session.commit()
    assert client.post("/lacak", data={"code": code + "\x00",
                                       "contact": "siti@example.com"}).status_code == 422
    assert client.post("/lacak", data={"code": code,
                                       "contact": "siti@example.com"}).status_code == 303
    before = db.session.scalar(select(func.count()).select_from(Ticket))
    response = client.post(f"/lacak/{code}/balas", data={"body": "Terima\x00kasih"})
    assert response.status_code == 422
    response = client.post(f"/lacak/{code}/balas", data={"body": "Terima\x1bkasih"})
    assert response.status_code == 422
    ticket = db.session.scalar(select(Ticket).where(Ticket.code == code))
    assert len(ticket.messages) == 1 and tickets() == before


def test_nul_in_staff_and_admin_forms(app, admin_client):
    code = gen_ticket(NOW).code
    db.session.commit()
    response = admin_client.post("/admin/layanan/sertifikat-halal",
                                 data={"name": "Halal\x00", "summary": "x"})
    assert response.status_code == 422
    response = admin_client.post("/admin/akun/baru", data={
        "email": "baru@example.go.id", "name": "Baru\r\nX", "role": "staf", "unit": "PUMK"})
    assert response.status_code == 422
    client = app.test_client()
    login(client, staff(NOW, "ketua_tim", "PUMK"))
    response = client.post(f"/staf/tiket/{code}/catatan", data={"body": "catatan\x00"})
    assert response.status_code == 422


def test_the_500_page_renders_for_a_logged_in_user_after_a_failed_statement(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_uji_sql_gagal")
    def _failing_statement():
        db.session.execute(text("SELECT * FROM tabel_yang_tidak_ada"))
        return "tidak sampai"

    login(client, staff(NOW, "staf", "PUMK"))
    response = client.get("/_uji_sql_gagal")
    assert response.status_code == 500
    assert "Terjadi kesalahan pada sistem" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", [
    "/lacak/ABCD-EFGH/lampiran/99999999999999999999",
    "/staf/tiket/ABCD-EFGH/lampiran/99999999999999999999",
    "/admin/surel/99999999999999999999",
    "/admin/akun/2147483648",
    "/staf/jawaban-siap/99999999999999999999",
])
def test_ids_beyond_a_database_integer_are_404(admin_client, path):
    assert admin_client.get(path).status_code == 404


def test_token_id_beyond_a_database_integer_is_404(admin_client):
    assert admin_client.post("/akun/token/99999999999999999999/cabut").status_code == 404


@pytest.mark.parametrize("page", ["100000000000000000000", "-1", "0", "²", "1e9", "2147483648"])
def test_page_numbers_out_of_range(app, admin_client, page):
    assert admin_client.get(f"/admin/akun?hal={page}").status_code == 404
    assert admin_client.get(f"/admin/surel/?hal={page}").status_code == 404
    assert admin_client.get(f"/admin/kotak-keluar/?hal={page}").status_code == 404
    assert admin_client.get(f"/admin/whatsapp/?hal={page}").status_code == 404
    client = app.test_client()
    ketua = staff(NOW, "ketua_tim", "PUMK")
    login(client, ketua)
    assert client.get(f"/staf/antrian?hal={page}").status_code == 404
    assert client.get(f"/pengawasan/?hal={page}").status_code == 404


@pytest.mark.parametrize("query", ["page=100000000000000000000", "per_page=10000000000000000000",
                                   "page=-3", "page=abc"])
def test_api_page_out_of_range_is_422(client, query):
    from ..support.staff import bearer

    headers = bearer(staff(NOW, "staf", "PUMK"), NOW)
    db.session.commit()
    response = client.get(f"/api/v1/tickets?{query}", headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"]


@pytest.mark.parametrize("cursor", ["1.²", "².1", "1.99999999999999999999999", "-.١٢"])
def test_damaged_queue_cursors_are_not_a_500(app, cursor):
    from ..support.staff import bearer

    ketua = staff(NOW, "ketua_tim", "PUMK")
    client = app.test_client()
    login(client, ketua)
    assert client.get("/staf/antrian", query_string={"setelah": cursor}).status_code == 200
    response = app.test_client().get("/api/v1/tickets", query_string={"after": cursor},
                                     headers=bearer(ketua, NOW))
    assert response.status_code == 422


@pytest.mark.parametrize("version", ["²", "99999999999999999999", "-1", "1e3"])
def test_odd_ticket_versions_in_staff_forms_are_not_a_500(app, version):
    code = gen_ticket(NOW).code
    db.session.commit()
    client = app.test_client()
    login(client, staff(NOW, "ketua_tim", "PUMK"))
    response = client.post(f"/staf/tiket/{code}/status",
                           data={"status": "diproses", "version": version})
    assert response.status_code < 500


@pytest.mark.parametrize("consent", [None, "no", "tidak", "true", 1, 0, False, {}, [True]])
def test_api_consent_must_be_exactly_true_when_sent(client, consent):
    response = client.post("/api/v1/requests", json={**API, "consent": consent})
    assert response.status_code == 422
    assert "consent" in response.get_json()["errors"]
    assert tickets() == 0


def test_api_consent_true_is_recorded_and_absent_is_not(client):
    assert client.post("/api/v1/requests", json={**API, "consent": True}).status_code == 201
    assert client.post("/api/v1/requests", json=API).status_code == 201
    recorded = [t.consent_dt is not None for t in db.session.scalars(
        select(Ticket).order_by(Ticket.id))]
    assert recorded == [True, False]


@pytest.mark.parametrize("raw", [
    b"[" * 100_000 + b"]" * 100_000, b'{"name": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"name": "\\ud800"}', b"\xff\xfe", b"[]", b"42", b'"x"', b"null", b"",
    b'{"name": {}, "subject": [], "message": 7, "type": true, "service": null}',
])
def test_api_refuses_bodies_of_the_wrong_shape(client, raw):
    response = client.post("/api/v1/requests", data=raw, content_type="application/json")
    assert response.status_code in (413, 422)
    assert tickets() == 0


@pytest.mark.parametrize("path, body", [
    ("messages", {"kind": "note", "body": 123}),
    ("messages", {"kind": {}, "body": "Catatan"}),
    ("messages", {"kind": "note", "body": "Catatan\x00"}),
    ("messages", {"kind": "note", "body": "Catatan", "status": "selesai\r\nX"}),
    ("messages", [1, 2]),
    ("assign", {"assignee": ["a@b.c"]}),
    ("assign", {"unit": {}}),
    ("assign", {"assignee": "a@b.c\r\nBcc: x"}),
    ("assign", {"unit": "PUMK", "version": "3"}),
    ("assign", {"unit": "PUMK", "version": 10**30}),
    ("assign", "PUMK"),
])
def test_staff_api_bodies_are_validated(client, path, body):
    from ..support.staff import bearer

    code = gen_ticket(NOW).code
    headers = bearer(staff(NOW, "ketua_tim", "PUMK"), NOW)
    db.session.commit()
    response = client.post(f"/api/v1/tickets/{code}/{path}", json=body, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"]


def test_staff_api_deeply_nested_body(client):
    from ..support.staff import bearer

    code = gen_ticket(NOW).code
    headers = bearer(staff(NOW, "ketua_tim", "PUMK"), NOW)
    db.session.commit()
    response = client.post(f"/api/v1/tickets/{code}/messages", headers=headers,
                           data=b"[" * 100_000 + b"]" * 100_000,
                           content_type="application/json")
    assert response.status_code in (413, 422)
