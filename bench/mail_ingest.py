"""Benchmark `flask mail ingest` of 500 realistic .eml files on a database seeded by
bench/seed.py, and parsing alone; prints JSON.

The 500 files are built for each run (every run's bytes and Message-IDs are new, so a rerun
on the same database is never a duplicate), in a fixed mix:

* new requests: the project's own Indonesian sample mail (tests/data/mail: plain, HTML,
  attachments, quoted replies), each from a new sender;
* replies to seeded tickets by the requester: the code in the subject, or In-Reply-To one of
  our signed Message-IDs;
* replies to a request earlier in the same batch by its stored Message-ID;
* the real-world corpus (tests/data/corpus/email: imap_tools, Zammad, RT): bounces,
  auto-replies, odd charsets, large attachments.

Rows: `cli` runs `flask --app ticketing mail ingest FILE...` in a subprocess, as an operator
does (interpreter start-up included); `in_process` ingests a second batch as that command
does (`ingest_many`) in this process, counting SQL statements; `parse` times `parse_message`
alone on the first batch.

    .venv/bin/python bench/mail_ingest.py --tickets 10000 [--messages 500] [--profile out.prof]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from seed import DEFAULT_URL, make_app  # noqa: E402
from sqlalchemy import event, text  # noqa: E402

from ticketing.config import TestConfig  # noqa: E402
from ticketing.extensions import db  # noqa: E402

SAMPLES = ROOT / "tests" / "data" / "mail"
CORPUS = ROOT / "tests" / "data" / "corpus" / "email"
CORPUS_META = {"LICENSE", "SOURCE_COMMIT", "PROVENANCE.md", "README.md"}
#: one slot per kind, repeated: 40% new, 20% code in subject, 10% signed reply, 10% reply by
#: stored Message-ID, 20% real-world corpus
PATTERN = ["new", "code", "corpus", "new", "signed", "new", "stored", "corpus", "new", "code"]
DOMAIN = "bench.invalid"


def database_url(admin_url: str, name: str) -> str:
    """The URL of database `name` on the server of `admin_url`."""
    from sqlalchemy.engine import make_url

    return make_url(admin_url).set(drivername="postgresql+psycopg",
                                   database=name).render_as_string(hide_password=False)


# ------------------------------------------------------------------ building the mail

_HEADER_END = re.compile(rb"\r?\n\r?\n")


def set_headers(raw: bytes, values: dict[str, str | None]) -> bytes:
    """`raw` with these headers replaced (None: removed), new ones first."""
    match = _HEADER_END.search(raw)
    head, rest = (raw[:match.start()], raw[match.start():]) if match else (raw, b"\n\n")
    names = {name.lower().encode() for name in values}
    kept, skipping = [], False
    for line in re.split(rb"\r?\n", head):
        if line[:1] in (b" ", b"\t") and skipping:
            continue
        skipping = line.split(b":", 1)[0].strip().lower() in names
        if not skipping:
            kept.append(line)
    eol = b"\r\n" if b"\r\n" in head else b"\n"
    new = [f"{name}: {value}".encode() for name, value in values.items() if value is not None]
    return eol.join(new + kept) + rest


def _mail_files(folder: Path, skip: tuple[str, ...] = ()) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in CORPUS_META
                  and not p.name.endswith((".yml", ".py", ".md", ".txt"))
                  and not p.name.startswith(skip))


def templates() -> tuple[list[bytes], list[bytes], list[bytes]]:
    """(new-request samples, reply samples, real-world corpus)."""
    samples = _mail_files(SAMPLES, skip=("bounce", "ooo", "newsletter", "noreply"))
    samples = [p for p in samples if "noise" not in p.parts and "quotes" not in p.parts]
    replies = [p for p in samples if "reply" in p.name or "pesan_asli" in p.name
               or "original" in p.name]
    corpus = _mail_files(CORPUS)
    return ([p.read_bytes() for p in samples], [p.read_bytes() for p in replies],
            [p.read_bytes() for p in corpus])


def seeded_tickets(url: str, count: int) -> list[tuple[str, str, str]]:
    """(code, requester email, subject) of recent tickets with an address, not closed (a
    reply to a closed ticket is a new request: the corpus and the samples have those)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT code, requester_email, subject FROM tickets "
            "WHERE requester_email IS NOT NULL AND status IN "
            "('baru', 'diproses', 'menunggu_pemohon', 'selesai') ORDER BY id DESC LIMIT :n"),
            {"n": count}).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def build_batch(count: int, tickets: list[tuple[str, str, str]], run: str,
                seed: int = 13) -> list[bytes]:
    """`count` messages in the fixed mix, unique to this `run`."""
    from ticketing.mail import make_message_id

    rng = random.Random(seed)
    samples, replies, corpus = templates()
    secret = TestConfig.SECRET_KEY.encode()
    batch: list[bytes] = []
    earlier: list[tuple[str, str]] = []  # (message id, sender) of new requests so far
    used = 0  # corpus files so far (spread over its three sources)
    date = "Thu, 03 Dec 2026 10:30:00 +0700"
    for i in range(count):
        kind = PATTERN[i % len(PATTERN)]
        message_id = f"<bench.{run}.{i}@{DOMAIN}>"
        if kind == "stored" and not earlier:
            kind = "new"
        if kind == "new":
            sender = f"warga.{run}.{i}@example.com"
            raw = set_headers(samples[i % len(samples)], {
                "Message-ID": message_id, "From": f"Warga {i} <{sender}>", "Date": date,
                "In-Reply-To": None, "References": None})
            earlier.append((message_id, sender))
        elif kind in ("code", "signed"):
            code, email, subject = tickets[rng.randrange(len(tickets))]
            headers = {"Message-ID": message_id, "From": f"Pemohon <{email}>", "Date": date,
                       "In-Reply-To": None, "References": None}
            if kind == "code":
                headers["Subject"] = f"Re: [{code}] {subject}"
            else:
                ours = make_message_id(code, secret, TestConfig.MAIL_MESSAGE_ID_DOMAIN,
                                       f"b{i}")
                headers.update({"Subject": f"Re: {subject}", "In-Reply-To": ours,
                                "References": ours})
            raw = set_headers(replies[i % len(replies)], headers)
        elif kind == "stored":
            original, sender = earlier[rng.randrange(len(earlier))]
            raw = set_headers(replies[i % len(replies)], {
                "Message-ID": message_id, "From": sender, "Date": date,
                "Subject": "Re: permohonan saya", "In-Reply-To": original,
                "References": original})
        else:
            raw = set_headers(corpus[used * 7 % len(corpus)], {"Message-ID": message_id})
            used += 1
        batch.append(raw)
    return batch


