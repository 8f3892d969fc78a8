"""A kabid writes the quarter's analysis and follow-up plan in real Chromium, the kepala
dinas approves it, and a citizen then reads it on /kinerja on a phone."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import AuditEntry

from ..support.staff import staff

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-rtl-1"


def _login(page, live_url, user) -> None:
    page.goto(live_url + "/masuk")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_role("button", name="Keluar").wait_for()


def test_kabid_writes_kepala_dinas_approves_public_reads(app, now, live_url, desktop_page,
                                                        phone_page):
    kabid = staff(now, "kabid", "PUMK", password=PASSWORD, name="Bu Kabid PUMK")
    kadis = staff(now, "kepala_dinas", None, password=PASSWORD, name="Ibu Kepala Dinas")
    page = desktop_page
    _login(page, live_url, kabid)
    page.get_by_role("link", name="Evaluasi kinerja").click()
    page.get_by_label("Triwulan atau bulan").select_option(label="Triwulan IV 2026")
    page.get_by_role("button", name="Tampilkan").click()
    page.get_by_role("link", name="Tulis analisis dan rencana tindak lanjut").click()
    page.get_by_role("heading", name="Analisis dan rencana tindak lanjut: Triwulan IV 2026"
                     ).wait_for()

    page.get_by_label("Analisis (temuan").fill(
        "Waktu penyelesaian (U3) terendah: jawaban sering menunggu konfirmasi ke BPJPH.")
    page.get_by_role("button", name="Simpan analisis").click()
    page.get_by_text("Analisis disimpan.").wait_for()

    form = page.get_by_test_id("add-action")
    form.get_by_label("Unsur").select_option(label="U3 Waktu penyelesaian")
    form.get_by_label("Tindakan").fill("Kontak langsung dengan BPJPH untuk jawaban hari yang sama")
    form.get_by_label("Penanggung jawab (jabatan)").fill("Ketua Tim PUMK")
    form.get_by_label("Target selesai").fill("2027-03-31")
    form.get_by_role("button", name="Tambah tindakan").click()
    page.get_by_text("Tindakan ditambahkan.").wait_for()
    assert page.get_by_test_id("review-state").inner_text() == "Draf, belum disetujui"
    # a kabid cannot approve
    assert page.get_by_role("button", name="Setujui dan terbitkan").count() == 0

    citizen = phone_page
    citizen.goto(live_url + "/kinerja?periode=2026-Q4")
    citizen.get_by_text("Analisis dan rencana tindak lanjut triwulan ini belum diterbitkan."
                        ).wait_for()
    assert citizen.get_by_text("Kontak langsung dengan BPJPH").count() == 0

    page.get_by_role("button", name="Keluar").click()
    _login(page, live_url, kadis)
    page.goto(live_url + "/staf/laporan/?periode=2026-Q4&bidang=PUMK")
    page.get_by_role("link", name="Tulis analisis dan rencana tindak lanjut").click()
    page.get_by_role("button", name="Setujui dan terbitkan").click()
    page.get_by_text("Disetujui: analisis dan rencana tindak lanjut tampil").wait_for()
    assert page.get_by_test_id("review-state").inner_text() == "Disetujui Kepala Dinas"

    citizen.goto(live_url + "/kinerja?periode=2026-Q4")
    section = citizen.locator("#tindak-lanjut")
    section.get_by_text("Kontak langsung dengan BPJPH untuk jawaban hari yang sama").wait_for()
    assert section.get_by_text("Ketua Tim PUMK").is_visible()
    assert section.get_by_text("Waktu penyelesaian (U3) terendah").is_visible()
    assert section.get_by_text("Disetujui Kepala Dinas").is_visible()
    citizen.wait_for_load_state("load")
    assert citizen.evaluate("document.documentElement.scrollWidth") <= 360
    # the charts are readable on the phone: text at least 12 px tall, the unsur named
    heights = citizen.evaluate("""[...document.querySelectorAll(
        'figure.chart .chart-label, figure.chart .chart-value')].map(
        e => e.getBoundingClientRect().height)""")
    assert heights and min(heights) >= 12, heights
    ikm = citizen.locator('figure[data-chart="ikm"]')
    name = ikm.locator("text.chart-label", has_text="U8 Penanganan pengaduan, saran dan masukan")
    assert name.count() == 1
    box = name.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360  # the whole name is on screen

    db.session.expire_all()
    audited = list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("rtl_%")).order_by(AuditEntry.id)))
    assert audited == ["rtl_analysis", "rtl_action_added", "rtl_approved"]


def test_plan_signatory_and_survey_pages_have_no_accessibility_violations(app, now, live_url,
                                                                         browser):
    from ticketing.services import followup

    from ..support.survey_link import answered_survey_link
    from .test_accessibility import check

    kadis = staff(now, "kepala_dinas", None, password=PASSWORD)
    followup.add_action(followup.quarter("2026-Q4"), None, followup.ActionInput(
        "waktu", "Piket jawaban harian", "Kepala Dinas", now.date()), kadis, now)
    db.session.commit()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID",
                                  bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        _login(page, live_url, kadis)
        problems = []
        for url in ("/staf/laporan/tindak-lanjut/?periode=2026-Q4",
                    "/staf/laporan/tindak-lanjut/penandatangan",
                    "/staf/laporan/?periode=2026-Q4", "/kinerja?periode=2026-Q4",
                    answered_survey_link(now)):
            problems += check(page, live_url + url)
        assert problems == []
    finally:
        context.close()
