"""The work tests share between their apps gives what unshared work gives: the same URL
builders, templates compiled for the environment that renders them (tests.support.speed), and
the database seed_catalogue writes into the empty schema (tests.support.resetdb)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from jinja2 import DictLoader, Environment
from sqlalchemy import select, text

from ticketing.extensions import db
from ticketing.services.transaction import run

from .conftest import _truncate_all
from .support.speed import SharedTemplateCache, fresh_builder, fresh_rule


def _code(function) -> tuple:
    code = function.__code__
    return (code.co_code, code.co_consts, code.co_names, code.co_varnames, code.co_argcount,
            function.__defaults__, code.co_name)


def _converter(converter) -> tuple:
    return type(converter), {k: v for k, v in vars(converter).items() if k != "map"}


def test_every_route_is_compiled_as_werkzeug_compiles_it(app):
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 50
    for rule in rules:
        fresh = fresh_rule(rule)
        assert (rule._parts, rule._trace, rule.arguments) == \
            (fresh._parts, fresh._trace, fresh.arguments), rule
        assert {k: _converter(c) for k, c in rule._converters.items()} == \
            {k: _converter(c) for k, c in fresh._converters.items()}, rule
        assert all(c.map is app.url_map for c in rule._converters.values())
        for append_unknown, bound in ((False, rule._build), (True, rule._build_unknown)):
            assert bound.__self__ is rule
            assert _code(bound.__func__) == _code(fresh_builder(rule, append_unknown)), rule


def test_urls_are_built_with_each_apps_own_rule(app):
    from flask import url_for

    with app.test_request_context():
        assert url_for("static", filename="a b.css") == "/static/a%20b.css"
        assert url_for("static", filename="x.js", v=2) == "/static/x.js?v=2"


def test_a_template_cache_serves_the_source_it_was_given_and_environment_it_was_made_for():
    cache = SharedTemplateCache()
    templates = {"t.html": "{% if x %}\n{{ x }}{% endif %}!"}

    def render(trim_blocks: bool, x: str) -> str:
        environment = Environment(loader=DictLoader(templates), bytecode_cache=cache,
                                  autoescape=True, trim_blocks=trim_blocks)
        return environment.get_template("t.html").render(x=x)

    assert render(False, "<b>") == "\n&lt;b&gt;!"
    assert render(True, "<b>") == "&lt;b&gt;!"
    assert render(False, "a") == "\na!"
    templates["t.html"] = "{{ x }}?"
    assert render(False, "a") == "a?"
    assert render(True, "a") == "a?"


def _snapshot(backend: str) -> tuple[dict, dict]:
    """Every row of every table, and on PostgreSQL every sequence's last value."""
    tables = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        tables[table.name] = [dict(row._mapping) for row in rows]
    sequences = {} if backend != "postgresql" else dict(db.session.execute(text(
        "SELECT sequencename, last_value FROM pg_sequences")).all())
    return tables, sequences


def test_each_test_starts_from_what_seeding_the_empty_schema_writes(app, backend):
    from ticketing.services.catalogue import seed_catalogue

    given, given_sequences = _snapshot(backend)
    db.session.rollback()
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=5), tick=False):
        if backend == "postgresql":
            _truncate_all()  # and restart the sequences
        else:
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
            db.session.commit()
        run(seed_catalogue)
        seeded, seeded_sequences = _snapshot(backend)
    assert given["services"] and given["units"]
    stamps = [(a.pop("created_dt"), b.pop("created_dt"))
              for a, b in zip(given["services"], seeded["services"])]
    assert given == seeded
    assert given_sequences == seeded_sequences
    for at_test_start, reseeded in stamps:  # this test's clock, 5 s before the seed above
        assert timedelta(seconds=4) < reseeded - at_test_start < timedelta(seconds=6)


def _build_some_of_everything() -> tuple[dict, dict]:
    """Rows of many column types (bytea, tsvector, JSON, numeric, timestamps) through the
    services; returns the database as the build left it."""
    from .factories import PDF_BYTES, gen_ticket, upload
    from .support.mail import build_mail
    from .support.staff import staff

    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    worker = staff(now)
    ticket = gen_ticket(now, uploads=[upload("syarat.pdf", PDF_BYTES)])
    from ticketing.services import tickets

    run(tickets.claim, ticket, worker, now)
    run(tickets.reply, db.session.get(type(ticket), ticket.id), worker, "Syaratnya NIB.",
        "selesai", now + timedelta(hours=1))
    from ticketing.services.mail_ingest import ingest_raw

    ingest_raw(build_mail(subject="Tanya NIB", body="Apa itu NIB?"), now, source="file")
    return _snapshot(db.engine.dialect.name)


_build_some_of_everything.key = ("test_speed_support", "some of everything")


@pytest.mark.prebuilt(build=_build_some_of_everything)
@pytest.mark.parametrize("round_", [1, 2])
def test_a_prebuilt_database_reaches_each_test_as_it_was_built(app, backend, prebuilt, round_):
    tables, sequences = prebuilt
    assert tables["tickets"] and tables["messages"] and tables["inbound_mail"]
    assert (tables, sequences) == _snapshot(backend)
    # a change here must not reach the copy the next round gets
    db.session.execute(text("UPDATE tickets SET subject = 'diubah'"))
    db.session.commit()


def test_dialects_share_compiled_statements_only_with_equal_settings(tmp_path):
    import sqlalchemy as sa

    def engine(name: str, **options) -> sa.Engine:
        made = sa.create_engine(f"sqlite:///{tmp_path}/{name}.sqlite3", **options)
        with made.connect() as connection:  # the first connect sets the server's settings
            connection.execute(sa.text("SELECT 1"))
        return made

    one, two = engine("one"), engine("two")
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))
    with one.begin() as connection:  # memoized properties are kept on the dialect once used
        table.create(connection)
        connection.execute(table.insert(), [{"id": 1}, {"id": 2}])
    assert one.dialect is not two.dialect
    assert one.dialect == two.dialect and hash(one.dialect) == hash(two.dialect)
    assert engine("named", paramstyle="named").dialect != one.dialect
    assert engine("json", json_serializer=lambda value: "").dialect != one.dialect
    assert sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/x").dialect != one.dialect
    two.dialect.label_length = 20  # a setting changed after the comparison above counts too
    assert one.dialect != two.dialect
