"""Every form a POST can reach, for a visitor and each staff role, sent empty, with text
where numbers belong, invalid UTF-8 and NUL, negative and huge numbers, very long values and
repeated fields: a refusal or a message, never a server error."""

from __future__ import annotations

import pytest

from ticketing.domain.permissions import ROLES

from ..factories import gen_ticket
from ..support.staff import StaffClient, login, staff
from .test_crawl_routes import fill, route_values

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
    app.test_client_class = StaffClient
    ticket = gen_ticket(now)
    client = app.test_client()
    if role:
        login(client, staff(now, role=role))
    values = route_values(ticket)
    failures, skipped = [], set()
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith("/webhooks"):
            continue
        path = fill(rule, values)
        if path is None:
            skipped.add(rule.rule)
            continue
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
    assert not skipped, skipped
