"""The intake limit (ticketing.ratelimit): each of its windows counted in one round trip to
Redis, a refused request counted in none, a mistyped form given back, per route and per
client address; the same answers from the in-memory store of development."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import socket
import subprocess
import time
import uuid

import pytest
import redis
from flask import Flask, abort
from flask_babel import refresh
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from sqlalchemy import func, select

from ticketing.domain.ikm import ELEMENT_KEYS
from ticketing.extensions import db, limiter
from ticketing.models import Attachment, Message, OutboxMail, SurveyResponse, Ticket
from ticketing.ratelimit import checks_in_decorators_only, intake_limited
from ticketing.services import tickets as ticket_service
from ticketing.services.transaction import run

from ..factories import PDF_BYTES, gen_ticket
from ..support.components import free_port, missing_component
from ..support.staff import staff
from .test_api_public import BODY
from .test_kept_uploads import kept_tokens
from .test_public import form_data
from .test_survey import confirmed, mailed_link
from .test_survey import form as survey_form

STORES = ["redis", "memory"]


@pytest.fixture(params=STORES)
def store(request) -> str:
    return request.param


def _limit(app, store: str, limit: str, request) -> str:
    """The intake limit on, in `store`, under a key prefix of this test's own (returned)."""
    prefix = uuid.uuid4().hex
    url = request.getfixturevalue("redis_url") if store == "redis" else "memory://"
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=url,
                      RATELIMIT_KEY_PREFIX=prefix, INTAKE_RATE_LIMIT=limit)
    limiter.init_app(app)
    return prefix


def _counters(redis_url: str, prefix: str) -> dict[str, tuple[int, int]]:
    """The intake counters in Redis under `prefix`: window ("1/minute") -> (count, ttl)."""
    store = redis.Redis.from_url(redis_url, decode_responses=True)
    return {key.split("}/", 1)[1]: (int(store.get(key)), store.ttl(key))
            for key in store.scan_iter(f"*{prefix}*")}


def _tickets() -> int:
    return db.session.scalar(select(func.count(Ticket.id)))


def _post(client, number: int, address: str = "127.0.0.1"):
    return client.post("/api/v1/requests", json={**BODY, "subject": f"Pertanyaan {number}"},
                       environ_base={"REMOTE_ADDR": address})


def test_the_shortest_full_window_refuses_and_says_when_it_reopens(app, store, request):
    prefix = _limit(app, store, "5 per hour;2 per minute", request)
    client = app.test_client()
    statuses = [_post(client, i).status_code for i in range(3)]
    assert statuses == [201, 201, 429]
    refused = _post(client, 4)
    assert refused.status_code == 429
    assert refused.get_json()["error"] == "Terlalu banyak permintaan"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert (refused.headers["X-RateLimit-Limit"], refused.headers["X-RateLimit-Remaining"]) \
        == ("2", "0")
    assert _tickets() == 2
    if store == "redis":
        # one counter per window; the refused requests counted in neither
        counters = _counters(request.getfixturevalue("redis_url"), prefix)
        assert set(counters) == {"2/1/minute", "5/1/hour"}
        assert counters["2/1/minute"][0] == counters["5/1/hour"][0] == 2
        assert 0 < counters["2/1/minute"][1] <= 60 and 60 < counters["5/1/hour"][1] <= 3600


def test_a_full_longer_window_refuses_with_its_own_wait(app, store, request):
    _limit(app, store, "2 per hour;5 per minute", request)
    client = app.test_client()
    assert [_post(client, i).status_code for i in range(3)] == [201, 201, 429]
    refused = _post(client, 3)
    assert 60 < int(refused.headers["Retry-After"]) <= 3600
    assert refused.headers["X-RateLimit-Limit"] == "2"


def test_when_every_window_is_full_the_wait_is_the_longest(app, store, request):
    _limit(app, store, "1 per minute;1 per 2 hours", request)
    client = app.test_client()
    assert [_post(client, i).status_code for i in range(2)] == [201, 429]
    assert 3600 < int(_post(client, 2).headers["Retry-After"]) <= 7200


def test_each_route_and_each_address_has_its_own_count(app, store, request):
    _limit(app, store, "1 per minute", request)
    client = app.test_client()
    assert [_post(client, i).status_code for i in range(2)] == [201, 429]
    assert _post(client, 2, address="10.0.0.2").status_code == 201
    # the tracking form counts its own posts; its page (GET) is never limited
    tracking = {"code": "ABCD-EFGH", "contact": "x@example.com"}
    assert client.post("/lacak", data=tracking).status_code == 422
    assert client.post("/lacak", data=tracking).status_code == 429
    assert client.get("/lacak").status_code == 200
    assert client.get("/permohonan").status_code == 200


