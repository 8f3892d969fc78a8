"""`flask whatsapp ...`: catch-up processing of stored webhook deliveries, media retries."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError

whatsapp_cli = AppGroup("whatsapp", help="Kanal WhatsApp Business Cloud API.")


@whatsapp_cli.command("process")
def whatsapp_process() -> None:
    """Proses kiriman webhook yang tersimpan tetapi belum (berhasil) diproses.

    Satu baris JSON per pesan: {"message_id","action","ticket","reason"}.
    """
    from ..cli import EX_TEMPFAIL, emit, now_utc
    from .inbound import process_pending

    try:
        results = process_pending(now_utc())
    except OperationalError as exc:
        click.echo(f"Basis data tidak dapat dihubungi, coba lagi nanti: {exc}", err=True)
        sys.exit(EX_TEMPFAIL)
    for result in results:
        emit(result.as_json())


@whatsapp_cli.command("media")
def whatsapp_media() -> None:
    """Unduh ulang media WhatsApp yang sebelumnya gagal diunduh."""
    from ..cli import emit, now_utc
    from .media import retry_due

    emit(retry_due(now_utc()))
