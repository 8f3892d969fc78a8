"""Files survive a submit that came back with a mistake (issue 16, item 3)."""

from __future__ import annotations

import io
import re
from pathlib import Path

from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import Attachment, Ticket

from ..factories import EXE_BYTES, PDF_BYTES
from .test_public import count, form_data


def _post(client, files, **overrides):
    data = form_data(**overrides)
    data["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/permohonan", data=data, content_type="multipart/form-data")


def kept_tokens(html: str) -> list[str]:
    return re.findall(r'name="kept" value="([^"]+)"', html)


def test_a_file_is_kept_after_a_mistake_and_sent_with_the_corrected_form(client, app):
    first = _post(client, [("nib.pdf", PDF_BYTES)], subject="")
    html = first.get_data(as_text=True)
    assert first.status_code == 422 and count(Ticket) == 0
    assert "nib.pdf" in html and "tidak perlu dipilih lagi" in html
    tokens = kept_tokens(html)
    assert len(tokens) == 1
    done = client.post("/permohonan", data={**form_data(), "kept": tokens},
                       content_type="multipart/form-data")
    assert done.status_code == 303
    attachment = db.session.scalar(select(Attachment))
    assert attachment.filename == "nib.pdf" and attachment.size == len(PDF_BYTES)
    assert not list((Path(app.config["UPLOAD_DIR"]) / "pending").glob("*.bin"))


def test_a_refused_file_is_explained_and_not_kept(client):
    response = _post(client, [("virus.pdf", EXE_BYTES), ("ok.pdf", PDF_BYTES)])
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "virus.pdf" in html  # the error names it
    assert len(kept_tokens(html)) == 1 and "ok.pdf" in html


def test_the_citizen_removes_a_kept_file(client):
    html = _post(client, [("a.pdf", PDF_BYTES), ("b.pdf", PDF_BYTES)], subject="").get_data(
        as_text=True)
    tokens = kept_tokens(html)
    assert len(tokens) == 2
    done = client.post("/permohonan", data={**form_data(), "kept": tokens, "hapus": tokens[0]},
                       content_type="multipart/form-data")
    assert done.status_code == 303
    assert [a.filename for a in db.session.scalars(select(Attachment))] == ["b.pdf"]


def test_a_forged_token_brings_no_file(client):
    done = client.post("/permohonan", data={**form_data(), "kept": ["forged.token"]},
                       content_type="multipart/form-data")
    assert done.status_code == 303
    assert db.session.scalar(select(Attachment)) is None
