"""The intake limit (INTAKE_RATE_LIMIT, "10 per hour;3 per minute") on the public routes that
take a citizen's input: every window of it checked and counted in one round trip to the
limiter's store.

Flask-Limiter checks each window of a limit on its own: two Redis round trips per request for
the API, four for the web form (it tests before the view and counts after it, so that a
mistyped submission does not count), and about as much CPU again in its own bookkeeping. On
the desk's busiest public route that was more than a quarter of the request's instructions
(issue 13: 4.65 M per API request under callgrind, 3.86 M with this module, 3.36 M with no
limit). So the intake routes take this decorator instead; every other limit (login, FAQ) stays with
Flask-Limiter. Both use the same switch (RATELIMIT_ENABLED), store (RATELIMIT_STORAGE_URI),
key prefix, client address (get_remote_address, behind ProxyFix) and the windows of the
`limits` library (parse_many; fixed windows that open at their first request). A refusal
is a 429 like Flask-Limiter's, with Retry-After and X-RateLimit-* (headers.rate_limit_headers).

On Redis one Lua script counts the request in every window only if each has room (a
refusal counts nowhere); any other store of `limits` (the in-memory one of development and
the tests) goes through the library's fixed-window strategy, one call per window. A store
that does not answer lets the request through, uncounted, and logs an error: a citizen's
request is never refused (nor lost to an error page) because the limiter's Redis is down.
"""

from __future__ import annotations

import functools
import logging
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from flask import current_app, g, make_response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from limits.storage import RedisStorage, Storage
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from .extensions import limiter

log = logging.getLogger(__name__)

#: KEYS: one counter per window; ARGV: each window's amount, then each one's length in
#: seconds. Counts the request in every window when each has room, else nowhere; returns
#: (window number, milliseconds until it resets) of each window without room.
ACQUIRE = """
local n = #KEYS
local full = {}
for i = 1, n do
  if tonumber(redis.call('GET', KEYS[i]) or '0') + 1 > tonumber(ARGV[i]) then
    full[#full + 1] = i
    full[#full + 1] = redis.call('PTTL', KEYS[i])
  end
end
if #full > 0 then return full end
for i = 1, n do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('EXPIRE', KEYS[i], ARGV[n + i]) end
end
return full
"""
#: KEYS: the counters of a request that turned out not to count; a counter back at 0 goes
#: (ACQUIRE's next INCR opens a new window)
RELEASE = """
for i = 1, #KEYS do
  if redis.call('DECR', KEYS[i]) <= 0 then redis.call('DEL', KEYS[i]) end
end
"""


class _Scripts(NamedTuple):
    acquire: object
    release: object


_scripts: weakref.WeakKeyDictionary[RedisStorage, _Scripts] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Refusal:
    """The window that refused a request (the names of Flask-Limiter's RequestLimit that
    headers.rate_limit_headers reads): its limit, when it resets (seconds since the epoch)
    and what remains of it (nothing)."""

    limit: RateLimitItem
    reset_at: int
    remaining: int = 0


def current_refusal() -> Refusal | None:
    """This request's refusal by the intake limit, if it was refused."""
    return g.get("intake_refusal")


@functools.lru_cache(maxsize=16)
def _windows(limit: str) -> tuple[RateLimitItem, ...]:
    """The windows of a limit string, shortest first."""
    return tuple(sorted(parse_many(limit), key=lambda item: item.get_expiry()))


def intake_limited(*, methods: tuple[str, ...] | None = None,
                   counted: Callable | None = None,
                   on_refusal: Callable[[Refusal], object] | None = None):
    """The view under INTAKE_RATE_LIMIT, per client address and per route.

    methods: only these are limited (all when None). counted(response): False gives the
    request back to the limit (a form sent back with mistakes). on_refusal(refusal): the
    route's own answer to a refused request (the form keeps what was typed)."""

    def decorate(view):
        @functools.wraps(view)
        def limited(*args, **kwargs):
            if not limiter.enabled or (methods and request.method not in methods):
                return view(*args, **kwargs)
            keys = _acquire(request.endpoint, on_refusal)
            if counted is None:
                return view(*args, **kwargs)
            try:
                response = make_response(view(*args, **kwargs))
            except BaseException:
                _release(keys)
                raise
            if not counted(response):
                _release(keys)
            return response

        limited.intake_limited = True
        return limited

    return decorate


