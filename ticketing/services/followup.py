"""The analysis and follow-up plan (rencana tindak lanjut) of a quarter: written by the kabid
(own unit) or the kepala dinas (any unit, or the whole office), approved by the kepala dinas,
then published on /kinerja. Every change is audited. Services flush; the caller commits.

Changing what was approved (the analysis, or an action's wording, owner, target or unsur)
withdraws the approval: the kepala dinas approves the new text again. Reporting progress (an
action's status and what was done) keeps it: that is the plan being carried out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..domain import evaluation as ev
from ..domain import ikm, periods
from ..extensions import db
from ..models import ACTION_STATUSES, EvaluationReview, FollowUpAction, Unit, User
from . import audit

ANALYSIS_MAX = 5000
ACTION_MAX = 1000
OWNER_MAX = 200
PROGRESS_MAX = 2000


class FollowUpError(ValueError):
    """A change that cannot be made; `errors` maps field -> Indonesian message."""

    def __init__(self, errors: dict[str, str], *, status: int = 422):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.status = status


def scope_key(unit: Unit | None) -> str:
    return unit.code if unit is not None else ev.ALL_SCOPE


def quarter(value: str | None) -> periods.Period:
    """The quarter of a plan (2026-Q4); anything else is refused in Indonesian."""
    try:
        period = periods.parse_period(value)
    except periods.PeriodError as exc:
        raise FollowUpError({"periode": str(exc)}) from exc
    if period.kind != "quarter":
        raise FollowUpError({"periode": "Analisis dan rencana tindak lanjut dibuat per "
                                        "triwulan (contoh: 2026-Q4)."})
    return period


def _to_record(row: EvaluationReview) -> ev.Review:
    return ev.Review(
        period_key=row.period_key,
        scope_name=row.unit.name if row.unit is not None else "Semua bidang",
        unit_code=row.unit.code if row.unit is not None else None,
        analysis=row.analysis or "",
        actions=tuple(ev.PlanAction(
            a.element_key, ikm.ELEMENT_LABELS.get(a.element_key) if a.element_key else None,
            a.action, a.owner, a.target_date, a.status, a.progress or "") for a in row.actions),
        is_approved=row.is_approved,
        approved_by=row.approved_by.name if row.approved_by is not None else None,
        approved_dt=row.approved_dt)


def reviews(period_key: str, unit: Unit | None, *, published_only: bool = False
            ) -> list[ev.Review]:
    """The plans of a quarter for a unit's report (that unit's), or for the all-units report
    (the office-wide one first, then each unit's)."""
    query = (select(EvaluationReview).where(EvaluationReview.period_key == period_key)
             .options(selectinload(EvaluationReview.actions),
                      selectinload(EvaluationReview.unit),
                      selectinload(EvaluationReview.approved_by)))
    if unit is not None:
        query = query.where(EvaluationReview.scope_key == scope_key(unit))
    if published_only:
        query = query.where(EvaluationReview.is_approved.is_(True))
    rows = db.session.scalars(query).all()
    rows = sorted(rows, key=lambda r: (r.unit is not None, r.unit.sort_order if r.unit else 0))
    return [_to_record(r) for r in rows if r.analysis or r.actions]


def find(period_key: str, unit: Unit | None) -> EvaluationReview | None:
    return db.session.scalar(select(EvaluationReview).where(
        EvaluationReview.period_key == period_key,
        EvaluationReview.scope_key == scope_key(unit)))


def _check_writer(actor: User, unit: Unit | None) -> None:
    if not ev.may_write_review(actor.role, actor.unit_id, unit.id if unit else None):
        raise FollowUpError({"akses": "Anda tidak berwenang menulis analisis dan rencana "
                                      "tindak lanjut untuk cakupan ini."}, status=403)


def _review(period: periods.Period, unit: Unit | None, actor: User, now: datetime
            ) -> EvaluationReview:
    _check_writer(actor, unit)
    row = find(period.key, unit)
    if row is None:
        row = EvaluationReview(period_key=period.key, scope_key=scope_key(unit),
                               unit_id=unit.id if unit else None, analysis="",
                               is_approved=False, created_dt=now, updated_dt=now,
                               updated_by_id=actor.id)
        db.session.add(row)
        db.session.flush()
    return row


def _touch(row: EvaluationReview, actor: User, now: datetime, *, content: bool) -> None:
    row.updated_by_id, row.updated_dt = actor.id, now
    if content and row.is_approved:
        row.is_approved, row.approved_by_id, row.approved_dt = False, None, None
        _audit(row, "rtl_unapproved", actor, now, new="diubah setelah disetujui")


def _audit(row: EvaluationReview, action: str, actor: User, now: datetime, *,
           old: object = None, new: object = None) -> None:
    audit.record(None, action, now, actor=actor, old=old, new=new,
                 detail={"periode": row.period_key, "cakupan": row.scope_key})


def save_analysis(period: periods.Period, unit: Unit | None, text: str, actor: User,
                  now: datetime) -> EvaluationReview:
    text = (text or "").strip()
    if len(text) > ANALYSIS_MAX:
        raise FollowUpError({"analysis": f"Analisis paling banyak {ANALYSIS_MAX} karakter."})
    row = _review(period, unit, actor, now)
    if text == (row.analysis or ""):
        return row
    old = row.analysis
    row.analysis = text
    _touch(row, actor, now, content=True)
    _audit(row, "rtl_analysis", actor, now, old=old[:300] if old else None, new=text[:300])
    return row


@dataclass
class ActionInput:
    element_key: str | None
    action: str
    owner: str
    target_date: date | None
    status: str = "rencana"
    progress: str = ""


def check_action(data: ActionInput) -> dict[str, str]:
    errors = {}
    if data.element_key and data.element_key not in ikm.ELEMENT_KEYS:
        errors["element_key"] = "Unsur tidak dikenal."
    if not data.action.strip():
        errors["action"] = "Tuliskan tindakan yang akan dilakukan."
    elif len(data.action) > ACTION_MAX:
        errors["action"] = f"Tindakan paling banyak {ACTION_MAX} karakter."
    if not data.owner.strip():
        errors["owner"] = "Tuliskan penanggung jawab (jabatan)."
    elif len(data.owner) > OWNER_MAX:
        errors["owner"] = f"Penanggung jawab paling banyak {OWNER_MAX} karakter."
    if data.target_date is None:
        errors["target_date"] = "Isi tanggal target (contoh: 2027-03-31)."
    if data.status not in ACTION_STATUSES:
        errors["status"] = "Status tidak dikenal."
    if len(data.progress or "") > PROGRESS_MAX:
        errors["progress"] = f"Catatan pelaksanaan paling banyak {PROGRESS_MAX} karakter."
    return errors


def add_action(period: periods.Period, unit: Unit | None, data: ActionInput, actor: User,
               now: datetime) -> FollowUpAction:
    _check_writer(actor, unit)
    errors = check_action(data)
    if errors:
        raise FollowUpError(errors)
    row = _review(period, unit, actor, now)
    action = FollowUpAction(review=row, element_key=data.element_key or None,
                            action=data.action.strip(), owner=data.owner.strip(),
                            target_date=data.target_date, status=data.status,
                            progress=(data.progress or "").strip(), created_dt=now,
                            updated_dt=now)
    db.session.add(action)
    _touch(row, actor, now, content=True)
    _audit(row, "rtl_action_added", actor, now, new=action.action[:300])
    return action


def _action(review: EvaluationReview, action_id: int) -> FollowUpAction:
    action = db.session.get(FollowUpAction, action_id)
    if action is None or action.review_id != review.id:
        raise FollowUpError({"action": "Tindakan tidak ditemukan."}, status=404)
    return action


def update_action(period: periods.Period, unit: Unit | None, action_id: int,
                  data: ActionInput, actor: User, now: datetime) -> FollowUpAction:
    _check_writer(actor, unit)
    row = find(period.key, unit)
    if row is None:
        raise FollowUpError({"action": "Tindakan tidak ditemukan."}, status=404)
    action = _action(row, action_id)
    errors = check_action(data)
    if errors:
        raise FollowUpError(errors)
    content = ((data.element_key or None), data.action.strip(), data.owner.strip(),
               data.target_date) != (action.element_key, action.action, action.owner,
                                     action.target_date)
    progress = (data.status, (data.progress or "").strip()) != (action.status,
                                                                action.progress or "")
    if not (content or progress):
        return action
    old = f"{action.status}: {action.action}"
    action.element_key, action.action, action.owner = (data.element_key or None,
                                                       data.action.strip(), data.owner.strip())
    action.target_date, action.status = data.target_date, data.status
    action.progress, action.updated_dt = (data.progress or "").strip(), now
    _touch(row, actor, now, content=content)
    _audit(row, "rtl_action_changed", actor, now, old=old[:300],
           new=f"{action.status}: {action.action}"[:300])
    return action


def delete_action(period: periods.Period, unit: Unit | None, action_id: int, actor: User,
                  now: datetime) -> None:
    _check_writer(actor, unit)
    row = find(period.key, unit)
    if row is None:
        raise FollowUpError({"action": "Tindakan tidak ditemukan."}, status=404)
    action = _action(row, action_id)
    _audit(row, "rtl_action_removed", actor, now, old=action.action[:300])
    row.actions.remove(action)
    _touch(row, actor, now, content=True)


def approve(period: periods.Period, unit: Unit | None, actor: User, now: datetime
            ) -> EvaluationReview:
    """The kepala dinas approves: the analysis and plan are published on /kinerja."""
    if not ev.may_approve_review(actor.role):
        raise FollowUpError({"akses": "Hanya Kepala Dinas yang dapat menyetujui rencana "
                                      "tindak lanjut."}, status=403)
    row = find(period.key, unit)
    if row is None or not (row.analysis or row.actions):
        raise FollowUpError({"review": "Belum ada analisis atau rencana tindak lanjut untuk "
                                       "disetujui."}, status=409)
    if row.is_approved:
        return row
    row.is_approved, row.approved_by_id, row.approved_dt = True, actor.id, now
    _audit(row, "rtl_approved", actor, now, new="disetujui")
    return row


def withdraw(period: periods.Period, unit: Unit | None, actor: User, now: datetime) -> None:
    """The kepala dinas withdraws an approval (the plan leaves /kinerja)."""
    if not ev.may_approve_review(actor.role):
        raise FollowUpError({"akses": "Hanya Kepala Dinas yang dapat membatalkan "
                                      "persetujuan."}, status=403)
    row = find(period.key, unit)
    if row is None or not row.is_approved:
        return
    row.is_approved, row.approved_by_id, row.approved_dt = False, None, None
    _audit(row, "rtl_unapproved", actor, now, new="persetujuan dibatalkan")
