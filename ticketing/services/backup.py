"""Backup and restore: one consistent copy of the database and the attachment store.

Layout of a backup folder:
    manifest.json        what is in it: backend, schema revision, rows per table, every file
                         with its size and SHA-256, the database file's SHA-256
    database.dump        PostgreSQL: pg_dump custom format (restored with pg_restore)
    database.sqlite3     SQLite: a copy made with SQLite's online backup API
    attachments/...      the attachment store (UPLOAD_DIR), same relative paths

Consistency: the database is copied from one snapshot (PostgreSQL: pg_dump runs on a snapshot
exported from a REPEATABLE READ transaction, in which the attachment paths and row counts are
read too; SQLite: the counts and paths are read from the copy). The attachment store is
content-addressed and only grows (files are removed only by retention or erasure), so copying
it after the snapshot brings every file the snapshot refers to; each one is checked.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import Connection, make_url

from ..extensions import db
from ..models import Attachment
from .availability import DatabaseUnavailable

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "attachments"
DUMPS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class BackupError(RuntimeError):
    """The backup or restore could not be done (the message says why, in Indonesian)."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _backend() -> str:
    name = db.engine.dialect.name
    if name not in DUMPS:
        raise BackupError(f"basis data {name} tidak didukung (hanya PostgreSQL dan SQLite)")
    return name


def _connect() -> Connection:
    try:
        return db.engine.connect()
    except Exception as exc:
        raise DatabaseUnavailable(str(exc)) from exc


def _counts(conn: Connection) -> dict[str, int]:
    return {name: conn.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in sorted(inspect(conn).get_table_names())}


def _libpq(url) -> tuple[str, dict[str, str]]:
    """The URL for pg_dump/pg_restore (no driver name, no password) and their environment."""
    url = make_url(url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} tidak ditemukan (pasang postgresql-client)") from exc
    if done.returncode != 0:
        raise BackupError(f"{command[0]} gagal: {done.stderr.strip()[-2000:]}")


# ------------------------------------------------------------------ backup

def _contents(conn: Connection) -> tuple[dict[str, int], list[str], str | None]:
    """Rows per table, the attachment files referred to, and the schema revision."""
    counts = _counts(conn)
    paths = list(conn.execute(select(Attachment.storage_path)).scalars())
    revision = (conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                if "alembic_version" in counts else None)
    return counts, paths, revision


def _dump_postgresql(path: Path) -> tuple[dict[str, int], list[str], str | None]:
    url, env = _libpq(db.engine.url)
    with _connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            contents = _contents(conn)
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                  f"--snapshot={snapshot}", "--file", str(path), "--dbname", url], env)
    return contents


def _sqlite_copy(database: sqlite3.Connection, file: Path, *, into_file: bool) -> None:
    """SQLite's online backup between the open database and a file: into the file (a dump)
    or from it (a restore)."""
    other = sqlite3.connect(file)
    try:
        if into_file:
            database.backup(other)
        else:
            other.backup(database)
    finally:
        other.close()


def _dump_sqlite(path: Path) -> tuple[dict[str, int], list[str], str | None]:
    with _connect() as conn:
        _sqlite_copy(conn.connection.driver_connection, path, into_file=True)
    copy = create_engine(f"sqlite:///{path}")
    try:
        with copy.connect() as conn:
            return _contents(conn)
    finally:
        copy.dispose()


def _copy_files(source: Path, target: Path) -> dict[str, dict]:
    files = {}
    if not source.is_dir():
        return files
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        relative = path.relative_to(source).as_posix()
        if relative.endswith(".tmp"):  # a write in progress, not a stored file
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
        files[relative] = {"size": destination.stat().st_size, "sha256": _sha256(destination)}
    return files


def backup(folder: str | os.PathLike[str], now: datetime) -> dict:
    """Copy the database and the attachment store into `folder` (new or empty)."""
    target = Path(folder)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} sudah ada dan tidak kosong; pilih folder baru")
    backend = _backend()
    target.mkdir(parents=True, exist_ok=True)
    dump = target / DUMPS[backend]
    dumper = _dump_postgresql if backend == "postgresql" else _dump_sqlite
    counts, referenced, revision = dumper(dump)
    files = _copy_files(Path(current_app.config["UPLOAD_DIR"]), target / FILES)
    missing = sorted(set(referenced) - set(files))
    manifest = {
        "format": FORMAT, "created_at": now.isoformat(), "database": backend,
        "revision": revision, "dump": dump.name,
        "dump_sha256": _sha256(dump), "tables": counts, "files": files,
        "missing_files": missing,
    }
    tmp = target / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(target / MANIFEST)
    return _summary(target, manifest) | {"missing_files": missing}


def _summary(folder: Path, manifest: dict) -> dict:
    return {
        "dir": str(folder), "database": manifest["database"],
        "revision": manifest["revision"], "tables": len(manifest["tables"]),
        "rows": sum(manifest["tables"].values()), "files": len(manifest["files"]),
        "bytes": sum(f["size"] for f in manifest["files"].values()),
    }


# ------------------------------------------------------------------ restore

def read_manifest(folder: str | os.PathLike[str]) -> dict:
    source = Path(folder)
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"{source} bukan folder cadangan ({MANIFEST} tidak ada)") from exc
    except (OSError, ValueError) as exc:
        raise BackupError(f"{MANIFEST} tidak dapat dibaca: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"format cadangan {manifest.get('format')!r} tidak dikenal")
    dump = source / manifest["dump"]
    if not dump.is_file() or _sha256(dump) != manifest["dump_sha256"]:
        raise BackupError(f"{dump.name} hilang atau berubah sejak dicadangkan")
    for relative, info in manifest["files"].items():
        path = source / FILES / relative
        if not path.is_file() or path.stat().st_size != info["size"]:
            raise BackupError(f"lampiran {relative} hilang atau berubah sejak dicadangkan")
    return manifest


def restore(folder: str | os.PathLike[str], *, replace: bool = False) -> dict:
    """Put the database and the attachment store back from a backup folder. A database that
    holds rows is only overwritten with `replace` (stop the web app and scheduler first)."""
    source = Path(folder)
    manifest = read_manifest(source)
    backend = _backend()
    if manifest["database"] != backend:
        raise BackupError(f"cadangan {manifest['database']} tidak dapat dipulihkan ke {backend}")
    with _connect() as conn:
        rows = sum(_counts(conn).values())
    if rows and not replace:
        raise BackupError(f"basis data tujuan berisi {rows} baris; tambahkan --replace untuk "
                          "menimpanya (hentikan aplikasi web dan penjadwal dulu)")
    db.session.remove()
    db.engine.dispose()
    dump = source / manifest["dump"]
    if backend == "postgresql":
        url, env = _libpq(db.engine.url)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", "--dbname", url, str(dump)], env)
    else:
        with _connect() as conn:
            _sqlite_copy(conn.connection.driver_connection, dump, into_file=False)
    store = Path(current_app.config["UPLOAD_DIR"])
    for relative, info in manifest["files"].items():
        destination = store / relative
        if destination.is_file() and _sha256(destination) == info["sha256"]:
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        tmp = destination.with_name(destination.name + ".restore.tmp")
        shutil.copy2(source / FILES / relative, tmp)
        tmp.replace(destination)
    db.engine.dispose()
    with _connect() as conn:
        counts = _counts(conn)
    differ = sorted(name for name, n in manifest["tables"].items() if counts.get(name) != n)
    if differ:
        raise BackupError(f"jumlah baris berbeda setelah pemulihan: {', '.join(differ)}")
    return _summary(source, manifest) | {"restored": True}
