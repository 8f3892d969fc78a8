"""The analysis and follow-up plan of a quarter: the kabid writes their unit's, the kepala
dinas any unit's and the office-wide one, and approves them; everyone who reads the
evaluation reads them. Also the document's signatory (kepala dinas, admin)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..domain import evaluation as ev
from ..domain import ikm, skm
from ..domain.report import report_access
from ..extensions import db
from ..forms.evaluation import ActionForm, AnalysisForm, ConfirmForm, SignatoryForm
from ..models import Unit
from ..services import evaluation, followup, reports
from .helpers import apply_errors, now_utc, today_local
from .reports import scope_unit
from .staff_common import require_login

bp = Blueprint("followup", __name__, url_prefix="/staf/laporan/tindak-lanjut")
require_login(bp)


@bp.before_request
def _allowed():
    if not report_access(current_user.role, current_user.unit_id).allowed:
        abort(403)


def _unit() -> Unit | None:
    """The scope (the report's rule); forms post it, links carry it in the query."""
    return scope_unit(request.values.get("bidang"))


def _back(period_key: str, unit: Unit | None):
    return redirect(url_for(".edit", periode=period_key, bidang=unit.code if unit else None),
                    code=303)


def _page(period, unit, *, analysis_form=None, action_form=None, status=200):
    report = reports.evaluation(period, now_utc(), unit=unit, internal=False,
                                with_previous=False)
    row = followup.find(period.key, unit)
    may_write = ev.may_write_review(current_user.role, current_user.unit_id,
                                    unit.id if unit else None)
    if analysis_form is None:
        analysis_form = AnalysisForm(analysis=row.analysis if row else "")
    edit_forms = {}
    if row is not None and may_write:
        for action in row.actions:
            edit_forms[action.id] = ActionForm(prefix=f"a{action.id}", obj=action)
    return render_template(
        "reports/followup.html", period=period, unit=unit, review=row, report=report,
        weakest=skm.weakest(report.overall.figures.ikm), may_write=may_write,
        may_approve=ev.may_approve_review(current_user.role),
        analysis_form=analysis_form, action_form=action_form or ActionForm(),
        edit_forms=edit_forms, confirm=ConfirmForm(), status_labels=ev.STATUS_LABELS,
        element_labels=ikm.ELEMENT_LABELS,
        previous=followup.reviews(period.previous().key, unit)), status


def _period():
    try:
        return followup.quarter(request.values.get("periode"))
    except followup.FollowUpError as exc:
        abort(422, description=exc.errors["periode"])


@bp.get("/")
def edit():
    unit = _unit()
    if not request.args.get("periode"):  # the quarter the evaluation opens on
        period = evaluation.default_period(today_local(), now_utc(), unit)
        return redirect(url_for(".edit", periode=period.key,
                                bidang=unit.code if unit else None))
    return _page(_period(), unit)


def _input(form: ActionForm) -> followup.ActionInput:
    return followup.ActionInput(element_key=form.element_key.data or None,
                                action=form.action.data or "", owner=form.owner.data or "",
                                target_date=form.target_date.data,
                                status=form.status.data or "rencana",
                                progress=form.progress.data or "")


def _write(period, unit, work, form=None, *, done: str, form_key: str = "action_form"):
    """Run a change; commit once; on refusal show the page with the messages."""
    try:
        work()
    except followup.FollowUpError as exc:
        db.session.rollback()
        if exc.status == 403:
            abort(403)
        if exc.status == 404:
            abort(404)
        if form is not None:
            apply_errors(form, exc.errors)
        else:
            for message in exc.errors.values():
                flash(message, "error")
        return _page(period, unit, status=exc.status, **({form_key: form} if form else {}))
    db.session.commit()
    flash(done, "success")
    return _back(period.key, unit)


@bp.post("/analisis")
def save_analysis():
    period, unit = _period(), _unit()
    form = AnalysisForm()
    if not form.validate_on_submit():
        return _page(period, unit, analysis_form=form, status=422)
    return _write(period, unit, lambda: followup.save_analysis(
        period, unit, form.analysis.data or "", current_user, now_utc()), form,
        done=_("Analisis disimpan."), form_key="analysis_form")


@bp.post("/tindakan")
def add_action():
    period, unit = _period(), _unit()
    form = ActionForm()
    if not form.validate_on_submit():
        return _page(period, unit, action_form=form, status=422)
    return _write(period, unit, lambda: followup.add_action(
        period, unit, _input(form), current_user, now_utc()), form,
        done=_("Tindakan ditambahkan."))


@bp.post("/tindakan/<int:action_id>")
def update_action(action_id: int):
    period, unit = _period(), _unit()
    form = ActionForm(prefix=f"a{action_id}")
    if not form.validate_on_submit():
        for field in form:
            for message in field.errors:
                flash(f"{field.label.text}: {message}", "error")
        return _page(period, unit, status=422)
    return _write(period, unit, lambda: followup.update_action(
        period, unit, action_id, _input(form), current_user, now_utc()),
        done=_("Tindakan diperbarui."))


@bp.post("/tindakan/<int:action_id>/hapus")
def delete_action(action_id: int):
    period, unit = _period(), _unit()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _write(period, unit, lambda: followup.delete_action(
        period, unit, action_id, current_user, now_utc()), done=_("Tindakan dihapus."))


@bp.post("/setujui")
def approve():
    period, unit = _period(), _unit()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _write(period, unit, lambda: followup.approve(period, unit, current_user,
                                                         now_utc()),
                  done=_("Disetujui: analisis dan rencana tindak lanjut tampil di halaman "
                         "Kinerja pelayanan."))


@bp.post("/batalkan-persetujuan")
def withdraw():
    period, unit = _period(), _unit()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _write(period, unit, lambda: followup.withdraw(period, unit, current_user,
                                                          now_utc()),
                  done=_("Persetujuan dibatalkan; rencana tidak lagi tampil untuk umum."))


@bp.route("/penandatangan", methods=["GET", "POST"])
def signatory():
    """Who signs the PDF: name, position, rank, NIP, place (kepala dinas and admin)."""
    if current_user.role not in ("kepala_dinas", "admin"):
        abort(403)
    current = evaluation.signatory()
    form = SignatoryForm(obj=current)
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("reports/signatory.html", form=form), 422
        evaluation.set_signatory(ev.Signatory(form.name.data, form.position.data,
                                              form.rank.data, form.nip.data, form.place.data),
                                 current_user, now_utc())
        db.session.commit()
        flash(_("Penandatangan disimpan."), "success")
        return redirect(url_for(".signatory"), code=303)
    return render_template("reports/signatory.html", form=form, today=today_local())
