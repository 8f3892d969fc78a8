"""The `flask` commands of INTERFACE.md; they call the same services as the scheduler."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from .extensions import db
from .models import Ticket, Unit, User
from .services.transaction import run


def now_utc() -> datetime:
    return datetime.now(UTC)


def emit(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


@click.command("seed")
@click.option("--demo", is_flag=True, help="Tambahkan akun staf demo untuk kedua bidang.")
def seed_command(demo: bool) -> None:
    """Katalog layanan dan bidang dari standar pelayanan (idempoten)."""
    from .services.catalogue import seed_catalogue
    from .services.people import DEMO_PASSWORD, demo_accounts, seed_demo_users

    if demo and current_app.config.get("ENV_NAME") == "production":
        # Demo accounts share one published password: never on a production desk.
        raise click.ClickException(
            "seed --demo ditolak: APP_ENV=production. Akun demo memakai kata sandi yang "
            "diketahui umum; buat akun staf lewat halaman admin.")
    result = run(seed_catalogue)
    click.echo(f"Katalog: {result['created']} dibuat, {result['updated']} diperbarui.")
    from .services.canned import seed_canned

    click.echo(f"Jawaban siap baru: {run(seed_canned, now_utc())}.")
    from .services.routing_rules import seed_rules

    click.echo(f"Aturan rute surel baru: {run(seed_rules, now_utc())}.")
    from .services.evaluation import seed_signatory

    if run(seed_signatory, now_utc()):
        click.echo("Penandatangan evaluasi: Kepala Dinas menurut standar pelayanan.")
    if demo:
        created = run(seed_demo_users, now_utc())
        click.echo(f"Akun demo baru: {len(created)}. Semua akun demo memakai kata sandi "
                   f"'{DEMO_PASSWORD}':")
        for person in demo_accounts():
            unit = person["unit"] or "-"
            click.echo(f"  {person['email']:<40} {person['role']:<13} {unit}")
        from .services.demo import seed_demo_tickets

        made = seed_demo_tickets(now_utc())
        if made:
            click.echo(f"Tiket demo: {made} dibuat (antrian, terlambat, dijawab, survei).")


users_cli = AppGroup("users", help="Akun staf.")


@users_cli.command("list")
@click.option("--json", "as_json", is_flag=True)
def users_list(as_json: bool) -> None:
    users = db.session.scalars(select(User).order_by(User.email)).all()
    rows = [{"email": u.email, "name": u.name, "role": u.role,
             "unit": u.unit.code if u.unit else None} for u in users]
    if as_json:
        emit(rows)
    else:
        for row in rows:
            click.echo(f"{row['email']:<40} {row['role']:<13} {row['unit'] or '-'}  {row['name']}")


@users_cli.command("token")
@click.argument("email")
def users_token(email: str) -> None:
    """Token API baru untuk akun staf itu (ditampilkan sekali)."""
    from .services.people import issue_token

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active:
        click.echo(f"Akun tidak ditemukan atau nonaktif: {email}", err=True)
        sys.exit(1)
    click.echo(run(issue_token, user, now_utc()))


tickets_cli = AppGroup("tickets", help="Tiket.")


def _refuse(message: str) -> None:
    """An unknown value: a clear message and exit 1 (docs/INTERFACE.md: any other failure)."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@tickets_cli.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.option("--unit", "unit_code", help="Kode unit (mis. PUMK), atau 'triase' untuk tanpa unit.")
@click.option("--status", help="baru, diproses, menunggu_pemohon, selesai atau ditutup.")
@click.option("--overdue", is_flag=True)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Paling banyak N tiket.")
def tickets_list(as_json: bool, unit_code: str | None, status: str | None, overdue: bool,
                 limit: int | None) -> None:
    from .domain.lifecycle import STATUSES
    from .services.serialize import ticket_json

    now = now_utc()
    query = select(Ticket).order_by(Ticket.due_dt, Ticket.id)
    if unit_code is not None:
        if unit_code.strip().lower() in ("null", "none", "triase"):
            query = query.where(Ticket.unit_id.is_(None))
        else:
            unit = db.session.scalar(select(Unit).where(Unit.code == unit_code.strip().upper()))
            if unit is None:
                known = ", ".join(db.session.scalars(select(Unit.code).order_by(Unit.code)))
                _refuse(f"--unit: unit tidak dikenal: {unit_code!r} (yang ada: {known}, "
                        "atau triase)")
            query = query.where(Ticket.unit_id == unit.id)
    if status is not None:
        if status.strip().lower() not in STATUSES:
            _refuse(f"--status: status tidak dikenal: {status!r} "
                    f"(pilihan: {', '.join(STATUSES)})")
        query = query.where(Ticket.status == status.strip().lower())
    if overdue:
        query = query.where(Ticket.is_overdue_at(now))
    if limit:
        query = query.limit(limit)
    tickets = db.session.scalars(query).all()
    rows = [ticket_json(t, now, messages=False) for t in tickets]
    if as_json:
        emit(rows)
    else:
        for row in rows:
            click.echo(f"{row['code']}  {row['status']:<17} {row['unit'] or '-':<12} "
                       f"{row['due_at']}  {row['subject']}")


