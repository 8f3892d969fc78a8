"""The staff API's writes and reads, for each role's token, with JSON of every wrong shape:
a JSON error, never a server error."""

from __future__ import annotations

import pytest

from ticketing.domain.permissions import ROLES

from ..factories import gen_ticket
from ..support.staff import StaffClient, bearer, staff
from .test_crawl_routes import fill, route_values

#: bodies of every wrong shape: not JSON, not an object, wrong types, NUL, huge, nested
BODIES = (
    b"", b"{", b"null", b"[]", b'"text"', b"1e999", b'{"body": null}',
    b'{"body": 5, "assignee": "x", "assignee_id": "x", "unit": [], "status": {}}',
    b'{"body": "\\u0000\\ud800", "assignee_id": -1, "email": "\\ud800@x"}',
    b'{"body": "' + b"y" * 100000 + b'", "assignee_id": 99999999999999999999}',
    b'{"body": "ok", "assignee_id": 1.5, "status": "selesai", "extra": {"a": [1, {"b": 2}]}}',
    b"[" * 5000 + b"]" * 5000,
)
QUERIES = ("", "page=-1&per_page=abc&cursor=%FF&status=x&unit=999&q=%00",
           "period=2026-Q9&from=x", "page=99999999999999999999")


@pytest.mark.parametrize("role", [None, *ROLES])
def test_api_answers_json_never_500(app, now, role):
    app.test_client_class = StaffClient
    ticket = gen_ticket(now)
    client = app.test_client()
    headers = bearer(staff(now, role=role), now) if role else {}
    values = route_values(ticket)
    failures = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = fill(rule, values)
        assert path is not None, rule.rule
        if "POST" in rule.methods:
            for body in BODIES:
                response = client.post(path, data=body, headers=headers,
                                       content_type="application/json")
                if response.status_code >= 500 or not response.is_json:
                    failures.append((path, body[:30], response.status_code))
        if "GET" in rule.methods:
            for query in QUERIES:
                response = client.get(f"{path}?{query}", headers=headers)
                if response.status_code >= 500 or not response.is_json:
                    failures.append((path, query[:30], response.status_code))
    assert not failures, failures
