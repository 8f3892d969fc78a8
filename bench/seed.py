"""Seed a realistic PostgreSQL database for the benchmarks, fast: plain SQL (generate_series,
INSERT ... SELECT), never the ORM, so a million tickets take minutes, not hours.

Three years of history ending at NOW: about 1% open (the newest), the rest answered and
closed; units, services, types and channels in the office's proportions; Indonesian names
("Hartono" in about 1 in 40), e-mail addresses, phone numbers; one inbound message per ticket
and a staff answer on answered ones; survey responses on one in twenty answered tickets.

    .venv/bin/python bench/seed.py --tickets 100000 [--database-url postgresql://...]

creates (or replaces) the database `bench_<N>` and prints its URL.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from ticketing import create_app
from ticketing.config import TestConfig
from ticketing.extensions import db
from ticketing.services.catalogue import seed_catalogue
from ticketing.services.people import create_user

#: Thursday 3 Dec 2026 10.30 WIB: the benchmarks' "now"
NOW = datetime(2026, 12, 3, 3, 30, tzinfo=UTC)
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "bench-palembang"  # noqa: S105 - demo accounts of a throw-away database
#: (email, role, unit)
STAFF = [(f"staf{i}.pumk@bench.id", "staf", "PUMK") for i in range(8)] + [
    (f"staf{i}.kel@bench.id", "staf", "KELEMBAGAAN") for i in range(3)] + [
    ("ketua.pumk@bench.id", "ketua_tim", "PUMK"), ("kabid.pumk@bench.id", "kabid", "PUMK"),
    ("ketua.kel@bench.id", "ketua_tim", "KELEMBAGAAN"),
    ("kabid.kel@bench.id", "kabid", "KELEMBAGAAN"),
    ("kadis@bench.id", "kepala_dinas", None), ("admin@bench.id", "admin", None)]

FIRST = ["Siti", "Budi", "Rina", "Ahmad", "Dewi", "Hendra", "Maya", "Agus", "Sri", "Yusuf",
         "Nur", "Rizki", "Fitri", "Andi", "Lina", "Joko", "Wati", "Dedi", "Ani", "Bambang"]
LAST = ["Aminah", "Santoso", "Marlina", "Fauzi", "Lestari", "Wijaya", "Sari", "Hartono",
        "Saputra", "Rahman", "Hidayat", "Kurniawan", "Pratama", "Susanti", "Nugroho",
        "Setiawan", "Putri", "Gunawan", "Siregar", "Lubis", "Harahap", "Nasution", "Simbolon",
        "Purba", "Tanjung", "Daulay", "Ritonga", "Pohan", "Matondang", "Sembiring", "Ginting",
        "Tarigan", "Sitepu", "Barus", "Keliat", "Bangun", "Sinaga", "Manurung", "Silalahi",
        "Panjaitan"]
#: (subject, message) by service slug prefix; words a staff member searches for
TEXTS = {
    "sertifikat-halal": (
        "Sertifikat halal untuk usaha {n}",
        ("Bagaimana cara mendaftar sertifikat halal self declare untuk usaha {n} saya? "
         "Apa syarat dan biayanya?")),
    "hki": (
        "Pendaftaran merek {n}",
        ("Saya ingin mendaftarkan merek dagang untuk produk {n}. Berapa biaya HKI bagi usaha "
         "mikro dan berapa lama prosesnya?")),
    "rekomendasi-izin-koperasi": (
        "Rekomendasi izin koperasi {n}",
        ("Koperasi kami ingin membuka unit simpan pinjam {n}. Dokumen apa yang perlu "
         "disiapkan untuk rekomendasi izin?")),
    "": (
        "Pertanyaan umum {n}",
        "Mohon informasi jam layanan dan persyaratan pendampingan UMKM untuk usaha {n}."),
}
PRODUCTS = ["pempek", "kerupuk kemplang", "tekwan", "model", "celimpungan", "lenggang",
            "songket", "jumputan", "kopi", "madu", "keripik", "batik", "pindang", "burgo"]


def sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def recreate_database(admin_url: str, name: str) -> str:
    url = make_url(admin_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name, drivername="postgresql+psycopg").render_as_string(
        hide_password=False)


def make_app(url: str, folder: str | None = None, overrides: dict | None = None):
    """The desk on `url` with the tests' settings, and `overrides` of them."""
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(overrides or {})
    config["SQLALCHEMY_DATABASE_URI"] = url
    config["UPLOAD_DIR"] = folder or tempfile.mkdtemp(prefix="bench-uploads-")
    return create_app(config)


