"""What browsers, search engines and security researchers ask every site for: /robots.txt,
/sitemap.xml, /favicon.ico and /.well-known/security.txt.

Only the published information is for search engines (headers.INDEXABLE_ENDPOINTS: the
home page, each service's standard, the questions and answers, the request and tracking
forms, the performance page). A citizen's own pages (tracking, survey, confirmation), the
staff's and the API are disallowed here and answer `X-Robots-Tag: noindex` besides, so a
link that leaks (a forwarded mail, a shared chat) is not listed by a search engine either.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, redirect, render_template, url_for
from sqlalchemy import select

from ..extensions import db
from ..headers import INDEXABLE_ENDPOINTS
from ..models import Service
from ..urls import public_url
from .helpers import now_utc

bp = Blueprint("site", __name__)

#: how far ahead security.txt's Expires lies (RFC 9116 advises less than a year): the file is
#: written per request from the configuration, so it never goes stale while the desk runs
SECURITY_TXT_VALID = timedelta(days=180)
#: endpoints of the pages listed in the sitemap, each without arguments
SITEMAP_PAGES = ("public.home", "public.new_request", "public.track", "public.faq_index",
                 "transparency.index")


def disallowed_prefixes() -> list[str]:
    """The paths no crawler is to read: for every rule that is not an indexable page, its
    first segment (/staf/, /api/) when no indexable page lies below it, else the rule's own
    path up to its first argument; each once, and none below another."""
    rules = list(current_app.url_map.iter_rules())
    indexable = [rule.rule.split("<", 1)[0] for rule in rules
                 if rule.endpoint in INDEXABLE_ENDPOINTS]
    prefixes = set()
    for rule in rules:
        if rule.endpoint in INDEXABLE_ENDPOINTS:
            continue
        path = rule.rule.split("<", 1)[0]
        second = path.find("/", 1)
        first = path[:second + 1] if second > 0 else path
        prefixes.add(path if any(page.startswith(first) for page in indexable) else first)
    return [prefix for prefix in sorted(prefixes)
            if not any(prefix.startswith(other) for other in prefixes if other != prefix)]


@bp.get("/robots.txt")
def robots():
    lines = ["User-agent: *"]
    lines += [f"Disallow: {prefix}" for prefix in disallowed_prefixes()]
    lines += ["", f"Sitemap: {public_url('site.sitemap')}", ""]
    return Response("\n".join(lines), mimetype="text/plain")


@bp.get("/sitemap.xml")
def sitemap():
    slugs = db.session.scalars(select(Service.slug).where(Service.is_active)
                               .order_by(Service.id)).all()
    urls = [public_url(endpoint) for endpoint in SITEMAP_PAGES]
    urls += [public_url("public.service_standard", slug=slug) for slug in slugs]
    return Response(render_template("site/sitemap.xml", urls=urls),
                    mimetype="application/xml")


@bp.get("/favicon.ico")
def favicon():
    """Browsers and feed readers ask for /favicon.ico before any page names its icon."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.get("/.well-known/security.txt")
def security_txt():
    """Where to report a vulnerability (RFC 9116): the configured contact, in Indonesian or
    English."""
    expires = (now_utc() + SECURITY_TXT_VALID).replace(microsecond=0)
    lines = [f"Contact: {current_app.config['SECURITY_CONTACT']}",
             f"Expires: {expires.isoformat().replace('+00:00', 'Z')}",
             "Preferred-Languages: id, en",
             f"Canonical: {public_url('site.security_txt')}", ""]
    return Response("\n".join(lines), mimetype="text/plain")
