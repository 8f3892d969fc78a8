"""Flask-Migrate, imported when a migration first needs it.

Importing it imports Alembic (and Mako, Pygments): a tenth of the start-up of every `flask`
command, `mail ingest` of a batch of files included, and of every web worker, none of which
migrates. `flask db ...` and flask_migrate's functions (upgrade in tests and bench/seed.py)
work as before: the command group is loaded when it is called, and the extension's state
(`app.extensions["migrate"]`, read by migrations/env.py and those functions) is made on its
first use.
"""

from __future__ import annotations

import click


class LazyMigrate:
    """flask_migrate.Migrate's init_app, without importing it yet."""

    def init_app(self, app, db, **options) -> None:
        app.extensions["migrate"] = _StateOnFirstUse(app, db, options)
        app.cli.add_command(_CommandsOnFirstUse(name="db", help="Perform database migrations."))


class _StateOnFirstUse:
    """Stands for Flask-Migrate's state in app.extensions until something reads it; then
    the real extension is set up (it replaces this object) and answers."""

    def __init__(self, app, db, options: dict) -> None:
        self._setup = (app, db, options)

    def __getattr__(self, name: str):
        from flask_migrate import Migrate

        app, db, options = self._setup
        Migrate().init_app(app, db, **options)
        return getattr(app.extensions["migrate"], name)


class _CommandsOnFirstUse(click.Group):
    """`flask db`: Flask-Migrate's command group, loaded when it is called or listed (its
    one-line help is shown without it)."""

    @staticmethod
    def _real() -> click.Group:
        from flask_migrate.cli import db

        return db

    def make_context(self, info_name, args, parent=None, **extra):
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx) -> list[str]:
        return self._real().list_commands(ctx)

    def get_command(self, ctx, name: str):
        return self._real().get_command(ctx, name)