@tickets_cli.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True)
def tickets_show(code: str, as_json: bool) -> None:
    from .domain.codes import normalize_code
    from .services.serialize import ticket_json

    ticket = db.session.scalar(select(Ticket).where(Ticket.code == (normalize_code(code) or "")))
    if ticket is None:
        click.echo(f"Tiket tidak ditemukan: {code}", err=True)
        sys.exit(1)
    data = ticket_json(ticket, now_utc())
    if as_json:
        emit(data)
    else:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))


mail_cli = AppGroup("mail", help="Surel masuk dan keluar.")


#: sysexits.h: the MTA keeps the message and retries later
EX_TEMPFAIL = 75


def _db_unavailable(exc: Exception) -> None:
    click.echo(f"Basis data tidak dapat dihubungi, coba lagi nanti: {exc}", err=True)
    sys.exit(EX_TEMPFAIL)


def _run_or_tempfail(work):
    """Run work(); exit 75 when the database cannot be reached (the caller retries)."""
    from .services.availability import DatabaseUnavailable, is_db_unavailable, rollback_quietly

    try:
        return work()
    except DatabaseUnavailable as exc:
        _db_unavailable(exc)
    except Exception as exc:
        if not is_db_unavailable(exc):
            raise
        rollback_quietly()
        _db_unavailable(exc)


@mail_cli.command("flush")
def mail_flush() -> None:
    """Kirim surel di kotak keluar. Keluar 75 bila basis data atau server SMTP tidak dapat
    dihubungi (surel tetap menunggu dan dicoba lagi); surel yang rusak atau ditolak menjadi
    'failed' tanpa menghentikan yang lain."""
    from .services.outbox import flush

    summary = _run_or_tempfail(lambda: flush(now_utc()))
    emit(summary)
    if summary.get("smtp_unreachable"):
        click.echo("Server SMTP tidak dapat dihubungi; surel dicoba lagi nanti.", err=True)
        sys.exit(EX_TEMPFAIL)


@mail_cli.command("requeue")
@click.argument("outbox_id", type=int, required=False)
@click.option("--all-failed", is_flag=True, help="Semua surel keluar berstatus failed.")
def mail_requeue(outbox_id: int | None, all_failed: bool) -> None:
    """Kirim ulang surel keluar yang gagal (menurut nomor, atau semuanya), lalu kirim kotak
    keluar. Ringkasan JSON: requeued, errors, flush."""
    from .services.outbox import flush, requeue_many

    if (outbox_id is None) == (not all_failed):
        raise click.UsageError("Sebutkan satu ID atau --all-failed.")

    def work() -> dict:
        now = now_utc()
        summary = requeue_many(None if all_failed else [outbox_id], now,
                               actor_label="admin (CLI)")
        db.session.commit()
        summary["flush"] = flush(now) if summary["requeued"] else None
        return summary

    summary = _run_or_tempfail(work)
    emit(summary)
    for message in summary["errors"].values():
        click.echo(message, err=True)
    if summary["errors"] and not all_failed:
        sys.exit(1)


@mail_cli.command("ingest")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, allow_dash=True))
def mail_ingest(files: tuple[str, ...]) -> None:
    """Surel mentah (RFC 822) dari berkas, atau satu pesan dari stdin ('-', pipa MTA).

    Keluar 0 bila tersimpan (juga bila 'failed': disimpan untuk ditinjau), 75 bila basis data
    tidak dapat dihubungi atau pesan yang sama sedang diproses (MTA mencoba lagi nanti).
    """
    from pathlib import Path

    from .services.mail_ingest import DatabaseUnavailable, ingest_many, ingest_raw

    if "-" in files and len(files) > 1:
        raise click.UsageError("'-' membaca satu pesan dari stdin; jangan digabung dengan berkas.")
    try:
        if files == ("-",):
            result = ingest_raw(sys.stdin.buffer.read(), now_utc(), source="pipe")
            emit(result.as_json())
            if result.in_progress:
                sys.exit(EX_TEMPFAIL)
            return
        # Files: several stored per commit, each processed in its own transaction.
        for result in ingest_many((Path(name).read_bytes() for name in files), now_utc,
                                  source="file"):
            emit(result.as_json())
    except DatabaseUnavailable as exc:
        _db_unavailable(exc)


