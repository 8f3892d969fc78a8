"""Fixtures shared by the blueprint tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ..support.staff import login, staff


@pytest.fixture
def admin_client(client):
    """The test client, logged in as an admin account."""
    login(client, staff(datetime(2026, 11, 1, tzinfo=UTC), "admin", None))
    return client