# ------------------------------------------------------------------ timing

def time_cli(url: str, files: list[Path], uploads: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": TestConfig.SECRET_KEY,
           "UPLOAD_DIR": uploads, "APP_ENV": "development", "PYTHONPATH": str(ROOT)}
    # As installed: the application's bytecode cached (a shell that forbids writing it would
    # add the compilation of every module, ~0.5-3 s here, to each run).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    flask = str(Path(sys.executable).parent / "flask")
    start, children = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([flask, "--app", "ticketing", "mail", "ingest", *map(str, files)],
                          env=env, capture_output=True, text=True, cwd=str(ROOT))
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # the command's own CPU (user + system): less swayed by other load than the wall time
    cpu = after.ru_utime - children.ru_utime + after.ru_stime - children.ru_stime
    if done.returncode != 0:
        raise RuntimeError(f"mail ingest exited {done.returncode}: {done.stderr[-3000:]}")
    actions = Counter(json.loads(line)["action"] for line in done.stdout.splitlines()
                      if line.startswith("{"))
    return {"seconds": round(elapsed, 2), "msg_per_s": round(len(files) / elapsed, 1),
            "cpu_seconds": round(cpu, 2), "actions": dict(actions)}


def time_parse(batch: list[bytes]) -> dict:
    from ticketing.mail import MailParseError, parse_message

    start = time.perf_counter()
    for raw in batch:
        with contextlib.suppress(MailParseError):  # stored as failed by ingest
            parse_message(raw, budget_seconds=20)
    elapsed = time.perf_counter() - start
    return {"seconds": round(elapsed, 2), "msg_per_s": round(len(batch) / elapsed, 1)}