@mail_cli.command("poll")
def mail_poll() -> None:
    """Satu putaran atas folder IMAP: simpan, proses, lalu pindahkan tiap pesan."""
    from .services.mail_imap import MailboxError
    from .services.mail_ingest import DatabaseUnavailable, poll_mailbox

    try:
        results = poll_mailbox(now_utc())
    except MailboxError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EX_TEMPFAIL)
    except DatabaseUnavailable as exc:
        _db_unavailable(exc)
    for result in results:
        emit(result.as_json())


@mail_cli.command("retry")
@click.argument("inbound_id", type=int, required=False)
@click.option("--all-failed", is_flag=True, help="Semua surel berstatus failed.")
@click.option("--as-request", is_flag=True,
              help="Jadikan permohonan walau tergolong massal/otomatis (surel 'ignored').")
def mail_retry(inbound_id: int | None, all_failed: bool, as_request: bool) -> None:
    """Proses ulang surel masuk yang gagal (setelah perbaikan), menurut nomor atau semuanya."""
    from .models import InboundMail
    from .services.mail_ingest import (
        DatabaseUnavailable,
        ReprocessError,
        reprocess_failed,
        resume_stale,
    )

    if (inbound_id is None) == (not all_failed):
        raise click.UsageError("Sebutkan satu ID atau --all-failed.")
    now = now_utc()
    try:
        if all_failed:
            for result in resume_stale(now):
                emit(result.as_json())
            ids = db.session.scalars(select(InboundMail.id).where(InboundMail.action == "failed")
                                     .order_by(InboundMail.id)).all()
        else:
            ids = [inbound_id]
        errors = 0
        for row_id in ids:
            try:
                emit(reprocess_failed(row_id, now, force_request=as_request).as_json())
            except ReprocessError as exc:
                click.echo(str(exc), err=True)
                errors += 1
    except DatabaseUnavailable as exc:
        _db_unavailable(exc)
    if errors and not all_failed:
        sys.exit(1)


sla_cli = AppGroup("sla", help="Jam layanan (SLA): pengingat, eskalasi, ringkasan, tutup otomatis.")


@sla_cli.command("check")
def sla_check() -> None:
    """Satu putaran jam SLA: pengingat dan eskalasi yang jatuh tempo."""
    from .services.sla import run_sla_check

    emit(_run_or_tempfail(lambda: run_sla_check(now_utc())))


@sla_cli.command("digest")
def sla_digest() -> None:
    """Ringkasan harian untuk ketua tim dan kabid (sekali per orang per hari kerja)."""
    from .services.sla import send_digests

    emit(send_digests(now_utc()))


@sla_cli.command("auto-close")
def sla_auto_close() -> None:
    """Tutup permohonan 'selesai' yang tidak ditanggapi pemohon."""
    from .services.sla import auto_close

    emit(auto_close(now_utc()))


@sla_cli.command("target")
@click.argument("slug")
@click.argument("days")
@click.option("--warning-percent", default=None, help="Pengingat pada persen target (standar 75).")
@click.option("--level2-days", default=None, help="Eskalasi 2 sekian hari kerja lewat batas.")
def sla_target(slug: str, days: str, warning_percent: str | None,
               level2_days: str | None) -> None:
    """Ubah target layanan (berlaku untuk permohonan baru; tercatat di log audit)."""
    from .models import Service
    from .services.calendar import SettingsError, TargetChange, set_service_target

    service = db.session.scalar(select(Service).where(Service.slug == slug))
    if service is None:
        click.echo(f"Layanan tidak dikenal: {slug}", err=True)
        sys.exit(1)
    try:
        run(set_service_target, service, TargetChange(days, warning_percent, level2_days),
            now_utc(), actor_label="admin (CLI)")
    except SettingsError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    emit({"service": service.slug, "target_days": str(service.target_days),
          "warning_percent": service.sla_warning_percent,
          "level2_days": None if service.sla_level2_days is None else str(service.sla_level2_days)})


calendar_cli = AppGroup("calendar", help="Kalender kerja: jam kantor, periode khusus, hari tutup.")


def _date(value: str):
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"tanggal YYYY-MM-DD: {value}") from None


@calendar_cli.command("show")
def calendar_show() -> None:
    """Pengaturan kalender yang berlaku, dalam JSON."""
    from .models import Closure
    from .services.calendar import hours_to_json, special_periods, weekly_hours

    emit({
        "weekly_hours": hours_to_json(weekly_hours()),
        "special_periods": [{"id": p.id, "name": p.name, "start": p.start_day.isoformat(),
                             "end": p.end_day.isoformat(), "weekly_hours": p.weekly_hours}
                            for p in special_periods()],
        "closures": [{"day": c.day.isoformat(), "reason": c.reason}
                     for c in db.session.scalars(select(Closure).order_by(Closure.day))],
    })


