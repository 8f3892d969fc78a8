"""Every form a POST can reach, for a visitor and each staff role, sent empty, with text
where numbers belong, invalid UTF-8 and NUL, negative and huge numbers, very long values and
repeated fields: a refusal or a message, never a server error."""

from __future__ import annotations

import pytest

from ticketing.domain.permissions import ROLES

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