def test_a_mistyped_form_is_given_back_to_the_limit(app, store, request):
    prefix = _limit(app, store, "2 per minute;5 per hour", request)
    client = app.test_client()
    for i in range(4):
        assert client.post("/permohonan", data=form_data(
            subject="", submission_key=f"salah{i}")).status_code == 422
    if store == "redis":  # given back to zero: the counters are gone
        assert _counters(request.getfixturevalue("redis_url"), prefix) == {}
    assert client.post("/permohonan", data=form_data(submission_key="a")).status_code == 303
    if store == "redis":
        counters = _counters(request.getfixturevalue("redis_url"), prefix)
        assert {window: count for window, (count, _ttl) in counters.items()} \
            == {"2/1/minute": 1, "5/1/hour": 1}
    assert client.post("/permohonan", data=form_data(submission_key="b")).status_code == 303
    refused = client.post("/permohonan", data=form_data(submission_key="c"))
    assert refused.status_code == 429 and "tunggu sekitar 1 menit" in refused.get_data(
        as_text=True)
    assert _tickets() == 2


def test_switched_off_nothing_is_counted(app, redis_url):
    prefix = uuid.uuid4().hex
    app.config.update(RATELIMIT_ENABLED=False, RATELIMIT_STORAGE_URI=redis_url,
                      RATELIMIT_KEY_PREFIX=prefix, INTAKE_RATE_LIMIT="1 per minute")
    limiter.init_app(app)
    client = app.test_client()
    assert [_post(client, i).status_code for i in range(3)] == [201, 201, 201]
    assert _counters(redis_url, prefix) == {}


def test_with_its_store_down_the_limit_lets_requests_through_and_says_so(app, caplog):
    app.config.update(RATELIMIT_ENABLED=True, INTAKE_RATE_LIMIT="1 per minute",
                      RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0")
    limiter.init_app(app)
    client = app.test_client()
    with caplog.at_level("ERROR", logger="ticketing.ratelimit"):
        assert [_post(client, i).status_code for i in range(2)] == [201, 201]
        assert client.post("/permohonan", data=form_data(subject="", submission_key="x")
                           ).status_code == 422
        assert client.post("/permohonan", data=form_data(submission_key="y")
                           ).status_code == 303
    assert _tickets() == 3
    assert "intake limit not applied on api.create_request" in caplog.text


def test_a_store_that_hangs_holds_the_request_for_a_moment_only(app, caplog):
    with socket.socket() as silent:  # accepts connections (the kernel does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        app.config.update(RATELIMIT_ENABLED=True, INTAKE_RATE_LIMIT="1 per minute",
                          RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        limiter.init_app(app)
        started = time.monotonic()
        with caplog.at_level("ERROR", logger="ticketing.ratelimit"):
            response = _post(app.test_client(), 1)
        waited = time.monotonic() - started
    assert response.status_code == 201 and _tickets() == 1
    assert waited < 3, waited  # half a second per try (without the options: about 6 s)
    assert "its store did not answer" in caplog.text


def test_a_form_too_large_to_read_does_not_use_up_the_limit(app, store, request):
    prefix = _limit(app, store, "1 per minute", request)
    app.config["MAX_CONTENT_LENGTH"] = 2000
    client = app.test_client()
    too_large = client.post("/permohonan", data=form_data(message="Isi pesan. " * 300))
    assert too_large.status_code == 413
    assert "Berkas terlalu besar" in too_large.get_data(as_text=True)
    if store == "redis":  # refused before the limit was asked
        assert _counters(request.getfixturevalue("redis_url"), prefix) == {}
    assert client.post("/permohonan", data=form_data(submission_key="a")).status_code == 303
    assert client.post("/permohonan", data=form_data(submission_key="b")).status_code == 429


def test_a_view_that_fails_gives_its_request_back(app, store, request):
    prefix = _limit(app, store, "1 per minute", request)
    answers = iter([503, 201])

    @app.post("/uji-gagal")
    @intake_limited(counted=lambda response: response.status_code < 400)
    def fails_once():
        status = next(answers)
        if status >= 500:
            abort(status)  # raised from the view, not returned: given back all the same
        return "", status

    client = app.test_client()
    assert client.post("/uji-gagal").status_code == 503
    if store == "redis":
        assert _counters(request.getfixturevalue("redis_url"), prefix) == {}
    assert client.post("/uji-gagal").status_code == 201
    assert client.post("/uji-gagal").status_code == 429


@pytest.fixture
def private_redis(tmp_path):
    """A Redis server of this test's own on a free port (the test may shut it down)."""
    server = shutil.which("redis-server")
    if server is None:
        missing_component("redis-server (Debian's redis-server package)")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
            break
        except redis.RedisError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                missing_component(f"redis-server did not start on {port}")
            time.sleep(0.05)
    yield url
    process.kill()
    process.wait(timeout=10)


def test_a_give_back_that_cannot_reach_the_store_keeps_the_answer_and_says_so(
        app, private_redis, caplog):
    """The request was counted, then its store went away before the view's answer (a form
    sent back with mistakes) could give it back: the citizen still gets that answer, and the
    operator is told the request stayed counted."""
    prefix = uuid.uuid4().hex
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=private_redis,
                      RATELIMIT_KEY_PREFIX=prefix, INTAKE_RATE_LIMIT="5 per minute")
    limiter.init_app(app)

    @app.post("/uji-redis-hilang")
    @intake_limited(counted=lambda response: response.status_code < 400)
    def store_goes_away():
        counters = _counters(private_redis, prefix)
        assert [count for count, _ttl in counters.values()] == [1]  # counted before the view
        with contextlib.suppress(redis.ConnectionError):  # the server hangs up as it stops
            redis.Redis.from_url(private_redis).shutdown(nosave=True)
        return "Periksa isian", 422

    with caplog.at_level("ERROR", logger="ticketing.ratelimit"):
        response = app.test_client().post("/uji-redis-hilang")
    assert response.status_code == 422
    assert response.get_data(as_text=True) == "Periksa isian"
    assert "a request not to count was counted" in caplog.text


