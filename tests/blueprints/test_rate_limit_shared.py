"""Rate limits hold across web workers (separate processes) when they share Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from ticketing import ROOT, create_app
from ticketing.extensions import db

from ..conftest import _config
from ..support.components import free_port

pytestmark = pytest.mark.slow  # two web worker processes per test

def _workers(tmp_path, storage: str, count: int = 2):
    url = f"sqlite:///{tmp_path}/shared.sqlite3"
    app = create_app(_config(url, tmp_path))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    env = {**os.environ, "DATABASE_URL": url, "RATELIMIT_STORAGE_URI": storage,
           "INTAKE_RATE_LIMIT": "3 per minute", "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex}
    ports, procs = [], []
    for _ in range(count):
        port = free_port()
        procs.append(subprocess.Popen([sys.executable, "-m", "tests.support.serve", str(port)],
                                      cwd=ROOT, env=env, stderr=subprocess.DEVNULL))
        ports.append(port)
    for port in ports:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/lacak", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
    return ports, procs


def _post_alternating(ports) -> list[tuple[int, dict]]:
    """(status, headers) of four tracking posts, to the workers in turn."""
    answers = []
    for i in range(4):
        data = urllib.parse.urlencode({"code": "ABCD-EFGH", "contact": f"x{i}@x.id"}).encode()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{ports[i % 2]}/lacak", data=data,
                                        timeout=5) as response:
                answers.append((response.status, dict(response.headers)))
        except urllib.error.HTTPError as exc:
            answers.append((exc.code, dict(exc.headers)))
    return answers


@pytest.mark.parametrize("shared", [True, False], ids=["redis", "memory"])
def test_limit_counts_across_worker_processes(redis_url, tmp_path, shared):
    ports, procs = _workers(tmp_path, redis_url if shared else "memory://")
    try:
        answers = _post_alternating(ports)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=5)
    statuses = [status for status, _headers in answers]
    if shared:
        # Each worker saw two requests; together they crossed the limit of three.
        assert statuses == [422, 422, 422, 429]
        # the refusal's wait and limit, read from Redis; the answers before it carry none
        refused = answers[3][1]
        assert 1 <= int(refused["Retry-After"]) <= 60
        assert (refused["X-RateLimit-Limit"], refused["X-RateLimit-Remaining"]) == ("3", "0")
        assert not any("X-RateLimit-Limit" in headers for _status, headers in answers[:3])
    else:
        # The control: per-process memory cannot see the other worker's requests.
        assert statuses == [422, 422, 422, 422]
