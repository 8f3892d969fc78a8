"""The permission table, written out by hand here so a change to the rules shows up as a
failing row (the module's own table is not used to compute the expectation)."""

from __future__ import annotations

import pytest

from ticketing.domain import permissions as perm
from ticketing.models import ROLES

A, B = 1, 2  # two units

# role -> {action: scopes where allowed}; "own" = the user's unit, "other" = another unit,
# "none" = no unit (triage, general service, accounts).
EXPECTED = {
    "staf": {
        "view": "own", "note": "own", "reply": "own", "claim": "own", "assign": "",
        "transfer": "own", "status": "own", "close": "own", "reopen": "own", "queue": "own",
        "record_oral": "own", "canned": "", "accounts": "",
    },
    "ketua_tim": {
        "view": "own none", "note": "own none", "reply": "own none", "claim": "own",
        "assign": "own", "transfer": "own none", "status": "own none", "close": "own none",
        "reopen": "own none", "queue": "own none", "record_oral": "own", "canned": "own none",
        "accounts": "",
    },
    "kabid": {
        "view": "own none", "note": "own none", "reply": "own none", "claim": "own",
        "assign": "own", "transfer": "own none", "status": "own none", "close": "own none",
        "reopen": "own none", "queue": "own none", "record_oral": "own", "canned": "own none",
        "accounts": "",
    },
    "kepala_dinas": {
        "view": "own other none", "note": "", "reply": "", "claim": "", "assign": "",
        "transfer": "", "status": "", "close": "", "reopen": "", "queue": "own other none",
        "record_oral": "", "canned": "", "accounts": "",
    },
    "admin": {
        "view": "", "note": "", "reply": "", "claim": "", "assign": "", "transfer": "",
        "status": "", "close": "", "reopen": "", "queue": "", "record_oral": "",
        "canned": "own other none", "accounts": "own other none",
    },
}
TARGETS = {"own": A, "other": B, "none": None}


def user_unit(role: str):
    return A if role in ("staf", "ketua_tim", "kabid") else None


@pytest.mark.parametrize("role,scope", [
    (role, scope) for role in perm.ROLES for scope in ("own", "other", "none")
    if scope != "own" or user_unit(role) is not None  # kepala dinas, admin have no unit
])
def test_role_action_scope_matrix(role, scope):
    wrong = []
    for action, scopes in EXPECTED[role].items():
        expected = scope in scopes.split()
        if perm.can(role, user_unit(role), action, TARGETS[scope]) != expected:
            wrong.append(f"{action}: expected {expected}")
    assert not wrong, f"{role} on {scope}: {wrong}"


def test_roles_agree_with_the_model():
    assert tuple(ROLES) == perm.ROLES


def test_unknown_role_or_action_is_refused():
    assert not perm.can("tamu", A, perm.VIEW, A)
    assert not perm.can("kabid", A, "hapus_semua", A)


def test_unit_role_without_unit_is_refused_everything():
    # A staf whose unit was removed must not fall into "none" (triage) scope.
    assert not any(perm.can("ketua_tim", None, action, target)
                   for action in perm.TICKET_ACTIONS for target in (None, A))


def test_assignable_only_active_unit_staff_of_the_ticket_unit():
    assert perm.can_be_assigned("staf", A, A)
    assert perm.can_be_assigned("kabid", A, A)
    assert not perm.can_be_assigned("staf", B, A)
    assert not perm.can_be_assigned("staf", A, A, is_active=False)
    assert not perm.can_be_assigned("kepala_dinas", None, A)
    assert not perm.can_be_assigned("staf", A, None)  # triage is routed, not assigned


def test_table_lists_every_rule():
    rows = perm.table()
    assert ("admin", "accounts", "none,other,own") in rows
    assert len(rows) == sum(len(r) for r in perm.RULES.values())
