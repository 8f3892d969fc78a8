"""Signed tracking links, so the acknowledgement mail opens the ticket directly."""

from __future__ import annotations

from functools import lru_cache

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

#: a link in a mail stays valid for about a year
TRACKING_MAX_AGE = 366 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


@lru_cache(maxsize=4)
def _serializer_for(secret_key: str) -> URLSafeTimedSerializer:
    # one per key, not one per link: building it was a tenth of an intake's own Python time
    return URLSafeTimedSerializer(secret_key, salt="lacak-tiket")


def make_tracking_token(code: str) -> str:
    return _serializer().dumps(code)


def check_tracking_token(code: str, token: str | None) -> bool:
    if not token:
        return False
    try:
        return _serializer().loads(token, max_age=TRACKING_MAX_AGE) == code
    except BadSignature:
        return False
