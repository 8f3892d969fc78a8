"""Spam protection for the public form without a third-party CAPTCHA service.

Two cheap signals that a human did not type the submission: a honeypot field that is hidden
from people (and from assistive technology) but filled by form-stuffing bots, and a signed
"form shown at" time that a script posting straight away cannot fake. Nothing is lost either
way: the form comes back with everything typed, and a person simply sends it again.
"""

from __future__ import annotations

from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer

from ..signing import signer

SALT = "form-started"


def _serializer(secret_key: str) -> URLSafeSerializer:
    return signer(secret_key, SALT)


def started_token(secret_key: str, now: datetime) -> str:
    """A signed stamp of when the form was shown (put in a hidden field)."""
    return _serializer(secret_key).dumps(int(now.timestamp()))


def seconds_since_start(secret_key: str, token: str | None, now: datetime) -> float | None:
    """Seconds between showing the form and now; None when the stamp is missing or forged."""
    if not token:
        return None
    try:
        started = _serializer(secret_key).loads(token)
    except BadSignature:
        return None
    if not isinstance(started, int):
        return None
    return now.timestamp() - started


def looks_automated(*, honeypot: str | None, secret_key: str, token: str | None,
                    now: datetime, min_seconds: float) -> bool:
    """True when the honeypot is filled or the form came back faster than a person types."""
    if (honeypot or "").strip():
        return True
    if min_seconds <= 0:
        return False
    elapsed = seconds_since_start(secret_key, token, now)
    return elapsed is None or elapsed < min_seconds
