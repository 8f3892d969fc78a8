"""Shared by the staff blueprints: login guard, loading a ticket the user may see, the
working-time calendar of the request, and the queue's time-left wording."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Blueprint, Flask, abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..domain import permissions as perm
from ..domain import timeleft
from ..domain.calendar import WorkingCalendar
from ..domain.codes import normalize_code
from ..extensions import db, login_manager
from ..models import Ticket
from .helpers import now_utc


def no_store(response):
    """For pages showing a secret once (temporary password, new API token): never cached."""
    response.headers["Cache-Control"] = "no-store"
    return response


def require_login(bp: Blueprint) -> None:
    """Every view of the blueprint needs a logged-in, active staff member."""

    @bp.before_request
    def _guard():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None


def require_admin(bp: Blueprint) -> None:
    """Every view of the blueprint is the admin's: login first, then the ACCOUNTS right."""
    require_login(bp)

    @bp.before_request
    def _only_admin():
        if not perm.can(current_user.role, current_user.unit_id, perm.ACCOUNTS, None):
            abort(403)


def request_calendar() -> WorkingCalendar:
    """The office calendar, read once per request (a queue page asks for it 25 times)."""
    from ..services.calendar import request_calendar as cached

    return cached()


def load_ticket(code: str, action: str = perm.VIEW) -> Ticket:
    """The ticket by code: 404 when unknown, 403 when the user may not do `action` on it."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.code == (normalize_code(code) or "")))
    if ticket is None:
        abort(404)
    if not perm.can(current_user.role, current_user.unit_id, action, ticket.unit_id):
        abort(403)
    return ticket


def time_left_of(ticket: Ticket) -> timeleft.TimeLeft:
    return timeleft.time_left(request_calendar(), now_utc(), ticket.due_dt, ticket.status)


def time_left_words(value: timeleft.TimeLeft) -> str:
    if value.state == timeleft.PAUSED:
        return _("jeda — menunggu pemohon")
    if value.state == timeleft.DONE:
        return _("selesai")
    unit = {"menit": _("menit"), "jam": _("jam"), "hari": _("hari")}[value.unit]
    if value.state == timeleft.LATE:
        return _("terlambat %(n)s %(unit)s", n=value.amount, unit=unit)
    return _("sisa %(n)s %(unit)s", n=value.amount, unit=unit)


#: a 16-digit NIK (Indonesian ID number) in free text
NIK_RE = re.compile(r"(?<!\d)(\d{6})\d{6}(\d{4})(?!\d)")


def mask_nik(text: str | None) -> str:
    """Show a NIK as 167101******0001: enough to compare with an ID card, not to copy."""
    return NIK_RE.sub(r"\1******\2", text or "")


ACTION_LABELS = {
    "merged": _l("Tiket digabung"),
    "created": _l("Permohonan diterima"),
    "status": _l("Status diubah"),
    "due": _l("Batas waktu berubah"),
    "assignee": _l("Petugas diubah"),
    "unit": _l("Bidang diubah"),
    "service": _l("Layanan diubah"),
    "reply": _l("Jawaban dikirim"),
    "note": _l("Catatan internal"),
    "citizen_reply": _l("Pemohon membalas"),
    "confirm": _l("Konfirmasi pemahaman"),
    "oral_procedure": _l("Prosedur lisan dicatat"),
    "sla_warning": _l("Pengingat batas waktu dikirim"),
    "escalation": _l("Eskalasi dikirim"),
    "sla_window": _l("Jendela waktu layanan baru"),
    "email_undeliverable": _l("Surel pemohon tidak terkirim (bounce)"),
    "survey_invite": _l("Undangan survei kepuasan dikirim"),
    "survey_response": _l("Survei kepuasan diisi"),
    "message_id": _l("Surel masuk dicatat"),
    "whatsapp_failed": _l("Pesan WhatsApp tidak terkirim"),
    "whatsapp_linked": _l("Nomor WhatsApp ditautkan (LACAK)"),
}
#: what staff read for each status (the citizen's wording differs, see _macros.status_badge)
STATUS_LABELS = {
    "baru": _l("Baru"),
    "diproses": _l("Sedang diproses"),
    "menunggu_pemohon": _l("Menunggu pemohon"),
    "selesai": _l("Selesai dijawab"),
    "ditutup": _l("Ditutup"),
}


def status_label(status: str | None) -> str:
    return str(STATUS_LABELS.get(status, status or "—"))


def _as_datetime(value: str | None) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def history_change(action: str, old: str | None, new: str | None, words) -> str | None:
    """One plain sentence for an audit entry's values, or None when there is nothing to add.

    `words` turns a UTC datetime into WIB words (the dt_words filter), so the rule stays here
    and the template only prints it.
    """
    if action == "status":
        return _("dari «%(old)s» menjadi «%(new)s»", old=status_label(old), new=status_label(new))
    if action == "created":
        return _("dengan status «%(new)s»", new=status_label(new)) if new else None
    if action == "due":
        new_dt, old_dt = _as_datetime(new), _as_datetime(old)
        if new_dt is None:
            return _("jam layanan dijeda selama menunggu pemohon")
        if old_dt is None:
            return _("batas waktu kini %(new)s", new=words(new_dt))
        return _("dari %(old)s menjadi %(new)s", old=words(old_dt), new=words(new_dt))
    if action == "sla_window":
        return _("putaran waktu layanan ke-%(n)s dimulai", n=new) if new else None
    if action == "assignee":
        if not new:
            return _("%(old)s tidak lagi menangani", old=old) if old else None
        if old:
            return _("dari %(old)s kepada %(new)s", old=old, new=new)
        return _("kepada %(new)s", new=new)
    if action in ("unit", "service"):
        if old and new:
            return _("dari %(old)s ke %(new)s", old=old, new=new)
        return _("ke %(new)s", new=new) if new else None
    if old and new:
        return f"{old} → {new}"
    return new or None


ROLE_LABELS = {
    "staf": _l("Staf"),
    "ketua_tim": _l("Ketua Tim"),
    "kabid": _l("Kepala Bidang"),
    "kepala_dinas": _l("Kepala Dinas"),
    "admin": _l("Admin"),
}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def staff_nav() -> dict[str, bool]:
    """Which menu entries the logged-in user gets (the same table the routes check)."""
    user = current_user
    if not user.is_authenticated:
        return {}
    role, unit = user.role, user.unit_id
    return {
        "queue": perm.QUEUE in perm.RULES.get(role, {}),
        "triage": perm.can(role, unit, perm.QUEUE, None),
        "oral": perm.can(role, unit, perm.RECORD_ORAL, unit),
        "canned": perm.can(role, unit, perm.CANNED, unit) or perm.can(role, unit, perm.CANNED),
        "accounts": perm.can(role, unit, perm.ACCOUNTS),
    }


def _staff_unread() -> int:
    """Tickets with news the signed-in person has not opened (the menu's count)."""
    from ..services.staff_notify import unread_count

    return unread_count(current_user) if current_user.is_authenticated else 0


def init_app(app: Flask) -> None:
    app.add_template_global(staff_nav, "staff_nav")
    app.add_template_filter(time_left_words, "time_left_words")
    app.add_template_filter(mask_nik, "mask_nik")
    app.add_template_global(time_left_of, "time_left_of")
    app.add_template_global(role_label, "role_label")
    app.add_template_global(status_label, "status_label")
    app.add_template_global(_staff_unread, "staff_unread")
    app.add_template_global(history_change, "history_change")

    @app.template_filter("audit_label")
    def _audit_label(action: str) -> str:
        return str(ACTION_LABELS.get(action, action))
