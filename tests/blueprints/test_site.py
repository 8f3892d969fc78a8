"""robots.txt, the sitemap, the icon and `X-Robots-Tag`: search engines list the published
information and nothing of a citizen's own (a tracking link that leaks is not indexed)."""

from __future__ import annotations

import urllib.robotparser
from datetime import datetime, timedelta
from xml.etree import ElementTree

from ticketing.extensions import db
from ticketing.headers import INDEXABLE_ENDPOINTS
from ticketing.models import Service
from ticketing.services.intake import tracking_url

from ..factories import gen_ticket
from ..security.test_crawl_routes import fill, route_values
from ..support.staff import login, staff

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def xml(data: bytes) -> ElementTree.Element:
    """The desk's own XML (the sitemap, the icon): not untrusted input."""
    return ElementTree.fromstring(data)  # noqa: S314


def robots(client) -> urllib.robotparser.RobotFileParser:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(response.get_data(as_text=True).splitlines())
    return parser


def test_robots_disallows_every_page_but_the_published_ones(app, client, now):
    parser = robots(client)
    values = route_values(gen_ticket(now))
    allowed, disallowed = [], []
    for rule in app.url_map.iter_rules():
        path = "/static/css/app.css" if rule.endpoint == "static" else fill(rule, values)
        assert path is not None, rule.rule
        (allowed if parser.can_fetch("*", path) else disallowed).append((rule.endpoint, path))
    # the published information, and nothing else, is open to crawlers
    assert {endpoint for endpoint, _ in allowed} == set(INDEXABLE_ENDPOINTS)
    assert {"/", "/layanan/sertifikat-halal", "/tanya-jawab", "/permohonan", "/lacak",
            "/kinerja"} <= {path for _, path in allowed}
    for needed in ("public.ticket", "public.submitted", "survey.form", "auth.login",
                   "staff.index", "api.create_request", "health.healthz"):
        assert needed in {endpoint for endpoint, _ in disallowed}, needed
    # its last line names the sitemap, absolute
    assert client.get("/robots.txt").get_data(as_text=True).strip().endswith(
        "Sitemap: http://localhost/sitemap.xml")


def test_a_leaked_tracking_link_is_disallowed_and_says_noindex(app, client, now):
    ticket = gen_ticket(now)
    link = tracking_url(ticket).removeprefix(app.config["PUBLIC_BASE_URL"])
    assert not robots(client).can_fetch("*", link)
    first = client.get(link)  # the token goes into the session; then the page without it
    assert first.status_code == 302
    assert first.headers["X-Robots-Tag"] == "noindex, nofollow"
    response = client.get(first.location)
    assert response.status_code == 200
    assert ticket.subject in response.get_data(as_text=True)  # the citizen's own page
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_noindex_on_private_pages_and_errors_none_on_published_ones(app, client, now):
    for path in ("/", "/layanan/sertifikat-halal", "/tanya-jawab", "/kinerja", "/lacak",
                 "/permohonan"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "X-Robots-Tag" not in response.headers, path
    for path in ("/masuk", "/api/v1/services", "/healthz", "/tidak-ada", "/layanan/tidak-ada"):
        assert client.get(path).headers["X-Robots-Tag"] == "noindex, nofollow", path
    login(client, staff(now, role="kabid"))
    response = client.get("/staf/", follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path.startswith("/staf/")
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_sitemap_lists_the_published_pages_and_every_active_service(app, client):
    retired = db.session.get(Service, db.session.scalar(
        db.select(Service.id).where(Service.slug == "hki")))
    retired.is_active = False
    db.session.commit()
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    urls = [loc.text for loc in xml(response.data).iter(f"{SITEMAP}loc")]
    base = app.config["PUBLIC_BASE_URL"]
    assert all(url.startswith(base + "/") for url in urls)
    paths = [url.removeprefix(base) for url in urls]
    active = db.session.scalars(db.select(Service.slug).where(Service.is_active)).all()
    assert set(paths) == {"/", "/permohonan", "/lacak", "/tanya-jawab", "/kinerja",
                          *(f"/layanan/{slug}" for slug in active)}
    assert "/layanan/hki" not in paths
    parser = robots(client)
    for path in paths:  # every listed page opens, and crawlers may read it
        assert client.get(path).status_code == 200, path
        assert parser.can_fetch("*", path), path


def test_the_icon_is_named_by_every_page_and_at_favicon_ico(client):
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    assert '<meta name="theme-color" content="#0b6b3a">' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.location == "/static/favicon.svg"
    icon = client.get(response.location)
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    assert xml(icon.data).tag == "{http://www.w3.org/2000/svg}svg"
    icon.close()


def test_security_txt_names_the_contact_and_a_future_expiry(app, client, now):
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    fields = dict(line.split(": ", 1) for line in response.get_data(as_text=True).splitlines()
                  if line)
    assert fields["Contact"] == "mailto:diskopukm2020@gmail.com"
    assert fields["Canonical"] == "http://localhost/.well-known/security.txt"
    assert fields["Preferred-Languages"] == "id, en"
    expires = datetime.fromisoformat(fields["Expires"].replace("Z", "+00:00"))
    assert now + timedelta(days=30) < expires < now + timedelta(days=365)  # RFC 9116: < 1 year
    app.config["SECURITY_CONTACT"] = "https://diskopukm.palembang.go.id/lapor-kerentanan"
    again = client.get("/.well-known/security.txt").get_data(as_text=True)
    assert "Contact: https://diskopukm.palembang.go.id/lapor-kerentanan\n" in again
