"""Security headers on every response, and the reverse-proxy setting (ProxyFix)."""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
#: features the desk never uses, switched off for every page
PERMISSIONS_POLICY = ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
                      "serial=(), bluetooth=(), magnetometer=(), gyroscope=(), accelerometer=()")
HSTS = "max-age=31536000; includeSubDomains"
#: public pages with nothing personal on them: the only responses a cache may keep. Every
#: other page (staff, admin, tracking, forms with a CSRF token) and the whole API: no-store.
CACHEABLE_ENDPOINTS = frozenset({
    "static", "public.home", "public.service_standard", "transparency.index",
    "transparency.csv",
})


def _headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        # setdefault: a view that chose its own caching (a public API figure) keeps it.
        headers.setdefault("Cache-Control", "no-store")
    if current_app.config.get("ENV_NAME") == "production":
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client address and scheme from their
    X-Forwarded-For/-Proto (rate limits then see the citizen, not the proxy). 0: off."""
    count = int(app.config.get("TRUSTED_PROXIES") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def init_app(app: Flask) -> None:
    app.after_request(_headers)
    trust_proxies(app)
