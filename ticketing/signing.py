"""Signed tokens (itsdangerous) for links and forms: one signer per key and purpose, made
once per process (building one per token was a tenth of an intake's own Python time)."""

from __future__ import annotations

from functools import lru_cache

from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer


@lru_cache(maxsize=32)
def timed_signer(secret_key: str, salt: str) -> URLSafeTimedSerializer:
    """Tokens that carry their signing time (links that expire)."""
    return URLSafeTimedSerializer(secret_key, salt=salt)


@lru_cache(maxsize=32)
def signer(secret_key: str, salt: str) -> URLSafeSerializer:
    """Tokens without a time."""
    return URLSafeSerializer(secret_key, salt=salt)
