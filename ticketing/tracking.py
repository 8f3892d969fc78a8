"""Signed tracking links, so the acknowledgement mail opens the ticket directly."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .signing import timed_signer

#: a link in a mail stays valid for about a year
TRACKING_MAX_AGE = 366 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return timed_signer(current_app.config["SECRET_KEY"], "lacak-tiket")


def make_tracking_token(code: str) -> str:
    return _serializer().dumps(code)


def check_tracking_token(code: str, token: str | None) -> bool:
    if not token:
        return False
    try:
        return _serializer().loads(token, max_age=TRACKING_MAX_AGE) == code
    except BadSignature:
        return False
