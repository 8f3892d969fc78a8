"""Benchmark the rows of issue 13 on a database seeded by bench/seed.py, print JSON.

`mail ingest` of 500 generated .eml files (bench/mail_ingest.py): the CLI in a subprocess and
parsing alone, in messages per second.

In-process rows (the Flask test client: the application's own time, no network): staff queue
and API pages, searches, the public figures, the evaluation report (page, PDF and XLSX of a
finished and of the running quarter), `sla check`.
Intake under gunicorn (2 workers) with a load generator (threads of http.client):
POST /api/v1/requests and the web form of the desk as deployed (LIVE: CSRF, the rate limiter
in Redis), next to a bare Flask-SQLAlchemy app doing one INSERT on the same database in the
same run, the three servers loaded in interleaved rounds (bare,
API, form, bare, ...: a neighbour's load that comes and goes falls on all three); the JSON
carries each round's ratios and their median.

    .venv/bin/python bench/run.py --tickets 10000 [--seed] [--samples 15] [--load-seconds 8]
        [--database NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path

import lxml.html

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from seed import DEFAULT_URL, NOW, make_app, recreate_database, seed  # noqa: E402
from sqlalchemy import event, select, text  # noqa: E402

from ticketing.config import Config  # noqa: E402
from ticketing.extensions import db  # noqa: E402
from ticketing.models import Ticket, User  # noqa: E402

PERIOD = "2026-Q4"
#: the quarter before PERIOD: finished at NOW, so its evaluation report is cached
FINISHED = "2026-Q3"


def database_url(admin_url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(admin_url).set(drivername="postgresql+psycopg",
                                   database=name).render_as_string(
        hide_password=False)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


class InProcess:
    """Times GET requests through the test client, as a given staff member."""

    def __init__(self, app, samples: int) -> None:
        self.app, self.samples = app, samples
        self.client = app.test_client()
        self.results: dict[str, dict] = {}

    def login(self, email: str) -> None:
        """A signed-in staff cookie (a real server-side session), without the slow password
        hash."""
        from datetime import UTC, datetime

        from ticketing.security import SESSION_KEY
        from ticketing.services import sessions

        with self.app.app_context():
            user = db.session.scalar(select(User).where(User.email == email))
            user_id = user.get_id()
            key = sessions.start(user, datetime.now(UTC))
            db.session.commit()
        with self.client.session_transaction() as session:
            session["_user_id"] = user_id
            session["_fresh"] = True
            session[SESSION_KEY] = key

    def token(self, email: str) -> dict:
        from ticketing.services.people import issue_token

        with self.app.app_context():
            user = db.session.scalar(select(User).where(User.email == email))
            token = issue_token(user, NOW)
            db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    def time(self, label: str, url: str, headers: dict | None = None, samples: int | None = None,
             warm: int = 1) -> dict:
        samples = samples or self.samples
        statements: list[int] = []
        with self.app.app_context():
            engine = db.engine

        def count(*_args):
            statements.append(1)

        for _ in range(warm):
            self.client.get(url, headers=headers or {})
        times, status, size = [], None, 0
        event.listen(engine, "before_cursor_execute", count)
        try:
            for _ in range(samples):
                statements.clear()
                start = time.perf_counter()
                response = self.client.get(url, headers=headers or {})
                times.append(time.perf_counter() - start)
                status, size = response.status_code, len(response.get_data())
        finally:
            event.remove(engine, "before_cursor_execute", count)
        row = {"url": url, "status": status, "p95_ms": round(p95(times) * 1000, 1),
               "median_ms": round(statistics.median(times) * 1000, 1),
               "sql": len(statements), "bytes": size, "samples": samples}
        if "X-Total-Count" in getattr(response, "headers", {}):
            row["x_total_count"] = response.headers["X-Total-Count"]
        self.results[label] = row
        print(f"  {label:<44} p95 {row['p95_ms']:>9} ms  {row['sql']:>3} SQL  "
              f"{status}  {size} B", flush=True)
        return row


def cursor_at(app, position: int) -> str:
    """The keyset cursor of the row at `position` of the all-status queue (kepala dinas)."""
    from ticketing.services.queue import encode_cursor

    with app.app_context():
        count = db.session.scalar(text("SELECT count(*) FROM tickets"))
        ticket = db.session.scalar(select(Ticket).order_by(Ticket.due_dt.asc().nulls_last(),
                                                           Ticket.id)
                                   .offset(min(position, count // 2)).limit(1))
        return encode_cursor(ticket)


def in_process_rows(app, samples: int, reports: bool) -> dict:
    bench = InProcess(app, samples)
    with app.app_context():
        email = db.session.scalar(select(Ticket.requester_email).where(
            Ticket.requester_email.is_not(None)).order_by(Ticket.id.desc()).limit(1))
    bench.login("ketua.pumk@bench.id")
    bench.time("queue_open_page1_web", "/staf/antrian")
    bench.login("kadis@bench.id")
    bench.time("queue_all_page1_web", "/staf/antrian?status=semua")
    api = bench.token("kadis@bench.id")
    bench.time("api_all_page1", "/api/v1/tickets?status=semua&per_page=25", api)
    bench.time("api_all_page500_offset", "/api/v1/tickets?status=semua&per_page=25&page=500",
               api)
    after = urllib.parse.quote(cursor_at(app, 499 * 25 - 1))
    bench.time("api_all_page500_cursor",
               f"/api/v1/tickets?status=semua&per_page=25&page=500&after={after}", api)
    bench.time("search_name_all", "/api/v1/tickets?status=semua&q=Hartono", api)
    bench.time("search_word_all", "/api/v1/tickets?status=semua&q=halal", api)
    bench.time("search_email_all",
               f"/api/v1/tickets?status=semua&q={urllib.parse.quote(email)}", api)
    bench.time("kinerja_first", f"/kinerja?periode={PERIOD}", samples=1, warm=0)
    bench.time("kinerja", f"/kinerja?periode={PERIOD}")
    bench.time("kinerja_csv", f"/kinerja/data.csv?periode={PERIOD}")
    bench.time("stats_api", f"/api/v1/stats?period={PERIOD}")
    with app.app_context():
        from ticketing.services import facts_report

        facts_report.forget()
    bench.time("stats_api_uncached", f"/api/v1/stats?period={PERIOD}", samples=1, warm=0)
    if reports:
        bench.login("kadis@bench.id")
        # the last finished quarter: its first computation (nothing stored), then from the
        # cache: in this process, and in other ones (another worker; after the job)
        with app.app_context():
            from ticketing.services import period_cache

            period_cache.discard("evaluation")
            db.session.commit()
        bench.time("report_finished_first", f"/staf/laporan/?periode={FINISHED}", samples=1,
                   warm=0)
        stored_rows(bench, app.config["SQLALCHEMY_DATABASE_URI"])
        bench.time("report_finished", f"/staf/laporan/?periode={FINISHED}", samples=3, warm=0)
        bench.time("report_finished_pdf", f"/staf/laporan/unduh.pdf?periode={FINISHED}",
                   samples=3, warm=0)
        bench.time("report_finished_xlsx", f"/staf/laporan/unduh.xlsx?periode={FINISHED}",
                   samples=3, warm=0)
        # the running quarter: computed on every request (its previous quarter is kept)
        bench.time("report_page", f"/staf/laporan/?periode={PERIOD}", samples=3, warm=0)
        bench.time("report_pdf", f"/staf/laporan/unduh.pdf?periode={PERIOD}", samples=3,
                   warm=0)
        bench.time("report_xlsx", f"/staf/laporan/unduh.xlsx?periode={PERIOD}", samples=3,
                   warm=0)
    return bench.results


def stored_rows(bench: InProcess, url: str) -> None:
    """The finished quarter's page in a fresh process (another web worker, or one restarted)
    after it was built once, the scheduler's `report_cache` job (warms every unit's scope) in
    another, and a unit's page in a third after it."""
    other = InProcess(make_app(url), 1)
    other.login("kadis@bench.id")
    bench.results["report_finished_other_process"] = other.time(
        "report_finished_other_process", f"/staf/laporan/?periode={FINISHED}", samples=1,
        warm=0)
    job = make_app(url)
    with job.app_context():
        from ticketing.jobs import JOBS

        start = time.perf_counter()
        result = next(j for j in JOBS if j.name == "report_cache").func(datetime.now(UTC))
        row = {**result, "seconds": round(time.perf_counter() - start, 2)}
        db.session.remove()
        db.engine.dispose()
    bench.results["report_cache_job"] = row
    print(f"  {'report_cache_job':<44} {row}", flush=True)
    after = InProcess(make_app(url), 1)
    after.login("kadis@bench.id")
    bench.results["report_finished_unit_after_job"] = after.time(
        "report_finished_unit_after_job", f"/staf/laporan/?periode={FINISHED}&bidang=PUMK",
        samples=1, warm=0)


