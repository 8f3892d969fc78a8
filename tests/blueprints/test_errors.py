"""Error pages speak Indonesian (JSON under /api/) and lose nothing already saved."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from ticketing.extensions import db
from ticketing.models import Ticket


def test_request_over_the_size_limit_gets_an_indonesian_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/permohonan", data={
        "name": "A", "attachments": [(io.BytesIO(b"x" * 4096), "besar.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Berkas terlalu besar" in html
    assert "belum terkirim" in html and "Tekan tombol Kembali pada peramban" in html
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_the_words_about_files_name_the_limits_the_desk_applies(app, client):
    """The form's hint, the reply's and the 413 page say the limits in the config, in both
    languages (once they were written into each text, and would lie after a change)."""
    import flask_babel

    app.config.update(MAX_ATTACHMENTS=3, MAX_ATTACHMENT_BYTES=2 * 1024 * 1024,
                      MAX_CONTENT_LENGTH=1024)
    hint = "Paling banyak 3 berkas PDF, JPG, PNG atau DOCX, masing-masing paling besar 2 MB."
    assert hint in client.get("/permohonan").get_data(as_text=True)
    refused = client.post("/permohonan", data={"attachments": [(io.BytesIO(b"x" * 4096), "a.pdf")]},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert "Setiap berkas paling besar 2 MB, paling banyak 3 berkas." in refused
    flask_babel.refresh()  # the test's app context outlives each request's language
    client.get("/?lang=en")
    flask_babel.refresh()
    assert "Up to 3 PDF, JPG, PNG or DOCX files, each no larger than 2 MB." in client.get(
        "/permohonan").get_data(as_text=True)


def test_unexpected_error_gets_an_indonesian_500(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_uji_galat")
    def _boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/_uji_galat")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Terjadi kesalahan pada sistem" in html and "boom" not in html


def test_api_errors_are_json(client):
    response = client.get("/api/v1/tidak-ada")
    assert response.status_code == 404
    assert response.get_json()["error"] == "Halaman tidak ditemukan"
    wrong_method = client.delete("/api/v1/services")
    assert wrong_method.status_code == 405 and "error" in wrong_method.get_json()


def test_an_api_body_over_the_limit_gets_words_for_a_program(app, client):
    app.config["JSON_MAX_BYTES"] = 100
    response = client.post("/api/v1/requests", data=b'{"name": "' + b"x" * 200 + b'"}',
                           content_type="application/json")
    assert response.status_code == 413
    assert response.get_json() == {"error": "Permintaan terlalu besar",
                                   "detail": "Isi permintaan melebihi batas ukuran."}
