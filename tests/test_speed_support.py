"""The work tests share between their apps gives what unshared work gives: the same URL
builders, templates compiled for the environment that renders them (tests.support.speed), and
the database seed_catalogue writes into the empty schema (tests.support.resetdb)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from jinja2 import DictLoader, Environment
from sqlalchemy import select, text

from ticketing.extensions import db
from ticketing.services.transaction import run

from .conftest import _truncate_all
from .support.speed import SharedTemplateCache, fresh_builder


def _code(function) -> tuple:
    code = function.__code__
    return (code.co_code, code.co_consts, code.co_names, code.co_varnames, code.co_argcount,
            function.__defaults__, code.co_name)


def test_every_route_builder_is_the_one_werkzeug_compiles(app):
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 50
    for rule in rules:
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
