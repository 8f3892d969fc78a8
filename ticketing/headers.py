"""Security headers on every response, the rate limit's headers on a refusal, and the
reverse-proxy setting (ProxyFix)."""

from __future__ import annotations

import time

from flask import Flask, current_app, request
from flask_limiter import HeaderNames
from werkzeug.middleware.proxy_fix import ProxyFix

from .extensions import limiter
from .ratelimit import current_refusal

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
#: features the desk never uses, switched off for every page
PERMISSIONS_POLICY = ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
                      "serial=(), magnetometer=(), gyroscope=(), accelerometer=()")
HSTS = "max-age=31536000; includeSubDomains"
#: public pages with nothing personal on them: the only responses a cache may keep. Every
#: other page (staff, admin, tracking, forms with a CSRF token) and the whole API: no-store.
CACHEABLE_ENDPOINTS = frozenset({
    "static", "public.home", "public.service_standard", "transparency.index",
    "transparency.csv",
})
#: the published information, for search engines (blueprints.site: robots.txt, the sitemap);
#: every other response, and every error, says `X-Robots-Tag: noindex` (a citizen's
#: tracking, survey and confirmation pages, the staff's, the API): a leaked link is not listed
INDEXABLE_ENDPOINTS = frozenset({
    "static", "public.home", "public.service_standard", "public.faq_index",
    "public.new_request", "public.track", "transparency.index", "transparency.csv",
    "site.robots", "site.sitemap", "site.favicon", "site.security_txt",
})
NOINDEX = "noindex, nofollow"


#: on every response unless the view set its own
ALWAYS = (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
          ("Referrer-Policy", "same-origin"), ("Content-Security-Policy", CSP),
          ("Permissions-Policy", PERMISSIONS_POLICY))


def _headers(response):
    headers = response.headers
    # What the view set, read once (a lookup per header name scans the list each time).
    present = {name.lower() for name, _value in headers.items()}
    added = [(name, value) for name, value in ALWAYS if name.lower() not in present]
    if request.endpoint not in CACHEABLE_ENDPOINTS and "cache-control" not in present:
        # a view that chose its own caching (a public API figure) keeps it
        added.append(("Cache-Control", "no-store"))
    if ((request.endpoint not in INDEXABLE_ENDPOINTS or response.status_code >= 400)
            and "x-robots-tag" not in present):
        added.append(("X-Robots-Tag", NOINDEX))
    if (current_app.config.get("ENV_NAME") == "production"
            and "strict-transport-security" not in present):
        added.append(("Strict-Transport-Security", HSTS))
    headers.extend(added)
    return response


def rate_limit_headers(response):
    """A refusal for too many requests (429) says when to try again (Retry-After, seconds)
    and which limit was reached (X-RateLimit-Limit/-Remaining/-Reset), read from the
    limiter's store then (the intake limit's refusal carries them: ratelimit.Refusal).
    Other responses carry none of them: Flask-Limiter's own headers
    (RATELIMIT_HEADERS_ENABLED) would read the store on every request."""
    if response.status_code != 429:
        return response
    limit = current_refusal() or limiter.current_limit
    if limit is None:
        return response
    reset_at = limit.reset_at
    response.headers.update({  # Flask-Limiter's names and values, as it would send them
        HeaderNames.RETRY_AFTER.value: str(max(1, int(reset_at - time.time()))),
        HeaderNames.LIMIT.value: str(limit.limit.amount),
        HeaderNames.REMAINING.value: str(limit.remaining),
        HeaderNames.RESET.value: str(reset_at)})
    return response


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client address and scheme from their
    X-Forwarded-For/-Proto (rate limits then see the citizen, not the proxy). 0: off."""
    count = int(app.config.get("TRUSTED_PROXIES") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def init_app(app: Flask) -> None:
    app.after_request(_headers)
    app.after_request(rate_limit_headers)
    trust_proxies(app)