@calendar_cli.command("hours")
@click.argument("weekday", type=click.IntRange(0, 6))
@click.argument("open_at", required=False)
@click.argument("close_at", required=False)
def calendar_hours(weekday: int, open_at: str | None, close_at: str | None) -> None:
    """Jam kantor satu hari (0=Senin); tanpa jam: tutup."""
    from .services.calendar import SettingsError, set_office_hours

    try:
        run(set_office_hours, weekday, open_at, close_at, now_utc(), actor_label="admin (CLI)")
    except SettingsError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


@calendar_cli.command("period")
@click.argument("name")
@click.argument("start")
@click.argument("end")
def calendar_period(name: str, start: str, end: str) -> None:
    """Periode jam khusus dengan jam Ramadan Palembang (mulai 08.00)."""
    from .services.calendar import SettingsError, add_special_period

    try:
        period = run(add_special_period, name, _date(start), _date(end), None, now_utc(),
                                    actor_label="admin (CLI)")
    except SettingsError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    emit({"id": period.id, "name": period.name})


@calendar_cli.command("closure")
@click.argument("day")
@click.argument("reason", required=False)
@click.option("--remove", is_flag=True, help="Hapus hari tutup itu.")
def calendar_closure(day: str, reason: str | None, remove: bool) -> None:
    """Hari tutup tambahan (di luar libur nasional dan cuti bersama)."""
    from .services.calendar import SettingsError, add_closure, remove_closure

    try:
        if remove:
            run(remove_closure, _date(day), now_utc(), actor_label="admin (CLI)")
        else:
            run(add_closure, _date(day), reason or "", now_utc(), actor_label="admin (CLI)")
    except SettingsError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


privacy_cli = AppGroup("privacy", help="Data pribadi (UU 27/2022): penghapusan dan retensi.")


@privacy_cli.command("erase")
@click.option("--email", default=None, help="Email pemohon.")
@click.option("--phone", default=None, help="Nomor telepon/WhatsApp pemohon.")
def privacy_erase(email: str | None, phone: str | None) -> None:
    """Hapus data pribadi seorang pemohon atas permintaannya: nama, kontak, isi pesan,
    lampiran, surel mentah dan kotak keluar; statistik tetap; tercatat di log audit."""
    from .services.privacy import PrivacyError, erase_subject

    if not email and not phone:
        raise click.UsageError("Sebutkan --email atau --phone.")

    def work() -> dict:
        summary = erase_subject(email, phone, now_utc(), actor_label="admin (CLI)")
        db.session.commit()
        return summary

    try:
        emit(_run_or_tempfail(work))
    except PrivacyError as exc:
        db.session.rollback()
        click.echo(str(exc), err=True)
        sys.exit(1)


@privacy_cli.command("retention")
def privacy_retention() -> None:
    """Satu putaran kebijakan retensi: anonimkan permohonan tertutup yang sudah lewat
    RETENTION_TICKET_YEARS, hapus surel mentah/isi kotak keluar lewat RETENTION_MAIL_MONTHS."""
    from .services.privacy import run_retention

    def work() -> dict:
        summary = run_retention(now_utc())
        db.session.commit()
        return summary

    emit(_run_or_tempfail(work))
facts_cli = AppGroup("facts", help="Fakta harian untuk laporan dan halaman kinerja.")


@facts_cli.command("rebuild")
@click.option("--since", "since", default=None, help="Tanggal awal (YYYY-MM-DD); kosong: semua.")
def facts_rebuild(since: str | None) -> None:
    """Hitung ulang fakta harian dari tiket dan survei (aman diulang)."""
    from .services.facts import rebuild

    rows = rebuild(db.session.connection(), now_utc(), _date(since) if since else None)
    db.session.commit()
    emit({"fact_rows": rows})


reports_cli = AppGroup("reports", help="Laporan evaluasi triwulanan.")


@reports_cli.command("warm")
def reports_warm() -> None:
    """Siapkan laporan evaluasi triwulan terakhir yang sudah selesai untuk semua cakupan dan
    buang salinan simpanan yang usang (seperti tugas penjadwal report_cache)."""
    from .services.reports import warm_cache

    def work() -> dict:
        result = warm_cache(now_utc())
        db.session.commit()
        return result

    emit(_run_or_tempfail(work))


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(facts_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(tickets_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(sla_cli)
    app.cli.add_command(calendar_cli)
    app.cli.add_command(privacy_cli)
    from .whatsapp.cli import whatsapp_cli

    app.cli.add_command(whatsapp_cli)
    from . import cli_backup

    cli_backup.init_app(app)
