"""What Meta's documented error codes mean for a message we send (Cloud API error codes)."""

from __future__ import annotations

#: outside the 24-hour customer-service window: send the approved template instead
TEMPLATE = "template"
#: throughput or per-recipient limits: try again later, slower
RATE_LIMIT = "rate_limit"
#: the number cannot receive our messages: mark it, tell staff, use email when we have it
UNDELIVERABLE = "undeliverable"
#: a problem with the message or our set-up that repeating will not fix: staff are told
PERMANENT = "permanent"
#: anything else (Meta's temporary errors, the network): retry with the outbox's backoff
TRANSIENT = "transient"

_CODES: dict[int, str] = {
    # Re-engagement message: more than 24 hours since the customer's last message
    131047: TEMPLATE, 470: TEMPLATE,
    # Cloud API throughput, pair rate limit (too many to one number), spam rate limit,
    # application/account request limits
    130429: RATE_LIMIT, 131056: RATE_LIMIT, 131048: RATE_LIMIT, 4: RATE_LIMIT,
    80007: RATE_LIMIT, 613: RATE_LIMIT,
    # Healthy ecosystem engagement: Meta held it back; later is allowed
    131049: RATE_LIMIT,
    # Message undeliverable (not a WhatsApp number, old app, terms not accepted), recipient
    # not in the allowed list, recipient cannot be the sender, user stopped such messages
    131026: UNDELIVERABLE, 131030: UNDELIVERABLE, 131021: UNDELIVERABLE,
    131050: UNDELIVERABLE,
    # Invalid parameter, parameter value, unsupported message type, media upload error,
    # template problems (132000 parameter count .. 132069), business eligibility, permission
    100: PERMANENT, 131008: PERMANENT, 131009: PERMANENT, 131051: PERMANENT,
    131053: PERMANENT, 131042: PERMANENT, 131031: PERMANENT, 10: PERMANENT, 200: PERMANENT,
    132000: PERMANENT, 132001: PERMANENT, 132005: PERMANENT, 132007: PERMANENT,
    132012: PERMANENT, 132015: PERMANENT, 132016: PERMANENT, 132068: PERMANENT,
    132069: PERMANENT,
}


def classify(code: int | None) -> str:
    """The handling for an error code (None: the API could not be reached)."""
    if code is None:
        return TRANSIENT
    if 132000 <= code <= 132099:
        return PERMANENT  # the template itself (name, parameters, paused, disabled)
    return _CODES.get(code, TRANSIENT)
