"""Role x action x unit, through the HTML routes and the API: nobody sees or changes what
they should not, and everybody can do what their role is for.

The expectation is written out here by hand (not computed from domain.permissions), and
each action is checked by its effect: an allowed action changes the ticket, a refused one
answers 403 and leaves it as it was.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ticketing.extensions import db
from ticketing.models import Message, Ticket, Unit
from ticketing.services import tickets as svc
from ticketing.services.transaction import run

from ..factories import gen_ticket
from ..support.staff import StaffClient, bearer, login, staff

SERVICE = {"own": "sertifikat-halal", "other": "rekomendasi-izin-koperasi",
           "triage": "pengaduan-umum"}
UNIT_OF = {"own": "PUMK", "other": "KELEMBAGAAN", "triage": None}
LEAD_TRIAGE = "view note reply transfer status close reopen"
EXPECTED = {
    ("staf", "own"): "view note reply claim transfer status close reopen",
    ("staf", "other"): "",
    ("staf", "triage"): "",
    ("ketua_tim", "own"): "view note reply claim assign transfer status close reopen",
    ("ketua_tim", "other"): "",
    ("ketua_tim", "triage"): LEAD_TRIAGE,
    ("kabid", "own"): "view note reply claim assign transfer status close reopen",
    ("kabid", "other"): "",
    ("kabid", "triage"): LEAD_TRIAGE,
    ("kepala_dinas", "other"): "view",
    ("kepala_dinas", "triage"): "view",
    ("admin", "other"): "",
    ("admin", "triage"): "",
}
HTML_ACTIONS = ("view", "note", "reply", "claim", "assign", "transfer", "status", "close",
                "reopen")
API_ACTIONS = ("view", "note", "reply", "claim", "assign", "transfer")
CASES = sorted(EXPECTED)


class World:
    """The actor, a colleague in the ticket's unit, and a way to make a ticket per action."""

    def __init__(self, role: str, scope: str, now):
        self.now = now
        self.scope = scope
        self.actor = staff(now, role, "PUMK")
        unit = UNIT_OF[scope] or "PUMK"
        self.colleague = staff(now, "staf", unit)
        self.kabid = staff(now, "kabid", unit)
        target = "KELEMBAGAAN" if scope == "own" else "PUMK"
        self.target_unit = target

    def ticket(self, closed: bool = False) -> Ticket:
        service = SERVICE[self.scope]
        ticket = gen_ticket(self.now, service=service,
                            type="pengaduan" if self.scope == "triage" else "informasi")
        if closed:
            run(svc.close, ticket, self.kabid if self.scope != "triage" else staff(
                self.now, "ketua_tim", "PUMK"), self.now)
        return ticket


def snapshot(ticket: Ticket) -> tuple:
    db.session.expire_all()
    t = db.session.get(Ticket, ticket.id)
    messages = db.session.scalar(select(func.count()).select_from(Message).where(
        Message.ticket_id == t.id))
    return (t.status, t.assignee_id, t.unit_id, messages, t.version)


def html_attempt(client, world: World, action: str) -> tuple[int, bool]:
    """(HTTP status, whether the ticket changed)."""
    ticket = world.ticket(closed=action == "reopen")
    code, version = ticket.code, ticket.version
    before = snapshot(ticket)
    base = f"/staf/tiket/{code}"
    if action == "view":
        response = client.get(base)
        return response.status_code, response.status_code == 200 and code in response.text
    data, path = {"act-version": version}, None
    if action == "note":
        path, data = "/catatan", {"note-body": "catatan"}
    elif action == "reply":
        path, data = "/balas", {"reply-body": "jawaban", "reply-status": "selesai"}
    elif action == "claim":
        path = "/ambil"
    elif action == "assign":
        path, data = "/tugaskan", {"assign-assignee": world.colleague.id,
                                   "assign-version": version}
    elif action == "transfer":
        path, data = "/alihkan", {"transfer-unit": world.target_unit, "transfer-reason": "x",
                                  "transfer-version": version}
    elif action == "status":
        path, data = "/status", {"status-status": "diproses", "status-version": version}
    elif action == "close":
        path = "/tutup"
    elif action == "reopen":
        path = "/buka-kembali"
    response = client.post(base + path, data=data)
    return response.status_code, snapshot(ticket) != before


def api_attempt(client, world: World, headers: dict, action: str) -> tuple[int, bool]:
    ticket = world.ticket()
    before = snapshot(ticket)
    url = f"/api/v1/tickets/{ticket.code}"
    if action == "view":
        response = client.get(url, headers=headers)
        ok = response.status_code == 200 and response.get_json()["code"] == ticket.code
        return response.status_code, ok
    if action in ("note", "reply"):
        response = client.post(url + "/messages", headers=headers,
                               json={"kind": action, "body": "isi", "status": "selesai"}
                               if action == "reply" else {"kind": "note", "body": "isi"})
    elif action == "claim":
        response = client.post(url + "/assign", headers=headers,
                               json={"assignee": world.actor.email})
    elif action == "assign":
        response = client.post(url + "/assign", headers=headers,
                               json={"assignee": world.colleague.email})
    else:
        response = client.post(url + "/assign", headers=headers,
                               json={"unit": world.target_unit, "reason": "x"})
    return response.status_code, snapshot(ticket) != before


def check(results: dict[str, tuple[int, bool]], allowed: set[str], ok_codes: set[int]):
    wrong = []
    for action, (status, changed) in results.items():
        if action in allowed and not (status in ok_codes and changed):
            wrong.append(f"{action} should be allowed, got {status} changed={changed}")
        if action not in allowed and not (status == 403 and not changed):
            wrong.append(f"{action} should be refused, got {status} changed={changed}")
    return wrong


@pytest.mark.parametrize("role,scope", CASES)
def test_html_routes(app, now, role, scope):
    app.test_client_class = StaffClient
    client = app.test_client()
    world = World(role, scope, now)
    login(client, world.actor)
    results = {action: html_attempt(client, world, action) for action in HTML_ACTIONS}
    wrong = check(results, set(EXPECTED[(role, scope)].split()), {200, 303})
    assert not wrong, f"{role} on {scope}: {wrong}"


@pytest.mark.parametrize("role,scope", CASES)
def test_api(app, now, role, scope):
    client = app.test_client()
    world = World(role, scope, now)
    headers = bearer(world.actor, now)
    results = {action: api_attempt(client, world, headers, action) for action in API_ACTIONS}
    wrong = check(results, set(EXPECTED[(role, scope)].split()), {200, 201})
    assert not wrong, f"{role} on {scope}: {wrong}"


@pytest.mark.parametrize("role,expected", [
    ("staf", {"PUMK"}), ("ketua_tim", {"PUMK", "triase"}), ("kabid", {"PUMK", "triase"}),
    ("kepala_dinas", {"semua", "PUMK", "KELEMBAGAAN", "triase"}), ("admin", set()),
])
def test_queue_scopes(app, now, role, expected):
    app.test_client_class = StaffClient
    client = app.test_client()
    user = staff(now, role, "PUMK")
    login(client, user)
    headers = bearer(user, now)
    units = list(db.session.scalars(select(Unit.code))) + ["semua", "triase"]
    for scope in units:
        html = client.get(f"/staf/antrian?bidang={scope}").status_code
        api = client.get(f"/api/v1/tickets?unit={scope}", headers=headers).status_code
        want = 200 if scope in expected else 403
        assert (html, api) == (want, want), (role, scope)