@limiter.request_filter
def _intake_route() -> bool:
    """Flask-Limiter passes over the intake routes: their limit is this module's. This
    matters where its check of every request runs (a limit declared for the whole
    application; see checks_in_decorators_only): its search for limits on an intake route
    cost 0.22 M instructions a request (callgrind)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "intake_limited", False)


def checks_in_decorators_only(app, extension: Limiter = limiter) -> None:
    """Flask-Limiter checks every request in a before_request hook, for limits declared for
    the whole application, by default or per blueprint. This desk declares none of those
    (extensions.limiter: default_limits=[]; no RATELIMIT_DEFAULT or RATELIMIT_APPLICATION;
    no blueprint limited): each of its limits belongs to a route and is checked by that
    route's decorator (Flask-Limiter's on login and the FAQ, intake_limited here). The hook
    found nothing to check on any request and cost 0.28 M instructions each time (6% of an
    API intake under callgrind), so it is taken out, only while that stays true: a limit
    declared for the whole application or a blueprint keeps it. Called once the blueprints
    are registered."""
    manager = extension.limit_manager
    if manager.application_limits or manager.default_limits or manager._blueprint_limits:
        return
    hooks = app.before_request_funcs.get(None, [])
    if extension._check_request_limit in hooks:
        hooks.remove(extension._check_request_limit)


def _acquire(route: str, on_refusal) -> list[str]:
    """Count this request in every window, or refuse it (429); the counters' keys."""
    windows = _windows(current_app.config["INTAKE_RATE_LIMIT"])
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    client = get_remote_address()
    # one hash slot for all of a client's windows (a Redis Cluster runs the script too)
    tag = "{" + f"{prefix}/intake/{route}/{client}" + "}"
    keys = [item.key_for(tag) for item in windows]
    storage = limiter.storage
    try:
        full = (_redis_acquire(storage, windows, keys) if isinstance(storage, RedisStorage)
                else _storage_acquire(storage, windows, tag))
    except storage.base_exceptions as exc:
        # A citizen's request is not refused because the limit's store is down: it goes
        # through uncounted, and the operator is told.
        log.error("intake limit not applied on %s: its store did not answer (%s)", route, exc)
        return []
    if full:
        # the window that reopens last says when a request is accepted again
        item, reset_at = max(full, key=lambda pair: pair[1])
        refusal = Refusal(limit=item, reset_at=int(reset_at + 0.999))
        g.intake_refusal = refusal
        log.info("intake limit %s reached by %s at %s", item, client, route)
        answer = on_refusal(refusal) if on_refusal else None
        raise TooManyRequests(response=answer)
    return keys


def _redis_acquire(storage: RedisStorage, windows, keys) -> list[tuple[RateLimitItem, float]]:
    now = time.time()
    answer = _redis_scripts(storage).acquire(
        keys=[storage.prefixed_key(key) for key in keys],
        args=[item.amount for item in windows] + [item.get_expiry() for item in windows])
    return [(windows[int(answer[i]) - 1], now + max(int(answer[i + 1]), 0) / 1000)
            for i in range(0, len(answer), 2)]


def _storage_acquire(storage: Storage, windows, tag: str) -> list[tuple[RateLimitItem, float]]:
    """Any other store of `limits` (the in-memory one of development and the tests): its
    fixed-window strategy, a call per window (not atomic across windows; that store serves
    one process). The keys are those of _acquire (`item.key_for(tag)`)."""
    strategy = FixedWindowRateLimiter(storage)
    full = [(item, strategy.get_window_stats(item, tag).reset_time) for item in windows
            if not strategy.test(item, tag)]
    if not full:
        for item in windows:
            strategy.hit(item, tag)
    return full


def _release(keys: list[str]) -> None:
    """Give a request back to every window it was counted in (no keys: it was not)."""
    if not keys:
        return
    storage = limiter.storage
    try:
        if isinstance(storage, RedisStorage):
            _redis_scripts(storage).release(keys=[storage.prefixed_key(key) for key in keys])
        elif hasattr(storage, "decr"):
            for key in keys:
                storage.decr(key)
    except storage.base_exceptions as exc:  # the answer is ready: it is not lost for this
        log.error("intake limit: a request not to count was counted (%s)", exc)


def _redis_scripts(storage: RedisStorage) -> _Scripts:
    """ACQUIRE and RELEASE, registered once per store (redis-py sends EVALSHA, and the
    source only when the server does not know it yet)."""
    scripts = _scripts.get(storage)
    if scripts is None:
        connection = storage.get_connection()
        scripts = _scripts[storage] = _Scripts(connection.register_script(ACQUIRE),
                                               connection.register_script(RELEASE))
    return scripts
