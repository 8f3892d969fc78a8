"""The admin's working calendar (office hours, Ramadan and other periods, closures) and the
services' SLA targets. Changes are audited and apply to tickets opened afterwards."""

from __future__ import annotations

from datetime import date, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..forms.accounts import ButtonForm
from ..forms.calendar import DAY_NAMES, ClosureForm, HoursForm, PeriodForm, TargetForm
from ..models import Closure, Service
from ..services import calendar as settings
from ..services import transaction
from .helpers import now_utc, today_local
from .staff_common import require_admin

bp = Blueprint("calendar_admin", __name__, url_prefix="/admin/kalender")
require_admin(bp)
#: closures listed: from this many days back (older ones stay in force but are history)
CLOSURES_SINCE_DAYS = 31




def _hours_form() -> HoursForm:
    form = HoursForm()
    if not form.is_submitted():
        for day, span in settings.weekly_hours().items():
            getattr(form, f"open_{day}").data = f"{span[0]:%H.%M}" if span else ""
            getattr(form, f"close_{day}").data = f"{span[1]:%H.%M}" if span else ""
    return form


def _page(hours_form=None, period_form=None, closure_form=None, status: int = 200):
    since = now_utc().date() - timedelta(days=CLOSURES_SINCE_DAYS)
    closures = db.session.scalars(
        select(Closure).where(Closure.day >= since).order_by(Closure.day).limit(200)).all()
    services = db.session.scalars(
        select(Service).options(selectinload(Service.unit)).order_by(Service.sort_order)).all()
    return render_template(
        "admin/calendar.html", days=DAY_NAMES, hours_form=hours_form or _hours_form(),
        period_form=period_form or PeriodForm(formdata=None),
        closure_form=closure_form or ClosureForm(formdata=None),
        periods=settings.special_periods(), closures=closures, services=services,
        target_forms={s.id: TargetForm(formdata=None, prefix=f"s{s.id}",
                                       target_days=f"{s.target_days:g}",
                                       warning_percent=s.sla_warning_percent or "",
                                       level2_days="" if s.sla_level2_days is None
                                       else f"{s.sla_level2_days:g}") for s in services},
        button=ButtonForm(), span_label=_span_label, holidays=_holidays(),
    ), status


def _holidays() -> list[tuple[int, list]]:
    """This year's and next year's national holidays and cuti bersama, as the clock uses them."""
    calendar = settings.office_calendar()
    year = today_local().year
    return [(y, calendar.national_holidays(y)) for y in (year, year + 1)]


def _span_label(span) -> str:
    return f"{span[0]}–{span[1]}".replace(":", ".") if span else "tutup"


def _show_errors(form, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + [message]
        else:
            flash(message, "error")


@bp.get("/")
def index():
    return _page()


@bp.post("/jam")
def hours():
    form = _hours_form()
    if not form.validate_on_submit():
        return _page(hours_form=form, status=422)
    failed = False
    for day in range(7):
        try:
            transaction.run(settings.set_office_hours, day,
                            getattr(form, f"open_{day}").data or None,
                            getattr(form, f"close_{day}").data or None, now_utc(),
                                      actor=current_user)
        except settings.SettingsError as exc:
            failed = True
            getattr(form, f"open_{day}").errors = list(exc.errors.values())
    if failed:
        return _page(hours_form=form, status=422)
    flash("Jam kantor disimpan. Berlaku untuk permohonan yang masuk sesudah ini.", "success")
    return redirect(url_for(".index"))


def _time(value: str) -> time:
    return time.fromisoformat(value.replace(".", ":"))


@bp.post("/periode")
def add_period():
    form = PeriodForm()
    if form.validate_on_submit():
        try:
            open_t, close_t, friday = (_time(form.open_time.data), _time(form.close_time.data),
                                       _time(form.friday_close.data))
        except ValueError:
            form.open_time.errors = ["Tulis jam seperti 08.00."]
        else:
            hours = dict.fromkeys(range(4), (open_t, close_t))
            hours.update({4: (open_t, friday), 5: None, 6: None})
            try:
                transaction.run(settings.add_special_period, form.name.data, form.start.data,
                                form.end.data, hours, now_utc(), actor=current_user)
            except settings.SettingsError as exc:
                _show_errors(form, exc.errors)
            else:
                flash("Periode jam khusus disimpan.", "success")
                return redirect(url_for(".index"))
    return _page(period_form=form, status=422)


@bp.post("/periode/<int:period_id>/hapus")
def remove_period(period_id: int):
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        transaction.run(settings.remove_special_period, period_id, now_utc(), actor=current_user)
    except settings.SettingsError:
        abort(404)
    flash("Periode jam khusus dihapus.", "success")
    return redirect(url_for(".index"))


@bp.post("/tutup")
def add_closure():
    form = ClosureForm()
    if form.validate_on_submit():
        try:
            transaction.run(settings.add_closure, form.day.data, form.reason.data, now_utc(),
                            actor=current_user)
        except settings.SettingsError as exc:
            _show_errors(form, exc.errors)
        else:
            flash("Hari tutup disimpan.", "success")
            return redirect(url_for(".index"))
    return _page(closure_form=form, status=422)


@bp.post("/tutup/<day>/hapus")
def remove_closure(day: str):
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        transaction.run(settings.remove_closure, date.fromisoformat(day), now_utc(),
                        actor=current_user)
    except (ValueError, settings.SettingsError):
        abort(404)
    flash("Hari tutup dihapus.", "success")
    return redirect(url_for(".index"))


@bp.post("/target/<slug>")
def target(slug: str):
    service = db.session.scalar(select(Service).where(Service.slug == slug))
    if service is None:
        abort(404)
    form = TargetForm(prefix=f"s{service.id}")
    if form.validate_on_submit():
        try:
            transaction.run(settings.set_service_target,
                service, settings.TargetChange(form.target_days.data, form.warning_percent.data,
                                               form.level2_days.data), now_utc(),
                actor=current_user)
        except settings.SettingsError as exc:
            for message in exc.errors.values():
                flash(f"{service.name}: {message}", "error")
            return redirect(url_for(".index") + "#target")
        flash(f"Target {service.name} disimpan. Berlaku untuk permohonan baru.", "success")
    else:
        flash(f"{service.name}: periksa isian target.", "error")
    return redirect(url_for(".index") + "#target")