def _refused(response, *typed: str) -> str:
    """A refusal with the route's own page: 429, its wait in words and in Retry-After, and
    everything typed still in the form."""
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.headers["X-RateLimit-Limit"] == "1"
    assert "Isian Anda masih ada di bawah: tunggu sekitar 1 menit" in html
    assert "Anda mengirim terlalu sering" not in html  # not the shared page
    for text in typed:
        assert text in html, text
    return html


def test_a_refused_tracking_or_recovery_form_keeps_what_was_typed(app, store, request):
    _limit(app, store, "1 per minute", request)
    client = app.test_client()
    tracking = {"code": "ABCD-EFGH", "contact": "siti.rahma@example.com"}
    assert client.post("/lacak", data=tracking).status_code == 422
    _refused(client.post("/lacak", data=tracking),
             'value="ABCD-EFGH"', 'value="siti.rahma@example.com"')
    recovery = {"contact": "0812 3456 7890"}
    assert client.post("/lacak/kirim-ulang", data=recovery).status_code == 303
    mails = db.session.scalar(select(func.count(OutboxMail.id)))
    _refused(client.post("/lacak/kirim-ulang", data=recovery), 'value="0812 3456 7890"')
    assert db.session.scalar(select(func.count(OutboxMail.id))) == mails
    refresh()  # the test's app context outlives each request's language
    client.get("/?lang=en")
    refresh()
    english = client.post("/lacak", data=tracking).get_data(as_text=True)
    assert "What you typed is still below: wait about 1 minute" in english


def test_a_refused_reply_comes_back_on_the_tracking_page_as_typed(app, store, request, now):
    _limit(app, store, "1 per minute", request)
    ticket = gen_ticket(now)
    client = app.test_client()
    client.post("/lacak", data={"code": ticket.code, "contact": ticket.requester_email})
    path = f"/lacak/{ticket.code}/balas"
    assert client.post(path, data={"body": "Balasan pertama"}).status_code == 303
    html = _refused(client.post(path, data={
        "body": "Kedua: <b>alamat</b> usaha saya di Ilir Timur",
        "attachments": [(io.BytesIO(PDF_BYTES), "nib.pdf")]},
        content_type="multipart/form-data"),
        "Kedua: &lt;b&gt;alamat&lt;/b&gt; usaha saya di Ilir Timur",
        "Lampiran yang tadi dipilih perlu dipilih lagi")
    assert ticket.subject in html  # the request's own page, not an error page
    bodies = db.session.scalars(select(Message.body_text).where(
        Message.ticket_id == ticket.id)).all()
    assert "Balasan pertama" in bodies and not any("Kedua" in body for body in bodies)
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_a_refused_survey_keeps_the_answers_given(app, store, request, now):
    ticket = confirmed(now)
    path = mailed_link(ticket)
    _limit(app, store, "1 per minute", request)
    client = app.test_client()
    missing = survey_form(3)
    del missing[ELEMENT_KEYS[0]]
    assert client.post(path, data=missing).status_code == 422
    html = _refused(client.post(path, data=survey_form(2, "Petugas ramah, tapi lambat")),
                    "Petugas ramah, tapi lambat")
    chosen = re.findall(r'<input[^>]*name="(\w+)"[^>]*value="2"[^>]*checked', html) + \
        re.findall(r'<input[^>]*checked[^>]*name="(\w+)"[^>]*value="2"', html)
    assert set(chosen) >= set(ELEMENT_KEYS)
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0


