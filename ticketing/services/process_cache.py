"""Settings kept per process (per app) for a number of seconds: the office calendar, the
service catalogue and the routing rules. Every intake (form, API, mail, WhatsApp) needs them
and an admin changes them rarely. An edit through the owning module forgets its value at
once in this process; other processes (web workers, the scheduler, a CLI command) see it
within that time."""

from __future__ import annotations

from collections.abc import Callable
from time import monotonic
from typing import TypeVar

from flask import current_app

T = TypeVar("T")


def kept(name: str, seconds: float, build: Callable[[], T]) -> T:
    """build(), or its value from the last `seconds` in this process."""
    cache = current_app.extensions.setdefault("process_cache", {})
    hit = cache.get(name)
    if hit is not None and monotonic() - hit[0] < seconds:
        return hit[1]
    value = build()
    cache[name] = (monotonic(), value)
    return value


def forget(name: str) -> None:
    """Drop this process's copy of `name` (after an edit)."""
    current_app.extensions.get("process_cache", {}).pop(name, None)
