"""What browsers and search engines ask every site for: /robots.txt, /sitemap.xml and
/favicon.ico.

Only the published information is for search engines (headers.INDEXABLE_ENDPOINTS: the
home page, each service's standard, the questions and answers, the request and tracking
forms, the performance page). A citizen's own pages (tracking, survey, confirmation), the
staff's and the API are disallowed here and answer `X-Robots-Tag: noindex` besides, so a
link that leaks (a forwarded mail, a shared chat) is not listed by a search engine either.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, url_for
from sqlalchemy import select

from ..extensions import db
from ..headers import INDEXABLE_ENDPOINTS
from ..models import Service

bp = Blueprint("site", __name__)

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


def _absolute(endpoint: str, **values) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


@bp.get("/robots.txt")
def robots():
    lines = ["User-agent: *"]
    lines += [f"Disallow: {prefix}" for prefix in disallowed_prefixes()]
    lines += ["", f"Sitemap: {_absolute('site.sitemap')}", ""]
    return Response("\n".join(lines), mimetype="text/plain")


@bp.get("/sitemap.xml")
def sitemap():
    slugs = db.session.scalars(select(Service.slug).where(Service.is_active)
                               .order_by(Service.id)).all()
    urls = [_absolute(endpoint) for endpoint in SITEMAP_PAGES]
    urls += [_absolute("public.service_standard", slug=slug) for slug in slugs]
    return Response(render_template("site/sitemap.xml", urls=urls),
                    mimetype="application/xml")


@bp.get("/favicon.ico")
def favicon():
    """Browsers and feed readers ask for /favicon.ico before any page names its icon."""
    return redirect(url_for("static", filename="favicon.svg"), 301)
