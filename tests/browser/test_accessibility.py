"""axe-core over the citizen, staff and supervisor pages in real Chromium: zero WCAG 2.1 A/AA
violations (issue 16). axe-core is vendored in tests/data/axe (npm, MPL-2.0)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ticketing.extensions import db
from ticketing.services import tickets as svc
from ticketing.services.canned import seed_canned

from ..factories import gen_ticket, say_and_set
from ..support.staff import staff

pytestmark = pytest.mark.browser
AXE = (Path(__file__).resolve().parents[1] / "data" / "axe" / "axe.min.js").read_text()
PASSWORD = "kata-sandi-kuat-1"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def axe_phone(browser, live_url):
    """A phone-sized page whose CSP lets the test inject axe (the app's CSP stays as it is)."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                                  has_touch=True, locale="id-ID", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def axe_desktop(browser, live_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID",
                                  bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def violations(page) -> list[str]:
    page.add_script_tag(content=AXE)
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => v.id + ': ' + v.help + ' @ ' + v.nodes.slice(0, 3)"
        ".map(n => n.target.join(' ')).join(', '))", TAGS)
    return result


def check(page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("load")
    return [f"{url} -> {v}" for v in violations(page)]


def test_citizen_pages_have_no_violations(app, live_url, axe_phone):
    now = datetime.now(UTC)
    seed_canned(now)
    db.session.commit()
    ticket = gen_ticket(now - timedelta(hours=2), email="dewi@example.com")
    say_and_set(ticket, "selesai", now - timedelta(hours=1), actor_label="test")
    db.session.commit()
    page = axe_phone
    found = []
    for path in ("/", "/layanan/sertifikat-halal", "/permohonan", "/lacak", "/tanya-jawab",
                 "/tanya-jawab?q=halal", "/lacak/kirim-ulang", "/kinerja"):
        found += check(page, live_url + path)
    page.goto(live_url + "/permohonan")
    page.get_by_role("button", name="Kirim permohonan").click()
    page.locator("#error-summary").wait_for()
    found += [f"/permohonan (errors) -> {v}" for v in violations(page)]
    page.goto(live_url + "/lacak")
    page.get_by_label("Kode pelacakan").fill(ticket.code)
    page.get_by_label("Email atau nomor telepon yang Anda pakai").fill("dewi@example.com")
    page.get_by_role("button", name="Lacak").click()
    page.wait_for_url(f"**/lacak/{ticket.code}")
    found += [f"/lacak/<code> -> {v}" for v in violations(page)]
    page.get_by_label("Balasan Anda").fill("Satu hal lagi.")  # a draft put back, its note
    page.reload()
    page.locator(".draft-note").wait_for()
    found += [f"/lacak/<code> (draft) -> {v}" for v in violations(page)]
    found += check(page, live_url + "/?lang=en")
    found += check(page, live_url + "/permohonan")  # in English now
    assert found == []


def _login(page, live_url, user):
    page.goto(live_url + "/masuk")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/staf/**")


def test_staff_and_supervisor_pages_have_no_violations(app, live_url, axe_desktop):
    now = datetime.now(UTC)
    seed_canned(now)
    ketua = staff(now, "ketua_tim", password=PASSWORD, name="Ketua Tim PUMK")
    worker = staff(now, name="Sari Petugas")
    ticket = gen_ticket(now - timedelta(days=3))
    svc.claim(ticket, worker, now - timedelta(days=2))
    gen_ticket(now)
    db.session.commit()
    page = axe_desktop
    _login(page, live_url, ketua)
    found = []
    for path in ("/staf/antrian", f"/staf/tiket/{ticket.code}", "/staf/pemberitahuan/",
                 "/staf/jawaban-siap/", "/pengawasan/", "/staf/laporan/", "/staf/lisan"):
        found += check(page, live_url + path)
    assert found == []


def test_pages_that_give_unsent_input_back_have_no_violations(app, live_url, axe_phone, now):
    """The expired request form (its own page again) and a reply whose session is gone (the
    error page with the text to copy), as a phone reaches them."""
    app.config["WTF_CSRF_ENABLED"] = True
    ticket = gen_ticket(now)
    page = axe_phone
    page.goto(live_url + "/permohonan?layanan=hki")
    page.get_by_label("Perihal").fill("Merek untuk kopi bubuk")
    page.context.clear_cookies()
    page.get_by_role("button", name="Kirim permohonan").click()
    page.get_by_text("Formulir ini sudah kedaluwarsa").first.wait_for()
    found = [f"expired form -> {v}" for v in violations(page)]
    page.evaluate("""([url, code]) => {
        const form = document.createElement('form');
        form.method = 'post'; form.action = url + '/lacak/' + code + '/balas';
        const body = document.createElement('textarea');
        body.name = 'body'; body.value = 'Mohon dibantu, saya sudah menunggu seminggu.';
        form.append(body); document.body.append(form); form.submit();
    }""", [live_url, ticket.code])
    page.get_by_text("Isian yang belum terkirim").wait_for()
    found += [f"unsent reply -> {v}" for v in violations(page)]
    assert found == []
