"""The desk's public address in what it sends out: links in mail, WhatsApp messages, the
sitemap, robots.txt, security.txt, feeds and API answers. Always PUBLIC_BASE_URL, never the
request's Host header (which a client or a misconfigured proxy chooses), and the same with
or without a request (the scheduler's mail has none)."""

from __future__ import annotations

from flask import current_app, url_for


def public_base() -> str:
    """PUBLIC_BASE_URL without a trailing slash: a path starting with '/' goes after it."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def public_url(endpoint: str, **values) -> str:
    """The absolute public address of `endpoint` (url_for's path on public_base)."""
    return public_base() + url_for(endpoint, **values)
