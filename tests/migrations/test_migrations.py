"""Migrations: a single head, and `upgrade` on an empty database gives exactly the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from ticketing import ROOT, create_app
from ticketing.extensions import db

from ..conftest import _config


def test_single_head():
    script = ScriptDirectory(str(ROOT / "migrations"))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_upgrade_matches_models(backend, tmp_path, request):
    if backend == "postgresql":
        from ..support.components import PG_URL_ENV, create_pg_database

        url, drop = create_pg_database(PG_URL_ENV())
        request.addfinalizer(drop)
    else:
        url = f"sqlite:///{tmp_path}/migrated.sqlite3"
    app = create_app(_config(url, tmp_path))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == [], diff


def test_downgrade_to_base_and_back(tmp_path):
    """Every revision can be undone and redone (SQLite, batch mode)."""
    from flask_migrate import downgrade

    app = create_app(_config(f"sqlite:///{tmp_path}/roundtrip.sqlite3", tmp_path))
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        db.engine.dispose()