def test_a_refused_request_form_keeps_the_files_kept_from_before(app, store, request):
    _limit(app, store, "1 per minute", request)
    client = app.test_client()
    mistyped = client.post("/permohonan", data={
        **form_data(subject="", submission_key="a"),
        "attachments": [(io.BytesIO(PDF_BYTES), "nib.pdf")]}, content_type="multipart/form-data")
    assert mistyped.status_code == 422  # given back: it does not count
    tokens = kept_tokens(mistyped.get_data(as_text=True))
    assert len(tokens) == 1
    assert client.post("/permohonan", data=form_data(submission_key="b")).status_code == 303
    html = _refused(client.post("/permohonan", data={
        **form_data(subject="Izin koperasi simpan pinjam", submission_key="c"), "kept": tokens},
        content_type="multipart/form-data"), 'value="Izin koperasi simpan pinjam"', "nib.pdf")
    assert kept_tokens(html) == tokens
    assert "tadi dipilih perlu dipilih lagi" not in html  # nothing new was chosen
    assert _tickets() == 1


def test_a_reply_to_a_closed_request_over_the_limit_gets_the_shared_429(
        app, store, request, now):
    """A closed request's page has no reply form to give back: the shared 429."""
    _limit(app, store, "1 per minute", request)
    ticket = gen_ticket(now)
    run(ticket_service.close, ticket, staff(now), now, reason="selesai di telepon")
    client = app.test_client()
    with client.session_transaction() as session:
        session["tracked"] = [ticket.code]
    path = f"/lacak/{ticket.code}/balas"
    assert client.post(path, data={"body": "Masih ada pertanyaan"}).status_code == 422
    refused = client.post(path, data={"body": "Masih ada pertanyaan"})
    assert refused.status_code == 429
    assert "Anda mengirim terlalu sering" in refused.get_data(as_text=True)


@pytest.mark.parametrize("method, path, data", [
    ("post", "/lacak/ABCD-EFGH/balas", {"body": "Apakah sudah ada kabar?"}),
    ("post", "/survei/ABCD-EFGH", {"t": "x"}),
    ("get", "/api/v1/requests/ABCD-EFGH", None),
], ids=["reply-to-a-request-not-this-browsers", "survey-by-a-bad-link", "status-api"])
def test_without_a_page_to_show_again_the_refusal_is_the_shared_429(
        app, store, request, method, path, data):
    """No form to give back (a request this browser may not see, a survey link that cannot
    be used, the API): the shared 429 in Indonesian (JSON for the API) with its wait."""
    _limit(app, store, "1 per minute", request)
    client = app.test_client()
    first = getattr(client, method)(path, data=data)
    assert first.status_code != 429
    refused = getattr(client, method)(path, data=data)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Limit"] == "1"
    if path.startswith("/api/"):
        assert refused.get_json()["error"] == "Terlalu banyak permintaan"
    else:
        html = refused.get_data(as_text=True)
        assert "Anda mengirim terlalu sering" in html and "per 1 minute" not in html


@pytest.mark.parametrize("defaults, kept", [([], False), (["1000 per day"], True)])
def test_flask_limiters_check_of_every_request_is_out_while_no_limit_needs_it(
        app, defaults, kept):
    """The desk declares no limit for the whole application: Flask-Limiter's before_request
    check has nothing to do and is taken out (its per-route limits are checked by their
    decorators: the login test still meets its 429). A default limit keeps it."""
    assert limiter._check_request_limit not in app.before_request_funcs[None]
    other = Flask(__name__)
    extension = Limiter(get_remote_address, app=other, default_limits=defaults,
                        storage_uri="memory://")
    checks_in_decorators_only(other, extension)
    assert (extension._check_request_limit in other.before_request_funcs[None]) is kept
