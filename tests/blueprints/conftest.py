"""Fixtures shared by the blueprint tests."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from ..support.components import missing_component
from ..support.staff import login, staff

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url():
    """The Redis that rate limits share in production (a test's keys under a prefix of its
    own)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        missing_component(f"Redis at {REDIS_URL}: {exc}")
    return REDIS_URL


@pytest.fixture
def admin_client(client):
    """The test client, logged in as an admin account."""
    login(client, staff(datetime(2026, 11, 1, tzinfo=UTC), "admin", None))
    return client
