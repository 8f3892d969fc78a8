"""The `flask` commands of INTERFACE.md; they call the same services as the scheduler."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from .extensions import db
from .models import Ticket, Unit, User


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def emit(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


@click.command("seed")
@click.option("--demo", is_flag=True, help="Tambahkan akun staf demo untuk kedua bidang.")
def seed_command(demo: bool) -> None:
    """Katalog layanan dan bidang dari standar pelayanan (idempoten)."""
    from .services.catalogue import seed_catalogue
    from .services.people import DEMO_PASSWORD, demo_accounts, seed_demo_users

    result = seed_catalogue()
    click.echo(f"Katalog: {result['created']} dibuat, {result['updated']} diperbarui.")
    if demo:
        created = seed_demo_users(now_utc())
        click.echo(f"Akun demo baru: {len(created)}. Semua akun demo memakai kata sandi "
                   f"'{DEMO_PASSWORD}':")
        for person in demo_accounts():
            unit = person["unit"] or "-"
            click.echo(f"  {person['email']:<40} {person['role']:<13} {unit}")


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
    click.echo(issue_token(user, now_utc()))


tickets_cli = AppGroup("tickets", help="Tiket.")


@tickets_cli.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.option("--unit", "unit_code")
@click.option("--status")
@click.option("--overdue", is_flag=True)
@click.option("--limit", type=int, default=None, help="Paling banyak N tiket.")
def tickets_list(as_json: bool, unit_code: str | None, status: str | None, overdue: bool,
                 limit: int | None) -> None:
    from .domain.lifecycle import CLOCK_RUNNING
    from .services.serialize import ticket_json

    now = now_utc()
    query = select(Ticket).order_by(Ticket.due_dt, Ticket.id)
    if unit_code:
        if unit_code.lower() in ("null", "none", "triase"):
            query = query.where(Ticket.unit_id.is_(None))
        else:
            query = query.join(Unit, Ticket.unit_id == Unit.id).where(
                Unit.code == unit_code.upper())
    if status:
        query = query.where(Ticket.status == status)
    if overdue:
        query = query.where(Ticket.status.in_(CLOCK_RUNNING), Ticket.due_dt <= now)
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


@mail_cli.command("flush")
def mail_flush() -> None:
    """Kirim surel di kotak keluar."""
    from .services.outbox import flush

    emit(flush(now_utc()))


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(tickets_cli)
    app.cli.add_command(mail_cli)
