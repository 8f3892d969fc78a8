"""`flask backup DIR` and `flask restore DIR [--replace]` (JSON summaries, INTERFACE.md)."""

from __future__ import annotations

import sys

import click
from flask import Flask

EX_TEMPFAIL = 75


def _run(work):
    from .cli import emit
    from .services.availability import DatabaseUnavailable, is_db_unavailable
    from .services.backup import BackupError

    try:
        summary = work()
    except BackupError as exc:
        click.echo(f"Gagal: {exc}", err=True)
        sys.exit(1)
    except DatabaseUnavailable as exc:
        click.echo(f"Basis data tidak dapat dihubungi, coba lagi nanti: {exc}", err=True)
        sys.exit(EX_TEMPFAIL)
    except Exception as exc:
        if not is_db_unavailable(exc):
            raise
        click.echo(f"Basis data tidak dapat dihubungi, coba lagi nanti: {exc}", err=True)
        sys.exit(EX_TEMPFAIL)
    emit(summary)
    return summary


@click.command("backup")
@click.argument("folder", type=click.Path(file_okay=False))
def backup_command(folder: str) -> None:
    """Cadangkan basis data dan lampiran ke FOLDER (baru atau kosong), dari satu snapshot."""
    from .cli import now_utc
    from .services.backup import backup

    summary = _run(lambda: backup(folder, now_utc()))
    if summary["missing_files"]:
        click.echo("Lampiran yang dirujuk basis data tidak ada di penyimpanan: "
                   + ", ".join(summary["missing_files"]), err=True)
        sys.exit(1)


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--replace", is_flag=True,
              help="Timpa basis data yang sudah berisi (hentikan web dan penjadwal dulu).")
def restore_command(folder: str, replace: bool) -> None:
    """Pulihkan basis data dan lampiran dari FOLDER hasil `flask backup`."""
    from .services.backup import restore

    _run(lambda: restore(folder, replace=replace))


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
