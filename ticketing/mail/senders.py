"""The one list of automated sender addresses: delivery daemons, list managers, no-reply.

Used by :mod:`.classify` (which mail is not from a person) and by
``services.auto_reply`` (which addresses never get an automatic answer, RFC 3834).
"""

from __future__ import annotations

import re

#: mail system daemons: their mail is a delivery report (bounce)
_DAEMON_RE = re.compile(
    r"^(mailer[-_.]?daemon|mail[-_.]?daemon|post[-_.]?master|mail[-_.]?delivery[-_.]?(subsystem|system)"
    r"|mdaemon|smtp[-_.]?daemon|bounce[-_.]?handler|mailerdaemon)([-_.+].*)?$",
    re.IGNORECASE,
)
#: mailing-list managers and their notices (Mailman, fml, majordomo, listserv, ezmlm, sympa);
#: a bare "admin@" or "owner@" is often a person (a cooperative's office), so only the
#: list-style "<list>-admin" forms count
_LIST_MANAGER_RE = re.compile(
    r"-(request|admin|owner|bounces?|confirm|unsubscribe|subscribe|join|leave)(\+.*)?$"
    r"|^(owner-|bounces?([-+_.=]|$)|(listserv|listproc|majordomo|mailman|sympa|fml|ezmlm|lyris"
    r"|listmaster|list[-_.]?manager)([-_.+]|$))",
    re.IGNORECASE,
)
#: addresses that say nobody reads what is sent to them
_NOREPLY_RE = re.compile(
    r"(^|[-_.+])(no[-_.]?reply|do[-_.]?not[-_.]?reply|donot[-_.]?reply|noreply|no[-_.]?response"
    r"|auto[-_.]?reply|autoresponder)([-_.+]|$)",
    re.IGNORECASE,
)

#: (kind, pattern on the local part, what staff read)
SENDER_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("bounce", _DAEMON_RE, "pengirim sistem surel"),
    ("list_notice", _LIST_MANAGER_RE, "pengelola milis"),
    ("auto_reply", _NOREPLY_RE, "alamat no-reply"),
)


def local_part(address: str | None) -> str:
    """The part before the last @, lower-cased (a bare "MAILER-DAEMON" is all local part)."""
    address = (address or "").strip().strip("<>").lower()
    return address.rsplit("@", 1)[0]


def relayed_person(from_address: str | None, reply_to: str | None) -> str | None:
    """The Reply-To address when the From says nobody reads replies (a no-reply address, as
    a website's contact form or a system passing on a person's message sends) and Reply-To
    names another address, a person's; else None."""
    kind = automated_sender(from_address)
    reply_to = (reply_to or "").strip().lower()
    if kind is None or kind[0] != "auto_reply" or "@" not in reply_to:
        return None
    if automated_sender(reply_to) is not None or reply_to == (from_address or "").lower():
        return None
    return reply_to


def automated_sender(address: str | None) -> tuple[str, str] | None:
    """(kind, label) when the address belongs to a machine, None for a person's address."""
    local = local_part(address)
    if not local:
        return None
    for kind, pattern, label in SENDER_RULES:
        if pattern.search(local):
            return kind, label
    return None