RESET_SLA = """
DELETE FROM sla_notifications;
DELETE FROM outbox WHERE kind IN ('sla_warning', 'sla_escalation');
DELETE FROM audit_log WHERE action IN ('sla_warning', 'escalation', 'sla_window');
UPDATE tickets SET escalation_level = 0 WHERE escalation_level <> 0;
"""


def sla_check_row(app) -> dict:
    """Two passes of `sla check` from the seeded state: the first finds every running open
    ticket past its deadline (about two thirds of the open ones: the seed leaves them
    unanswered), the second nothing new (what the scheduler does every minute)."""
    from ticketing.services.sla import run_sla_check

    out = {}
    with app.app_context():
        with db.engine.begin() as conn:
            for statement in RESET_SLA.split(";"):
                if statement.strip():
                    conn.execute(text(statement))
        statements: list[int] = []

        def listener(*_args) -> None:
            statements.append(1)

        for label in ("sla_check_due", "sla_check_steady"):
            statements.clear()
            event.listen(db.engine, "before_cursor_execute", listener)
            start = time.perf_counter()
            summary = run_sla_check(NOW)
            elapsed = time.perf_counter() - start
            event.remove(db.engine, "before_cursor_execute", listener)
            db.session.remove()
            out[label] = {"ms": round(elapsed * 1000, 1), "sql": len(statements),
                          "summary": summary}
            print(f"  {label:<44} {out[label]['ms']:>12} ms  {len(statements):>5} SQL  "
                  f"{summary.get('checked')} checked, {summary.get('level1')} escalated",
                  flush=True)
    return out


