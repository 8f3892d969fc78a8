"""Every form a POST can reach, for a visitor and each staff role, sent empty, with text
where numbers belong, invalid UTF-8 and NUL, negative and huge numbers, very long values and
repeated fields: a refusal or a message, never a server error."""

from __future__ import annotations

import pytest

from ticketing.domain.permissions import ROLES
from ticketing.extensions import limiter

from .test_crawl_routes import routes

#: the forms' field names (any that a form lacks is ignored by it)
FIELDS = ("body", "status", "assignee", "assignee_id", "unit", "unit_id", "service", "due",
          "reason", "email", "name", "role", "type", "subject", "message", "contact", "code",
          "answer", "text", "note", "day", "start", "end", "date", "hours", "weekday",
          "open_time", "close_time", "question", "title", "slug", "target_days", "level",
          "page", "ids", "ticket_ids", "action", "period", "rating", "score", "comment",
          "phone", "password", "current", "new", "confirm", "kept", "hapus", "value", "q")
BODIES = (
    {},
    dict.fromkeys(FIELDS, "x"),
    "&".join(f"{f}=%FF%FE%00%C0" for f in FIELDS).encode(),
    dict.fromkeys(FIELDS, "-1"),
    dict.fromkeys(FIELDS, "99999999999999999999"),
    dict.fromkeys(FIELDS, "y" * 20000),
    {f: ["1", "2"] for f in FIELDS},
)


@pytest.mark.parametrize("role", [None, *ROLES])
def test_no_form_answers_500_whatever_is_sent(app, now, role):
    client, paths = routes(app, now, role, "POST", skip=("/webhooks",))
    failures = []
    for _rule, path in paths:
        for body in BODIES:
            try:
                response = client.post(path, data=body, **(
                    {"content_type": "application/x-www-form-urlencoded"}
                    if isinstance(body, bytes) else {}))
            except Exception as exc:  # noqa: BLE001 - TESTING propagates a view's exception
                failures.append((path, str(body)[:40], repr(exc)[:300]))
                continue
            if response.status_code >= 500 and response.status_code != 503:
                failures.append((path, str(body)[:40], response.status_code))
            response.close()
    assert not failures, failures


#: the two refusals that give the input back (helpers.input_back): a form whose session is
#: gone (CSRF fails, on a post from this site), and a visitor over the intake limit (zero:
#: every post refused)
REFUSALS = {"expired": {"WTF_CSRF_ENABLED": True},
            "over_the_limit": {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
                               "INTAKE_RATE_LIMIT": "0 per minute"}}


@pytest.mark.parametrize("backend", ["sqlite"])  # refused before anything is written
@pytest.mark.parametrize("refusal", sorted(REFUSALS))
@pytest.mark.parametrize("role", [None, "staf", "admin"])
def test_no_refused_form_answers_500_whatever_was_sent(app, now, role, refusal):
    """Whatever was sent, a refused form answers with its page again, a page to copy the
    input from, or the shared 400/429: never a server error, never accepted."""
    app.config.update(REFUSALS[refusal])
    limiter.init_app(app)
    client, paths = routes(app, now, role, "POST", skip=("/webhooks", "/api/"))
    failures = []
    for _rule, path in paths:
        for body in BODIES[1:4] + BODIES[6:]:
            try:
                response = client.post(path, data=body, headers={
                    "Origin": "http://localhost"}, **(
                    {"content_type": "application/x-www-form-urlencoded"}
                    if isinstance(body, bytes) else {}))
            except Exception as exc:  # noqa: BLE001 - TESTING propagates a view's exception
                failures.append((path, str(body)[:40], repr(exc)[:300]))
                continue
            if response.status_code >= 500 or (
                    refusal == "expired" and response.status_code != 400):
                failures.append((path, str(body)[:40], response.status_code))
            response.close()
    assert not failures, failures