def schema_and_people(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        seed_catalogue()
        for email, role, unit in STAFF:
            create_user(email, email.split("@")[0], role, unit, PASSWORD, NOW)
        db.session.commit()


TICKETS_SQL = """
WITH svc AS (
    SELECT row_number() OVER (ORDER BY s.id) - 1 AS k, s.id, s.unit_id, s.slug
    FROM services s WHERE s.is_active),
n AS (SELECT count(*) AS c FROM svc),
g AS (
    SELECT i,
           -- three years back, newest last; the last 1% still open
           CAST(:now AS timestamptz) - ((:n - i) * (94608000.0 / :n)) * interval '1 second'
               AS created,
           i > :n * 0.99 AS is_open,
           ((i::bigint * 7919) % 100)::int AS r
    FROM generate_series(1, :n) AS i)
INSERT INTO tickets (code, type, channel, unit_id, service_id, status, subject,
    requester_name, requester_email, requester_phone, is_email_undeliverable, assignee_id,
    created_dt, sla_start_dt, due_dt, first_response_dt, resolved_dt, closed_dt,
    escalation_level, sla_window, sla_window_start_dt, sla_target_seconds,
    is_first_response_late, reopen_count, updated_dt, version, search_vector)
SELECT
    -- a bijection of i onto 31^8 codes, written in the code alphabet
    (SELECT string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ',
            ((g.i::bigint * 1000003) % 852891037441 / (31::bigint ^ d)::bigint % 31)::int + 1,
            1), '' ORDER BY d DESC) FILTER (WHERE d >= 4) || '-' ||
     string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ',
            ((g.i::bigint * 1000003) % 852891037441 / (31::bigint ^ d)::bigint % 31)::int + 1,
            1), '' ORDER BY d DESC) FILTER (WHERE d < 4)
     FROM generate_series(0, 7) AS d),
    CASE WHEN g.r < 80 THEN 'informasi' WHEN g.r < 95 THEN 'pengaduan' ELSE 'saran' END,
    CASE WHEN g.r % 10 < 4 THEN 'email' WHEN g.r % 10 < 7 THEN 'web'
         WHEN g.r % 10 < 8 THEN 'whatsapp' WHEN g.r % 10 < 9 THEN 'lisan' ELSE 'telepon' END,
    svc.unit_id, svc.id,
    CASE WHEN g.is_open THEN (ARRAY['baru','diproses','menunggu_pemohon'])[1 + g.i % 3]
         WHEN g.r < 3 THEN 'selesai' ELSE 'ditutup' END,
    t.subject, t.name, t.email, t.phone, false,
    NULL,
    g.created, g.created,
    CASE WHEN g.is_open AND g.i % 3 = 2 THEN NULL ELSE g.created + interval '1 day' END,
    CASE WHEN g.is_open THEN NULL ELSE g.created + (g.r % 30 + 1) * interval '1 hour' END,
    CASE WHEN g.is_open THEN NULL ELSE g.created + (g.r % 30 + 1) * interval '1 hour' END,
    CASE WHEN g.is_open OR g.r < 3 THEN NULL ELSE g.created + interval '8 days' END,
    0, 1, g.created, 30600.0,
    CASE WHEN g.is_open THEN NULL ELSE g.r % 30 >= 24 END,
    0, g.created, 1,
    strip(to_tsvector('simple'::regconfig, t.subject || ' ' || t.body))
FROM g
CROSS JOIN n
JOIN svc ON svc.k = g.i % n.c
CROSS JOIN LATERAL (
    SELECT first || ' ' || last AS name,
           lower(first) || '.' || lower(last) || g.i || '@example.com' AS email,
           CASE WHEN g.i % 2 = 0 THEN '62812' || lpad((g.i % 100000000)::text, 8, '0') END
               AS phone,
           replace(subject_tpl, '{n}', product) AS subject,
           replace(body_tpl, '{n}', product) AS body
    FROM (SELECT (CAST(:first AS text[]))[1 + g.i % 20] AS first,
                 (CAST(:last AS text[]))[1 + (g.i / 20) % 40] AS last,
                 (CAST(:products AS text[]))[1 + (g.i / 7) % 14] AS product,
                 CASE WHEN svc.slug LIKE 'sertifikat-halal%' THEN :s_halal
                      WHEN svc.slug LIKE 'hki%' THEN :s_hki
                      WHEN svc.slug LIKE 'rekomendasi%' THEN :s_kop ELSE :s_umum END
                     AS subject_tpl,
                 CASE WHEN svc.slug LIKE 'sertifikat-halal%' THEN :b_halal
                      WHEN svc.slug LIKE 'hki%' THEN :b_hki
                      WHEN svc.slug LIKE 'rekomendasi%' THEN :b_kop ELSE :b_umum END
                     AS body_tpl) AS x) AS t
"""

MESSAGES_SQL = """
INSERT INTO messages (ticket_id, direction, author_name, body_text, channel, created_dt)
SELECT id, 'in', requester_name,
       'Bagaimana cara mendaftar, apa syarat dan biayanya? ' || subject, channel, created_dt
FROM tickets;
INSERT INTO messages (ticket_id, direction, author_name, body_text, channel, created_dt)
SELECT id, 'out', 'Petugas', 'Terima kasih. Persyaratan dan alur layanan terlampir.', channel,
       first_response_dt
FROM tickets WHERE first_response_dt IS NOT NULL;
"""

ASSIGN_SQL = """
UPDATE tickets t SET assignee_id = u.id
FROM (SELECT id, unit_id, row_number() OVER (PARTITION BY unit_id ORDER BY id) - 1 AS k,
             count(*) OVER (PARTITION BY unit_id) AS c
      FROM users WHERE role = 'staf') u
WHERE u.unit_id = t.unit_id AND u.k = t.id % u.c AND t.status <> 'baru'
"""

SURVEY_SQL = """
INSERT INTO survey_responses (ticket_id, unit_id, service_id, persyaratan, prosedur, waktu,
    biaya, produk, kompetensi, perilaku, pengaduan, sarana, comment, channel, submitted_dt)
SELECT id, unit_id, service_id, 3 + id % 2, 3 + id % 2, 2 + id % 3, 4, 3 + id % 2, 3 + id % 2,
       4, 3, 3 + id % 2, CASE WHEN id % 3 = 0 THEN 'Pelayanan cepat dan ramah.' END, 'tautan',
       first_response_dt + interval '1 day'
FROM tickets WHERE first_response_dt IS NOT NULL AND id % 20 = 0
"""


def seed(url: str, count: int) -> None:
    app = make_app(url)
    schema_and_people(app)
    params = {"now": NOW, "n": count, "first": FIRST, "last": LAST, "products": PRODUCTS}
    for key, slug in (("halal", "sertifikat-halal"), ("hki", "hki"),
                      ("kop", "rekomendasi-izin-koperasi"), ("umum", "")):
        params["s_" + key], params["b_" + key] = TEXTS[slug]
    with app.app_context():
        with db.engine.begin() as conn:
            for statement in (TICKETS_SQL,):
                conn.execute(text(statement), params)
            for statement in MESSAGES_SQL.split(";"):
                if statement.strip():
                    conn.execute(text(statement))
            conn.execute(text(ASSIGN_SQL))
            conn.execute(text(SURVEY_SQL))
            after_seed(conn)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        db.engine.dispose()


def after_seed(conn) -> None:
    """Derived values: each answered request's working seconds to its first answer (as the
    migration fills them), then the daily facts rebuilt from the seeded rows."""
    from ticketing.services import facts
    from ticketing.services.calendar import office_calendar
    from ticketing.services.lifecycle import backfill_first_response_seconds

    backfill_first_response_seconds(conn, office_calendar())
    facts.rebuild(conn, NOW)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 DEFAULT_URL))
    parser.add_argument("--tickets", type=int, default=10000)
    args = parser.parse_args()
    started = time.perf_counter()
    url = recreate_database(args.database_url, f"bench_{args.tickets}")
    seed(url, args.tickets)
    print(f"seeded {args.tickets} tickets in {time.perf_counter() - started:.1f} s: {url}",
          flush=True)


if __name__ == "__main__":
    main()