# ------------------------------------------------------------------ intake under load

WSGI = """
import sys
sys.path.insert(0, {root!r})
from bench.seed import make_app
app = make_app({url!r}, overrides={overrides!r})
"""

#: the desk under load as deployed (deploy/diskopukm.env.example), not as the tests configure
#: it: CSRF checked on the form, the rate limiter counting every request in Redis with the
#: deployment's two limits raised beyond the load's reach, the form's minimum fill time
#: (forms.antispam) at its default
LIVE = {"TESTING": False, "WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": True,
        "INTAKE_RATE_LIMIT": "100000000 per hour;10000000 per minute",
        "FORM_MIN_FILL_SECONDS": Config.FORM_MIN_FILL_SECONDS}
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def live_settings() -> dict:
    """LIVE, with the limiter's store: Redis when it answers (a key prefix of this run's
    own), else the in-memory store with a warning."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        print(f"  (no Redis at {REDIS_URL}: {exc}; the rate limiter counts in memory)",
              flush=True)
        return {**LIVE, "RATELIMIT_STORAGE_URI": "memory://"}
    return {**LIVE, "RATELIMIT_STORAGE_URI": REDIS_URL,
            "RATELIMIT_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:10]}"}


#: interleaved rounds of the intake rows (bare, API, form, bare, ...)
ROUNDS = 5
#: load generator threads: keep-alive clients, each one browser for the form
THREADS = 4


def _free_port() -> int:
    """A port nothing listens on now: with a fixed port, two bench runs at once (several
    people share the machine) measured each other's servers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(module_dir: str, module: str) -> tuple[subprocess.Popen, int]:
    """`module`:app under gunicorn with the deployment's settings (gunicorn.conf.py: its
    access log included, written to /dev/null here) and 2 workers: the bare endpoint and the
    desk alike, whatever directory the bench is started from."""
    env = {**os.environ, "PYTHONPATH": module_dir, "GUNICORN_ACCESS_LOG": os.devnull}
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    port = _free_port()
    process = subprocess.Popen(
        [gunicorn, "-c", str(HERE.parent / "gunicorn.conf.py"), "-w", "2",
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", f"{module}:app"],
        env=env, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline and process.poll() is None:
        try:
            HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/x")
            return process, port
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"gunicorn did not start on {port}")


def _proc_cpu() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command name, CPU seconds used so far) of every process, from
    /proc (Linux; empty elsewhere)."""
    tick, out = os.sysconf("SC_CLK_TCK"), {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        name, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:]
        fields = rest.split()
        out[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / tick)
    return out


def _cpu_split(before: dict, after: dict, server_pid: int) -> dict:
    """CPU seconds between two _proc_cpu readings: the server's workers (its children),
    PostgreSQL (every local process named postgres: backends and background writers; a
    backend that began meanwhile counts from zero) and Redis (the rate limiter's store)."""
    def used(pick) -> float:
        return sum(cpu - before.get(pid, (0, "", 0.0))[2]
                   for pid, (ppid, name, cpu) in after.items() if pick(ppid, name))
    return {"workers": used(lambda ppid, _name: ppid == server_pid),
            "database": used(lambda _ppid, name: name == "postgres"),
            "redis": used(lambda _ppid, name: name == "redis-server")}


def _load(port: int, path: str, body: bytes, content_type: str, seconds: float,
          threads: int = THREADS, server_pid: int | None = None,
          browsers: list[tuple[bytes, dict]] | None = None) -> dict:
    """Requests per second of POST path for `seconds` with `threads` keep-alive clients.
    In `body`, {n} becomes the request's number in this call, {run} this call's own token.
    With `server_pid`, also the CPU seconds its workers, PostgreSQL and this load generator
    used meanwhile (the machine's CPU that each request costs, less swayed than a rate by
    what else the machine does). `browsers`: per thread, the fields and headers (_browser)
    its posts add, as one browser's."""
    done, errors, stop = [0] * threads, [0] * threads, time.time() + seconds
    body = body.replace(b"{run}", uuid.uuid4().hex[:10].encode())

    def worker(i: int) -> None:
        conn = HTTPConnection("127.0.0.1", port, timeout=30)
        fields, headers = browsers[i] if browsers else (b"", {})
        headers = {**headers, "Content-Type": content_type}
        while time.time() < stop:
            try:
                conn.request("POST", path, body=body.replace(b"{n}", str(
                    done[i] * threads + i).encode()) + fields, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status in (200, 201, 303):
                    done[i] += 1
                else:
                    errors[i] += 1
            except OSError:
                errors[i] += 1
                conn = HTTPConnection("127.0.0.1", port, timeout=30)

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    before = _proc_cpu() if server_pid else {}
    started, load_cpu = time.time(), time.process_time()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.time() - started
    out = {"rps": round(sum(done) / elapsed, 1), "ok": sum(done), "errors": sum(errors),
           "seconds": elapsed}
    if server_pid:
        out["cpu"] = {**_cpu_split(before, _proc_cpu(), server_pid),
                      "load": time.process_time() - load_cpu}
    return out


def _browser(port: int) -> tuple[bytes, dict]:
    """What a browser that opened the form sends with its post: the session cookie, and the
    page's CSRF token and signed start time (the fields this adds to the body, and the
    headers). Every post of a thread reuses them without keeping the cookies answered: each
    is a citizen's first request in that session. With CSRF off (an experiment) the page
    has no token and sets no cookie: the post goes without them."""
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/permohonan")
    response = conn.getresponse()
    page = lxml.html.fromstring(response.read())
    conn.close()
    cookie = response.getheader("Set-Cookie")
    fields = {name: values[0] for name in ("csrf_token", "started")
              if (values := page.xpath("//input[@name=$name]/@value", name=name))}
    return (b"&" + urllib.parse.urlencode(fields).encode() if fields else b"",
            {"Cookie": cookie.split(";", 1)[0]} if cookie else {})


BARE = """
import sys
sys.path.insert(0, {root!r})
from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = {url!r}
db = SQLAlchemy(app)


@app.post("/bare")
def bare():
    db.session.execute(text("INSERT INTO bench_bare (body) VALUES (:b)"),
                       {{"b": request.get_data(as_text=True)}})
    db.session.commit()
    return "", 201
"""


def intake_rows(url: str, seconds: float) -> dict:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_bare (id serial PRIMARY KEY, "
                          "body text)"))
        service = conn.scalar(text("SELECT slug FROM services WHERE unit_id IS NOT NULL "
                                   "ORDER BY id LIMIT 1"))
    engine.dispose()
    api_body = json.dumps({
        "name": "Warga Bench", "email": "warga{n}@example.com", "type": "informasi",
        "service": service, "subject": "Pertanyaan sertifikat halal {n}",
        "message": "Bagaimana cara mendaftar sertifikat halal gratis untuk usaha saya?",
        "consent": True}).encode()
    form_body = urllib.parse.urlencode({
        "name": "Warga Bench", "email": "warga{n}@example.com", "type": "informasi",
        "service": service, "subject": "Pertanyaan sertifikat halal {n}",
        "message": "Bagaimana cara mendaftar sertifikat halal gratis untuk usaha saya?",
        # as a browser sends it: the form's submission key (a new one per request)
        "consent": "y", "submission_key": "bench-{run}-{n}"}
    ).encode().replace(b"%7Bn%7D", b"{n}").replace(b"%7Brun%7D", b"{run}")
    out = {}
    runs = (("bare_insert", "bench_bare", "/bare", b"x{n}", "text/plain"),
            ("intake_api", "bench_app", "/api/v1/requests", api_body, "application/json"),
            ("intake_form", "bench_app", "/permohonan", form_body,
             "application/x-www-form-urlencoded"))
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "bench_app.py").write_text(WSGI.format(root=str(HERE.parent), url=url,
                                                            overrides=live_settings()))
        Path(folder, "bench_bare.py").write_text(BARE.format(root=str(HERE.parent), url=url))
        servers = {}
        try:
            browsers = {}
            for label, module, path, body, kind in runs:
                servers[label] = _serve(folder, module)
                if label == "intake_form":
                    opened = time.time()
                    browsers[label] = [_browser(servers[label][1]) for _ in range(THREADS)]
                    # a person takes longer than the minimum fill time to type
                    time.sleep(max(0.0, opened + LIVE["FORM_MIN_FILL_SECONDS"] + 0.5
                                   - time.time()))
                _load(servers[label][1], path, body, kind, 1.0,
                      browsers=browsers.get(label))  # warm up
            # Interleaved rounds: the machine is shared, and a neighbour's load that comes and
            # goes would otherwise fall on one row of the ratio only.
            rounds = max(1, min(ROUNDS, int(seconds)))
            totals = {label: {"ok": 0, "errors": 0, "seconds": 0.0, "cpu": Counter()}
                      for label, *_ in runs}
            ratios = {"intake_api_vs_bare": [], "intake_form_vs_bare": []}
            for _ in range(rounds):
                rps = {}
                for label, _module, path, body, kind in runs:
                    server, port = servers[label]
                    done = _load(port, path, body, kind, seconds / rounds, server_pid=server.pid,
                                 browsers=browsers.get(label))
                    rps[label] = done["rps"]
                    for key in ("ok", "errors", "seconds"):
                        totals[label][key] += done[key]
                    totals[label]["cpu"].update(done["cpu"])
                for name in ratios:
                    ratios[name].append(rps[name.replace("_vs_bare", "")]
                                        / (rps["bare_insert"] or 1))
        finally:
            for server, _port in servers.values():
                os.killpg(server.pid, 15)
                server.wait(timeout=20)
    for label, total in totals.items():
        out[label] = {"rps": round(total["ok"] / total["seconds"], 1), "ok": total["ok"],
                      "errors": total["errors"],
                      # CPU milliseconds per request; "database" and "redis" count every local
                      # postgres and redis-server process (0 when the server is elsewhere)
                      "cpu_ms_per_request": {
                          part: round(1000 * used / max(total["ok"], 1), 3)
                          for part, used in sorted(total["cpu"].items())}}
        cpu = out[label]["cpu_ms_per_request"]
        print(f"  {label:<44} {out[label]['rps']:>9} req/s  "
              f"({out[label]['errors']} errors; CPU ms/request: workers {cpu['workers']}, "
              f"database {cpu['database']}, redis {cpu['redis']}, load {cpu['load']})",
              flush=True)
    total_cpu = {label: sum(out[label]["cpu_ms_per_request"].values()) for label in totals}
    for name, values in ratios.items():
        # the machine's CPU per bare request over that per intake request: what the rate
        # ratio would be on a machine doing nothing else, with the CPU always busy
        intake = name.replace("_vs_bare", "")
        if total_cpu[intake]:
            out[name + "_by_cpu"] = round(total_cpu["bare_insert"] / total_cpu[intake], 3)
        # the median round: one round disturbed by a neighbour does not decide it
        out[name] = round(statistics.median(values), 3)
        out[name + "_rounds"] = [round(v, 3) for v in values]
    return out


