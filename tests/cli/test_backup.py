"""The restore drill, with the real tools (pg_dump/pg_restore, SQLite's backup API): back up,
destroy the database and the attachment store, restore, and compare every table and file."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, table, text

from ticketing.extensions import db
from ticketing.services import outbox

from ..factories import PDF_BYTES, PNG_BYTES, gen_ticket
from ..support.staff import staff


def upload(name: str, data: bytes, content_type: str):
    from ticketing.services.attachments import Upload

    return Upload(filename=name, data=data)


def some_work(now) -> None:
    staff(now, "admin", None, password="kata-sandi-admin-1")
    gen_ticket(now, uploads=[upload("surat.pdf", PDF_BYTES, "application/pdf"),
                             upload("foto.png", PNG_BYTES, "image/png")])
    gen_ticket(now, service="rekomendasi-izin-koperasi", subject="Koperasi \u00e9\u00e8 \U0001f64f",
               uploads=[upload("lagi.pdf", PDF_BYTES + b"%2", "application/pdf")])
    db.session.commit()
    outbox.flush(now)
    db.session.commit()


def every_table() -> dict[str, list[tuple]]:
    db.session.remove()
    with db.engine.connect() as conn:
        names = sorted(inspect(conn).get_table_names())
        out = {}
        for name in names:
            rows = conn.execute(select(table(name, *[
                db.column(c["name"]) for c in inspect(conn).get_columns(name)]))).all()
            out[name] = sorted((tuple(row) for row in rows), key=repr)
    return out


def every_file(folder: str) -> dict[str, bytes]:
    root = Path(folder)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def destroy(app) -> None:
    """The database and the attachment store are gone (a disk failure, a wrong command)."""
    db.session.remove()
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        db.engine.dispose()
        os.remove(db.engine.url.database)
    db.engine.dispose()
    shutil.rmtree(app.config["UPLOAD_DIR"])


def test_back_up_destroy_restore_compare(app, runner, now, tmp_path):
    some_work(now)
    tables, files = every_table(), every_file(app.config["UPLOAD_DIR"])
    assert len(tables["tickets"]) == 2 and len(tables["attachments"]) == 3 and len(files) == 3

    done = runner.invoke(args=["backup", str(tmp_path / "cadangan")])
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert summary["files"] == 3 and summary["rows"] == sum(len(r) for r in tables.values())
    assert summary["database"] == db.engine.dialect.name and summary["missing_files"] == []

    destroy(app)
    restored = runner.invoke(args=["restore", str(tmp_path / "cadangan")])
    assert restored.exit_code == 0, restored.output
    assert json.loads(restored.output)["restored"] is True
    assert every_table() == tables
    assert every_file(app.config["UPLOAD_DIR"]) == files


def test_restore_over_data_needs_replace_and_then_puts_the_old_state_back(app, runner, now,
                                                                         tmp_path):
    some_work(now)
    tables = every_table()
    assert runner.invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    gen_ticket(now, subject="Dibuat setelah pencadangan")
    db.session.commit()
    refused = runner.invoke(args=["restore", str(tmp_path / "b")])
    assert refused.exit_code == 1 and "--replace" in refused.output
    assert runner.invoke(args=["restore", "--replace", str(tmp_path / "b")]).exit_code == 0
    assert every_table() == tables


def test_refusals(app, runner, now, tmp_path):
    some_work(now)
    (tmp_path / "isi").mkdir()
    (tmp_path / "isi" / "lain.txt").write_text("x")
    busy = runner.invoke(args=["backup", str(tmp_path / "isi")])
    assert busy.exit_code == 1 and "tidak kosong" in busy.output
    not_a_backup = runner.invoke(args=["restore", str(tmp_path / "isi")])
    assert not_a_backup.exit_code == 1 and "bukan folder cadangan" in not_a_backup.output

    assert runner.invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    dump = tmp_path / "b" / manifest["dump"]
    dump.write_bytes(dump.read_bytes() + b"rusak")
    tampered = runner.invoke(args=["restore", "--replace", str(tmp_path / "b")])
    assert tampered.exit_code == 1 and "berubah" in tampered.output


def test_a_file_missing_from_the_store_is_reported(app, runner, now, tmp_path):
    some_work(now)
    victim = next(p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file())
    victim.unlink()
    done = runner.invoke(args=["backup", str(tmp_path / "b")])
    assert done.exit_code == 1
    assert json.loads(done.stdout)["missing_files"] == [
        victim.relative_to(app.config["UPLOAD_DIR"]).as_posix()]


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_unreachable_database_is_a_temporary_failure(tmp_path, command):
    from ticketing import create_app

    from ..conftest import _config

    app = create_app(_config("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path))
    folder = tmp_path / "b"
    folder.mkdir()
    if command == "restore":
        (folder / "database.dump").write_bytes(b"")
        import hashlib

        (folder / "manifest.json").write_text(json.dumps(
            {"format": 1, "dump": "database.dump", "database": "postgresql",
             "dump_sha256": hashlib.sha256(b"").hexdigest(), "files": {}, "tables": {}}))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=[command, str(folder)])
    assert result.exit_code == 75, result.output
