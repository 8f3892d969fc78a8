"""The evaluation's written parts: the SKM respondent profile and sample, and the analysis
and follow-up plan of a quarter, carried into the next quarter's report; who may write and
approve; what approval means; every change audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import select

from ticketing.domain import skm
from ticketing.domain.ikm import ELEMENT_KEYS
from ticketing.domain.periods import parse_period
from ticketing.extensions import db
from ticketing.models import AuditEntry, SurveyResponse, Unit
from ticketing.services import evaluation, followup, reports, survey

from ..factories import gen_ticket, say_and_set
from ..support.quarter import wib
from ..support.staff import staff

Q3, Q4 = parse_period("2026-Q3"), parse_period("2026-Q4")
NOW = wib(2027, 1, 15, 10, 0)


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def responded(moment, profile: dict, service: str = "sertifikat-halal", score: int = 3):
    ticket = gen_ticket(moment, service=service)
    say_and_set(ticket, "selesai", moment + timedelta(hours=1))
    db.session.commit()
    survey.submit(ticket, survey.Answers(dict.fromkeys(ELEMENT_KEYS, score), "", profile),
                  moment + timedelta(hours=2))
    return ticket


def action(text="Perbarui daftar persyaratan di situs web", owner="Ketua Tim PUMK",
           target=date(2026, 12, 31), element="persyaratan", status="rencana", progress=""):
    return followup.ActionInput(element, text, owner, target, status, progress)


# ------------------------------------------------------------------ sample size (pure)

@pytest.mark.parametrize("population, minimum", [
    (0, 0), (1, 1), (9, 9), (10, 10), (11, 14), (100, 80), (101, 86), (278, 162),
    (1000, 278), (1001, 285), (100000, 384), (2_000_000, 384)])
def test_minimum_sample_follows_the_regulations_table(population, minimum):
    assert skm.minimum_sample(population) == minimum


def test_sample_verdict_says_when_it_is_too_small_for_a_grade():
    small = skm.sample(100, 12)
    assert not small.is_sufficient and "terlalu kecil" in small.verdict
    assert "12 dari minimal 80" in small.verdict and "belum dapat ditetapkan" in small.verdict
    assert skm.sample(100, 80).is_sufficient
    assert not skm.sample(0, 0).is_sufficient and "Belum ada responden" in skm.sample(0, 0).verdict


def test_a_tampered_profile_value_is_refused_in_indonesian(app, now):
    ticket = gen_ticket(now)
    say_and_set(ticket, "selesai", now + timedelta(hours=1))
    db.session.commit()
    with pytest.raises(survey.SurveyError) as refused:
        survey.submit(ticket, survey.Answers(dict.fromkeys(ELEMENT_KEYS, 4), "",
                                             {"sex": "X", "education": "SMA"}), now)
    assert set(refused.value.errors) == {"sex"}
    assert "jenis kelamin" in refused.value.errors["sex"]
    assert db.session.scalar(select(SurveyResponse.id)) is None


# ------------------------------------------------------------------ round trip into Q4

def test_profile_and_plan_round_trip_into_the_next_quarter(app):
    pumk = unit("PUMK")
    kabid = staff(NOW, "kabid", "PUMK")
    kadis = staff(NOW, "kepala_dinas", None)
    # Q3: two respondents with a profile, one without; Q4: one more
    responded(wib(2026, 8, 3, 9, 0), {"sex": "P", "age_group": "30-39", "education": "D4-S1",
                                      "occupation": "WIRAUSAHA"})
    responded(wib(2026, 8, 10, 9, 0), {"sex": "L", "age_group": "30-39"})
    responded(wib(2026, 9, 7, 9, 0), {})
    responded(wib(2026, 11, 2, 9, 0), {"sex": "P", "occupation": "PNS"})
    # the kabid writes Q3's analysis and plan; the kepala dinas approves
    followup.save_analysis(Q3, pumk, "U1 terendah: persyaratan belum jelas di situs.", kabid,
                           wib(2026, 10, 5, 9, 0))
    followup.add_action(Q3, pumk, action(), kabid, wib(2026, 10, 5, 9, 5))
    db.session.commit()
    followup.approve(Q3, pumk, kadis, wib(2026, 10, 6, 9, 0))
    db.session.commit()
    # during Q4 the kabid reports it done: progress keeps the approval
    (row,) = followup.find(Q3.key, pumk).actions
    followup.update_action(Q3, pumk, row.id, action(status="selesai",
                                                    progress="Daftar diperbarui 2 Nov 2026."),
                           kabid, wib(2026, 11, 2, 9, 0))
    db.session.commit()
    assert followup.find(Q3.key, pumk).is_approved

    with time_machine.travel(NOW, tick=False):
        report = reports.evaluation(Q4, NOW, unit=pumk)
        doc = evaluation.document(report, pumk, NOW.date())
    assert doc.profile.respondents == 1 and doc.profile.count("sex", "P") == 1
    before = doc.previous_profile
    assert before.respondents == 3
    assert before.count("sex", "P") == 1 and before.count("sex", "L") == 1
    assert before.count("sex", None) == 1 and before.count("age_group", "30-39") == 2
    assert before.count("occupation", "WIRAUSAHA") == 1
    (carried,) = doc.previous_reviews
    assert carried.is_approved and carried.analysis.startswith("U1 terendah")
    (item,) = carried.actions
    assert (item.status_label, item.progress, item.owner) == (
        "Selesai", "Daftar diperbarui 2 Nov 2026.", "Ketua Tim PUMK")
    assert item.element_label == "Persyaratan"
    assert doc.reviews == []  # nothing written for Q4 yet
    # the tables show both quarters side by side
    from ticketing.domain.report_tables import profile_table

    table = profile_table(doc)
    assert table.headers[2:] == ["Triwulan IV 2026: jumlah", "Triwulan IV 2026: %",
                                 "Triwulan III 2026: jumlah", "Triwulan III 2026: %"]
    perempuan = next(r for r in table.rows if r[:2] == ["Jenis kelamin", "Perempuan"])
    assert perempuan[2] == 1 and perempuan[4] == 1


# ------------------------------------------------------------------ rights and approval

def test_who_may_write_and_approve(app):
    pumk, kel = unit("PUMK"), unit("KELEMBAGAAN")
    kabid = staff(NOW, "kabid", "PUMK")
    for actor, scope in ((kabid, kel), (kabid, None), (staff(NOW, "ketua_tim", "PUMK"), pumk),
                         (staff(NOW, "admin", None), pumk)):
        with pytest.raises(followup.FollowUpError) as refused:
            followup.save_analysis(Q4, scope, "Analisis", actor, NOW)
        assert refused.value.status == 403
    followup.save_analysis(Q4, pumk, "Analisis PUMK", kabid, NOW)
    kadis = staff(NOW, "kepala_dinas", None)
    followup.save_analysis(Q4, None, "Analisis seluruh dinas", kadis, NOW)
    followup.add_action(Q4, kel, action(owner="Kabid Kelembagaan"), kadis, NOW)
    db.session.commit()
    with pytest.raises(followup.FollowUpError) as refused:
        followup.approve(Q4, pumk, kabid, NOW)
    assert refused.value.status == 403
    with pytest.raises(followup.FollowUpError) as refused:
        followup.quarter("2026-11")
    assert "per triwulan" in refused.value.errors["periode"]


def test_bad_action_input_is_explained_and_leaves_nothing(app):
    kabid = staff(NOW, "kabid", "PUMK")
    with pytest.raises(followup.FollowUpError) as refused:
        followup.add_action(Q4, unit("PUMK"), followup.ActionInput(
            "tidak-ada", " ", "", None, "entah"), kabid, NOW)
    assert set(refused.value.errors) == {"element_key", "action", "owner", "target_date",
                                         "status"}
    db.session.rollback()
    assert followup.find(Q4.key, unit("PUMK")) is None


def test_changing_approved_text_withdraws_approval_and_everything_is_audited(app):
    pumk = unit("PUMK")
    kabid, kadis = staff(NOW, "kabid", "PUMK"), staff(NOW, "kepala_dinas", None)
    followup.add_action(Q4, pumk, action(), kabid, NOW)
    db.session.commit()
    followup.approve(Q4, pumk, kadis, NOW)
    db.session.commit()
    assert [r.scope_name for r in followup.reviews(Q4.key, None, published_only=True)] == [
        pumk.name]
    (row,) = followup.find(Q4.key, pumk).actions
    followup.update_action(Q4, pumk, row.id, action(text="Tindakan lain"), kabid, NOW)
    db.session.commit()
    assert not followup.find(Q4.key, pumk).is_approved
    assert followup.reviews(Q4.key, None, published_only=True) == []
    followup.delete_action(Q4, pumk, row.id, kabid, NOW)
    db.session.commit()
    actions = list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("rtl_%")).order_by(AuditEntry.id)))
    assert actions == ["rtl_action_added", "rtl_approved", "rtl_unapproved",
                       "rtl_action_changed", "rtl_action_removed"]
    who = set(db.session.scalars(select(AuditEntry.actor_id).where(
        AuditEntry.action.like("rtl_%"))))
    assert who == {kabid.id, kadis.id}
