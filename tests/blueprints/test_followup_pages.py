"""The respondent profile on the survey pages (link and kiosk), and the follow-up plan's
pages: rights, bad input in Indonesian, the plan on the report page and on /kinerja."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import EvaluationReview, SurveyResponse

from ..factories import gen_ticket, say_and_set
from ..support.staff import login, staff
from .test_survey import confirmed, form, mailed_link

PLAN = "/staf/laporan/tindak-lanjut"


def test_the_citizen_may_give_a_profile_or_leave_it_empty(client, app, now):
    ticket = confirmed(now)
    link = mailed_link(ticket)
    token = link.split("?t=")[1]
    html = client.get(link).get_data(as_text=True)
    for label in ("Jenis kelamin", "Kelompok umur", "Pendidikan terakhir", "Pekerjaan utama",
                  "Tidak ingin menjawab"):
        assert label in html
    bad = client.post(f"/survei/{ticket.code}", data=form(3) | {"t": token, "sex": "Z"})
    assert bad.status_code == 422
    assert "Pilihan jenis kelamin tidak dikenal" in bad.get_data(as_text=True)
    assert db.session.scalar(select(SurveyResponse.id)) is None
    sent = client.post(f"/survei/{ticket.code}", data=form(3) | {
        "t": token, "sex": "P", "age_group": "40-49", "education": "", "occupation": "WIRAUSAHA"})
    assert sent.status_code == 303
    saved = db.session.scalar(select(SurveyResponse))
    assert (saved.sex, saved.age_group, saved.education, saved.occupation) == (
        "P", "40-49", None, "WIRAUSAHA")


def test_the_kiosk_asks_the_profile_too(client, app, now):
    ticket = gen_ticket(now, channel="lisan", email=None, phone="0812 1234 5678")
    user = staff(now, "staf", "PUMK")
    login(client, user)
    say_and_set(ticket, "selesai", now + timedelta(minutes=10), actor=user)
    db.session.commit()
    assert "Pendidikan terakhir" in client.get(f"/staf/survei/{ticket.code}").get_data(
        as_text=True)
    done = client.post(f"/staf/survei/{ticket.code}", data=form(2) | {"education": "SMA"})
    assert done.status_code == 303
    assert db.session.scalar(select(SurveyResponse.education)) == "SMA"


def test_plan_pages_rights_and_bad_input(client, app, now):
    login(client, staff(now, "staf", "PUMK"))
    assert client.get(f"{PLAN}/?periode=2026-Q4").status_code == 403
    ketua = staff(now, "ketua_tim", "PUMK")
    login(client, ketua)
    page = client.get(f"{PLAN}/?periode=2026-Q4")
    assert page.status_code == 200 and "Simpan analisis" not in page.get_data(as_text=True)
    assert client.post(f"{PLAN}/analisis?periode=2026-Q4",
                       data={"analysis": "x"}).status_code == 403
    kabid = staff(now, "kabid", "PUMK")
    login(client, kabid)
    assert client.get(f"{PLAN}/?periode=2026-Q4&bidang=KELEMBAGAAN").status_code == 403
    # no quarter asked: the one the evaluation opens on
    opened = client.get(f"{PLAN}/")
    assert opened.status_code == 302 and "periode=2026-Q3" in opened.location
    assert "bidang=PUMK" in opened.location
    bad = client.get(f"{PLAN}/?periode=2026-Q9")
    assert bad.status_code == 422 and "tidak dikenal" in bad.get_data(as_text=True)
    month = client.get(f"{PLAN}/?periode=2026-11")
    assert month.status_code == 422 and "per triwulan" in month.get_data(as_text=True)
    missing = client.post(f"{PLAN}/tindakan?periode=2026-Q4", data={
        "action": "", "owner": "", "target_date": "besok", "status": "rencana"})
    html = missing.get_data(as_text=True)
    assert missing.status_code == 422
    assert "Tuliskan tindakan yang akan dilakukan." in html
    assert "Tuliskan penanggung jawab (jabatan)." in html
    assert db.session.scalar(select(EvaluationReview.id)) is None
    added = client.post(f"{PLAN}/tindakan?periode=2026-Q4", data={
        "element_key": "waktu", "action": "Piket jawaban harian", "owner": "Ketua Tim PUMK",
        "target_date": "2027-02-28", "status": "rencana"})
    assert added.status_code == 303
    assert client.post(f"{PLAN}/setujui?periode=2026-Q4").status_code == 403
    assert client.post(f"{PLAN}/tindakan/999/hapus?periode=2026-Q4").status_code == 404
    report = client.get("/staf/laporan/?periode=2026-Q4").get_data(as_text=True)
    assert "Piket jawaban harian" in report and "Draf, belum disetujui" in report
    # not public before approval
    assert "Piket jawaban harian" not in client.get("/kinerja?periode=2026-Q4").get_data(
        as_text=True)
    login(client, staff(now, "kepala_dinas", None))
    assert client.post(f"{PLAN}/setujui?periode=2026-Q4&bidang=PUMK").status_code == 303
    public = client.get("/kinerja?periode=2026-Q4").get_data(as_text=True)
    assert "Piket jawaban harian" in public and "Ketua Tim PUMK" in public
    assert "Waktu penyelesaian" in public
    # the next quarter's report carries it
    nxt = client.get("/staf/laporan/?periode=2027-Q1&bidang=PUMK").get_data(as_text=True)
    assert "Tindak lanjut triwulan sebelumnya" in nxt and "Piket jawaban harian" in nxt
