"""Every page a GET can open, for every kind of visitor, with the query strings an attacker or
a mistyped link sends: none may answer 500 (a server error is a bug, whatever came in)."""

from __future__ import annotations

import re

import pytest

from ticketing.domain.permissions import ROLES

from ..factories import gen_ticket
from ..support.staff import StaffClient, login, staff

#: query strings sent to every page: wrong types, out of range, injection-looking, huge,
#: repeated (the crawl of all 21 such strings found none answering 500; these keep a sample)
ODD_QUERIES = (
    "", "page=-1&per_page=100000&cursor=%FF%FE&after=zz&page=2",
    "page=99999999999999999999&q=%27%22%3C%3E%00&kode=%00",
    "page=abc&q=" + "a" * 5000 + "&lang=xx&status=xyz&unit=999&sort=DROP",
    "period=2026-Q9&from=2026-13-45&to=x&tahun=0&kuartal=9",
)
#: a whole report is built per request: only the strings that reach its parameters
REPORT_QUERIES = ("period=2026-Q9&from=2026-13-45&to=x", "period=abc&unit=999")


def route_values(ticket) -> dict:
    """A value for every argument of the routes: the ticket's own, else ids and names that
    may or may not exist (a missing one must answer 404, not 500)."""
    return {"code": ticket.code, "ticket_id": ticket.id, "id": ticket.id, "canned_id": 1,
            "token_id": 1, "user_id": 1, "period": "2026-Q4", "attachment_id": 1,
            "message_id": 1, "slug": "sertifikat-halal", "unit": "PUMK", "year": 2026,
            "quarter": 4, "filename": "x.pdf", "token": "x", "kind": "pdf", "mail_id": 1,
            "name": "bulanan", "fmt": "csv", "format": "csv", "day": "2026-12-01",
            "closure_id": 1, "period_id": 1, "rule_id": 1, "plan_id": 1, "item_id": 1,
            "outbox_id": 1, "action_id": 1, "entry_id": 1, "survey_id": 1}


def fill(rule, values: dict) -> str | None:
    """The rule's path with its arguments filled from `values`, or None when one is unknown."""
    path = rule.rule
    for argument in rule.arguments:
        if argument not in values:
            return None
        path = re.sub(r"<(?:[^:<>]+:)?" + argument + r"(?:\([^)]*\))?>", str(values[argument]),
                      path)
    return path


def routes(app, now, role: str | None, method: str, skip: tuple = ()) -> tuple:
    """A test client signed in as a new account of `role` (None: a visitor) and, for each
    route taking `method` (but static files and paths starting with `skip`), its path with
    the arguments filled in."""
    app.test_client_class = StaffClient
    ticket = gen_ticket(now)
    client = app.test_client()
    if role:
        login(client, staff(now, role=role))
    values = route_values(ticket)
    paths = []
    for rule in app.url_map.iter_rules():
        if method not in rule.methods or rule.endpoint == "static" or (
                skip and rule.rule.startswith(skip)):
            continue
        path = fill(rule, values)
        assert path is not None, f"route_values has no value for an argument of {rule.rule}"
        paths.append((rule, path))
    return client, paths


@pytest.mark.parametrize("role", [None, *ROLES])
def test_no_get_page_answers_500_whatever_the_query(app, now, role):
    client, paths = routes(app, now, role, "GET")
    failures = []
    for rule, path in paths:
        for query in REPORT_QUERIES if rule.rule.endswith((".pdf", ".xlsx")) else ODD_QUERIES:
            response = client.get(f"{path}?{query}" if query else path)
            if response.status_code >= 500 and response.status_code != 503:
                failures.append((path, query[:60], response.status_code))
            response.close()
    assert not failures, failures