def time_in_process(url: str, batch: list[bytes], uploads: str,
                    profile: str | None = None) -> dict:
    """The batch as the CLI ingests files (`ingest_many`), without interpreter start-up."""
    from ticketing.services.mail_ingest import ingest_many

    app = make_app(url, uploads)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    commits: list[int] = []

    def commit(_conn) -> None:
        commits.append(1)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        event.listen(db.engine, "commit", commit)
        profiler = cProfile.Profile() if profile else None
        actions: Counter = Counter()
        start, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        for result in ingest_many(batch, lambda: datetime.now(UTC), source="file"):
            actions[result.action] += 1
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        event.remove(db.engine, "before_cursor_execute", count)
        event.remove(db.engine, "commit", commit)
        db.engine.dispose()
    return {"seconds": round(elapsed, 2), "msg_per_s": round(len(batch) / elapsed, 1),
            "sql_per_msg": round(len(statements) / len(batch), 1),
            "commits_per_msg": round(len(commits) / len(batch), 2),
            # this process's CPU (parsing, the ORM, the driver): less swayed by the load
            "cpu_ms_per_msg": round(cpu * 1000 / len(batch), 1),
            "sql": dict(Counter(statements).most_common()), "actions": dict(actions)}


def mail_ingest_row(url: str, messages: int = 500, repeat: int = 1,
                    profile: str | None = None, cli: bool = True) -> dict:
    """The `mail_ingest` row of bench/run.py: medians over `repeat` runs."""
    tickets = seeded_tickets(url, 2000)
    if not tickets:
        raise RuntimeError("no seeded tickets with an address: seed the database first")
    runs: dict[str, list[dict]] = {"cli": [], "in_process": [], "parse": []}
    with tempfile.TemporaryDirectory(prefix="bench-mail-") as folder:
        for _ in range(repeat):
            run = uuid.uuid4().hex[:10]
            batch = build_batch(messages, tickets, run)
            runs["parse"].append(time_parse(batch))
            if cli:
                files = []
                for i, raw in enumerate(batch):
                    path = Path(folder, f"{run}-{i:04}.eml")
                    path.write_bytes(raw)
                    files.append(path)
                runs["cli"].append(time_cli(url, files, folder))
                print(f"  mail_ingest_cli {runs['cli'][-1]}", flush=True)
            second = build_batch(messages, tickets, run + "p")
            runs["in_process"].append(time_in_process(url, second, folder, profile))
            print(f"  mail_ingest_in_process {runs['in_process'][-1]['msg_per_s']} msg/s "
                  f"{runs['in_process'][-1]['sql_per_msg']} SQL/msg", flush=True)
    out: dict = {"messages": messages, "runs": repeat}
    for label, values in runs.items():
        if not values:
            continue
        out[label] = {**values[-1],
                      "msg_per_s": statistics.median(v["msg_per_s"] for v in values),
                      "all_msg_per_s": [v["msg_per_s"] for v in values]}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 DEFAULT_URL),
                        help="the PostgreSQL server (the database is bench_<N>)")
    parser.add_argument("--url", help="the exact database URL (overrides --tickets)")
    parser.add_argument("--tickets", type=int, default=10000)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-cli", action="store_true", help="only the in-process pass")
    parser.add_argument("--profile", help="write a cProfile of the in-process pass here")
    args = parser.parse_args()
    url = args.url or database_url(args.database_url, f"bench_{args.tickets}")
    result = mail_ingest_row(url, args.messages, args.repeat, args.profile, not args.no_cli)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