def intake_statements(app) -> dict:
    """SQL statements of one public intake through the test client (API and web form), after
    a warm-up request: the database round trips each request makes besides BEGIN/COMMIT."""
    with app.app_context():
        service = db.session.scalar(text("SELECT slug FROM services WHERE unit_id IS NOT NULL "
                                         "ORDER BY id LIMIT 1"))
        engine = db.engine
    client = app.test_client()
    fields = {"name": "Warga Bench", "type": "informasi", "service": service,
              "subject": "Pertanyaan sertifikat halal",
              "message": "Bagaimana cara mendaftar sertifikat halal gratis untuk usaha saya?"}
    out = {}
    statements: list[str] = []
    run = uuid.uuid4().hex[:10]  # a key of its own per run: a repeat would be looked up

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement.split("(")[0].split(" WHERE ")[0].strip())

    for label, send in (
            ("intake_api", lambda n: client.post("/api/v1/requests", json={
                **fields, "email": f"sql{n}@example.com", "consent": True})),
            ("intake_form", lambda n: client.post("/permohonan", data={
                **fields, "email": f"sql{n}@example.com", "consent": "y", "started": "0",
                "submission_key": f"sql-{run}-{n}"}))):
        send(0)
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            status = send(1).status_code
        finally:
            event.remove(engine, "before_cursor_execute", count)
        out[label] = {"status": status, "sql": len(statements), "statements": list(statements)}
        print(f"  {label + ' SQL':<44} {len(statements):>5} SQL  {status}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 DEFAULT_URL))
    parser.add_argument("--tickets", type=int, default=10000)
    parser.add_argument("--database", help="the database's name (default bench_<tickets>; "
                                           "a smoke test uses a throw-away one)")
    parser.add_argument("--seed", action="store_true", help="(re)seed bench_<N> first")
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--load-seconds", type=float, default=8.0)
    parser.add_argument("--no-reports", action="store_true",
                        help="skip the evaluation report pages, PDF and XLSX")
    parser.add_argument("--no-intake", action="store_true")
    parser.add_argument("--mail-messages", type=int, default=500,
                        help="files for the `mail ingest` row (0: skip it)")
    parser.add_argument("--mail-repeat", type=int, default=1)
    parser.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args()
    name = args.database or f"bench_{args.tickets}"
    if args.seed:
        url = recreate_database(args.database_url, name)
        seed(url, args.tickets)
    url = database_url(args.database_url, name)
    app = make_app(url)
    with app.app_context():  # a database seeded by an older checkout: bring it up to date
        from flask_migrate import upgrade

        upgrade()
    print(name, flush=True)
    result = {"tickets": args.tickets, "rows": in_process_rows(app, args.samples,
                                                                not args.no_reports)}
    result["sla_check"] = sla_check_row(app)
    if not args.no_intake:
        result["intake_sql"] = intake_statements(app)
    with app.app_context():
        db.engine.dispose()
    if not args.no_intake:
        result["intake"] = intake_rows(url, args.load_seconds)
    if args.mail_messages:
        from mail_ingest import mail_ingest_row

        result["mail_ingest"] = mail_ingest_row(url, args.mail_messages, args.mail_repeat)
    text_out = json.dumps(result, indent=2, default=str)
    print(text_out)
    if args.out:
        Path(args.out).write_text(text_out)


if __name__ == "__main__":
    main()
