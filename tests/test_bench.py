"""The benchmark scripts still work: a 10,000-ticket smoke run of bench/seed.py and
bench/run.py on PostgreSQL (no timing assertions: timings are for bench/, not for tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import psycopg
import pytest
from sqlalchemy.engine import make_url

from ticketing import ROOT

from .support.components import missing_component

pytestmark = pytest.mark.slow


def _drop(base_url: str, name: str) -> None:
    url = make_url(base_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_bench_seeds_and_times_every_row(tmp_path):
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        missing_component("PostgreSQL (set TEST_DATABASE_URL)")
    out = tmp_path / "bench.json"
    env = {**os.environ, "BENCH_DATABASE_URL": base}
    # a database of its own: bench_10000 may be someone's benchmark database on this server
    name = f"bench_smoke_{os.getpid()}"
    try:
        done = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "run.py"), "--seed", "--tickets", "10000",
             "--database", name, "--samples", "1", "--load-seconds", "1",
             "--mail-messages", "40", "--out", str(out)],
            env=env, capture_output=True, text=True, timeout=600)
    finally:
        _drop(base, name)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["tickets"] == 10000
    rows = result["rows"]
    for label in ("queue_open_page1_web", "queue_all_page1_web", "api_all_page1",
                  "api_all_page500_cursor", "search_name_all", "search_word_all",
                  "search_email_all", "kinerja", "kinerja_csv", "stats_api", "report_page",
                  "report_pdf", "report_xlsx", "report_finished_first", "report_finished",
                  "report_finished_pdf", "report_finished_xlsx", "report_finished_other_process",
                  "report_finished_unit_after_job"):
        assert rows[label]["status"] == 200, (label, rows[label])
    assert rows["report_cache_job"]["period"] and rows["report_cache_job"]["scopes"] > 1
    assert rows["search_name_all"]["x_total_count"] != "0"
    assert rows["api_all_page1"]["x_total_count"] == "1000"  # bounded
    intake = result["intake"]
    assert intake["intake_api"]["ok"] > 0 and intake["intake_form"]["ok"] > 0
    assert intake["bare_insert"]["ok"] > 0 and intake["intake_api"]["errors"] == 0
    assert "intake_api_vs_bare" in intake
    for label in ("bare_insert", "intake_api", "intake_form"):  # the CPU each request costs
        cpu = intake[label]["cpu_ms_per_request"]
        assert set(cpu) == {"workers", "database", "redis", "load"} and cpu["workers"] > 0, cpu
    assert intake["intake_api_vs_bare_by_cpu"] > 0
    statements = result["intake_sql"]
    assert statements["intake_api"]["status"] == 201 and statements["intake_form"]["status"] == 303
    # a new request is one statement (its rows in data-modifying CTEs, services.request_rows)
    assert statements["intake_api"]["statements"] == ["WITH t AS"]
    assert statements["intake_form"]["statements"] == ["WITH t AS"]
    assert statements["intake_api"]["sql"] == len(statements["intake_api"]["statements"])
    mail = result["mail_ingest"]
    for label in ("cli", "in_process"):
        assert sum(mail[label]["actions"].values()) == 40, mail
        assert mail[label]["actions"].get("created", 0) > 0, mail
        assert mail[label]["actions"].get("appended", 0) > 0, mail
    assert mail["parse"]["msg_per_s"] > 0
