"""Who may do what: the standard's internal oversight (SPI) as one table.

Pure functions, no Flask: every staff route, API call and service asks `can(...)` with the
actor's role and unit and the unit of the thing acted on. A ticket (or service) with no unit
is in triage ("none" scope); a unit that is the actor's own is "own"; any other is "other".
"""

from __future__ import annotations

from collections.abc import Hashable

ROLES = ("staf", "ketua_tim", "kabid", "kepala_dinas", "admin")
#: roles that belong to a unit and work its queue
UNIT_ROLES = frozenset({"staf", "ketua_tim", "kabid"})

# Ticket actions
VIEW = "view"            # open the ticket, its attachments and history
NOTE = "note"            # internal note
REPLY = "reply"          # answer the citizen
CLAIM = "claim"          # take an unassigned ticket for oneself
ASSIGN = "assign"        # give a ticket to a member of the unit
TRANSFER = "transfer"    # move to another unit (from triage: route it)
STATUS = "status"        # change status (closing and reopening are checked on their own)
CLOSE = "close"
REOPEN = "reopen"
# Other actions
QUEUE = "queue"          # list a unit's queue (target: that unit; None: triage)
RECORD_ORAL = "record_oral"  # record a walk-in/phone request for the actor's unit
CANNED = "canned"        # edit canned answers of a service (target: the service's unit)
ACCOUNTS = "accounts"    # manage staff accounts (target: None)

TICKET_ACTIONS = (VIEW, NOTE, REPLY, CLAIM, ASSIGN, TRANSFER, STATUS, CLOSE, REOPEN)

OWN, OTHER, NONE = "own", "other", "none"
_ALL = frozenset({OWN, OTHER, NONE})
_O = frozenset({OWN})
_ON = frozenset({OWN, NONE})

_WORK = {VIEW: _O, NOTE: _O, REPLY: _O, CLAIM: _O, TRANSFER: _O, STATUS: _O, CLOSE: _O,
         REOPEN: _O, QUEUE: _O, RECORD_ORAL: _O}
# Ketua tim and kabid also assign within the unit, work the triage list (both units'), and
# keep the unit's canned answers. Claiming or assigning needs a unit: triage is routed first.
_LEAD = {VIEW: _ON, NOTE: _ON, REPLY: _ON, CLAIM: _O, ASSIGN: _O, TRANSFER: _ON, STATUS: _ON,
         CLOSE: _ON, REOPEN: _ON, QUEUE: _ON, RECORD_ORAL: _O, CANNED: _ON}

#: role -> action -> scopes in which it is allowed. Anything absent is refused.
RULES: dict[str, dict[str, frozenset[str]]] = {
    "staf": _WORK,
    "ketua_tim": _LEAD,
    "kabid": _LEAD,
    # Sees every unit and the triage list, read-only.
    "kepala_dinas": {VIEW: _ALL, QUEUE: _ALL},
    # Manages accounts and the catalogue (incl. canned answers), not the citizens' requests.
    "admin": {ACCOUNTS: _ALL, CANNED: _ALL},
}


def scope(user_unit: Hashable | None, target_unit: Hashable | None) -> str:
    """'none' for no unit (triage, general service), 'own' or 'other'."""
    if target_unit is None:
        return NONE
    return OWN if user_unit is not None and target_unit == user_unit else OTHER


def can(user_role: str, user_unit: Hashable | None, action: str,
        target_unit: Hashable | None = None) -> bool:
    """May a user with this role and unit do `action` on something of `target_unit`?"""
    if user_role in UNIT_ROLES and user_unit is None:
        return False  # a unit role without a unit is a broken account: refuse everything
    allowed = RULES.get(user_role, {}).get(action, frozenset())
    return scope(user_unit, target_unit) in allowed


def can_be_assigned(role: str, user_unit: Hashable | None, ticket_unit: Hashable | None,
                    is_active: bool = True) -> bool:
    """May a ticket of ticket_unit be given to this person? (active unit staff of that unit)"""
    return (is_active and role in UNIT_ROLES and ticket_unit is not None
            and user_unit == ticket_unit)


def table() -> list[tuple[str, str, str]]:
    """(role, action, scopes) rows for documentation and the account page."""
    rows = []
    for role in ROLES:
        for action, scopes in RULES[role].items():
            rows.append((role, action, ",".join(sorted(scopes))))
    return rows
