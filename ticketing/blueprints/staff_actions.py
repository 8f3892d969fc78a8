"""POST actions on a ticket from its page: claim, assign, transfer, reply, note, status."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..forms.staff import (
    ActionForm,
    AssignForm,
    NoteForm,
    ReplyForm,
    StatusForm,
    TransferForm,
    options,
)
from ..inputs import bounded_int
from ..models import CannedAnswer, Message, Service, Unit, User
from ..services import notify as notify_service
from ..services import tickets as ticket_service
from ..services import transaction
from .helpers import now_utc, read_uploads
from .staff import render_ticket
from .staff_common import load_ticket, require_login

bp = Blueprint("actions", __name__, url_prefix="/staf/tiket/<code>")
require_login(bp)


def _back(code: str):
    return redirect(url_for("staff.ticket", code=code), code=303)


def _refused(ticket, exc: ticket_service.ActionError, **forms):
    """Show the page again with the reason; a lost race or a stale page says so plainly."""
    if isinstance(exc, ticket_service.Conflict):
        db.session.expire_all()  # show what the other staff member saved
        flash(exc.message, "error")
        return render_ticket(ticket, 409, **forms)
    flash(exc.message, "error")
    return render_ticket(ticket, exc.status, **forms)


@bp.post("/ambil")
def claim(code: str):
    ticket = load_ticket(code, "claim")
    form = ActionForm(prefix="act")
    if form.validate_on_submit():
        try:
            transaction.run(ticket_service.claim, ticket, current_user, now_utc())
        except ticket_service.ActionError as exc:
            return _refused(ticket, exc)
        flash(_("Tiket %(code)s sekarang tugas Anda.", code=ticket.code), "success")
    return _back(ticket.code)


@bp.post("/tugaskan")
def assign(code: str):
    ticket = load_ticket(code, "assign")
    form = AssignForm(prefix="assign")
    form.assignee.choices = options((u.id, u.name) for u in db.session.scalars(
        select(User).where(User.unit_id == ticket.unit_id)))
    if not form.validate_on_submit():
        return render_ticket(ticket, 422, assign=form)
    assignee = db.session.get(User, form.assignee.data)
    try:
        transaction.run(ticket_service.assign, ticket, current_user, assignee, now_utc(),
                        expected_version=form.expected_version())
    except ticket_service.ActionError as exc:
        return _refused(ticket, exc)
    flash(_("Tiket ditugaskan kepada %(name)s.", name=assignee.name), "success")
    return _back(ticket.code)


@bp.post("/alihkan")
def transfer(code: str):
    ticket = load_ticket(code, "transfer")
    form = TransferForm(prefix="transfer")
    form.unit.choices = options((u.code, u.name) for u in db.session.scalars(select(Unit)))
    form.service.choices = options([("", "")] + [(s.slug, s.name) for s in db.session.scalars(
        select(Service))])
    if not form.validate_on_submit():
        return render_ticket(ticket, 422, transfer=form)
    unit = db.session.scalar(select(Unit).where(Unit.code == form.unit.data))
    service = (db.session.scalar(select(Service).where(Service.slug == form.service.data))
               if form.service.data else None)
    try:
        transaction.run(ticket_service.transfer, ticket, current_user, unit, form.reason.data,
                        now_utc(), service=service, expected_version=form.expected_version())
    except ticket_service.ActionError as exc:
        return _refused(ticket, exc, transfer=form)
    flash(_("Tiket %(code)s dialihkan ke %(unit)s.", code=ticket.code, unit=unit.name),
          "success")
    # The sender may no longer see it (another unit): back to the queue.
    return redirect(url_for("staff.queue"), code=303)


@bp.post("/balas")
def reply(code: str):
    ticket = load_ticket(code, "reply")
    form = ReplyForm(prefix="reply")
    form.canned.choices = []
    if "insert" in request.form:
        # "Sisipkan": put the chosen canned answer into the reply and show the form again
        # (works without JavaScript; nothing is sent).
        return _insert_canned(ticket, form)
    if not form.validate_on_submit():
        return render_ticket(ticket, 422, reply=form)
    uploads = read_uploads(form.attachments.data, current_app.config["MAX_ATTACHMENT_BYTES"])
    seen = bounded_int(form.seen.data)
    try:
        message = transaction.run(ticket_service.reply, ticket, current_user,
                                  form.body.data or "", form.status.data, now_utc(), uploads,
                                  retries=ticket_service.REPLY_RETRIES)
    except ticket_service.ActionError as exc:
        return _refused(ticket, exc, reply=form)
    reach = notify_service.reach(ticket)
    if reach.channel == "whatsapp":
        flash(_("Jawaban dikirim lewat WhatsApp ke +%(phone)s.", phone=ticket.requester_phone),
              "success")
    elif reach.channel == "email":
        flash(_("Jawaban terkirim ke %(email)s.", email=ticket.requester_email), "success")
    else:
        flash(_("Jawaban dicatat dan tampil di halaman pelacakan, tetapi pemohon tidak dapat "
                "diberi tahu otomatis: sampaikan lewat telepon %(phone)s.",
                phone=ticket.requester_phone or "-"), "warning")
    if seen is not None:
        others = db.session.scalars(select(Message).where(
            Message.ticket_id == ticket.id, Message.id > seen, Message.id != message.id,
            Message.direction == "out")).all()
        for other in others:
            flash(_("Perhatian: %(name)s juga membalas tiket ini sejak Anda membukanya. "
                    "Kedua jawaban terkirim; periksa percakapan.", name=other.author_name),
                  "info")
    return _back(ticket.code)


def _insert_canned(ticket, form: ReplyForm):
    chosen = form.canned.raw_data[0] if form.canned.raw_data else ""
    chosen_id = bounded_int(chosen, minimum=1)
    canned = db.session.get(CannedAnswer, chosen_id) if chosen_id else None
    if canned is None or not canned.is_active or canned.service_id not in (None,
                                                                           ticket.service_id):
        flash(_("Pilih jawaban siap terlebih dahulu."), "error")
        return render_ticket(ticket, 422, reply=form)
    text = canned.render(ticket.requester_name, ticket.code)
    current = (form.body.data or "").rstrip()
    form.body.data = f"{current}\n\n{text}" if current else text
    form.canned.data = chosen
    return render_ticket(ticket, 200, reply=form)


@bp.post("/catatan")
def note(code: str):
    ticket = load_ticket(code, "note")
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return render_ticket(ticket, 422, note=form)
    try:
        transaction.run(ticket_service.add_note, ticket, current_user, form.body.data, now_utc())
    except ticket_service.ActionError as exc:
        return _refused(ticket, exc, note=form)
    flash(_("Catatan internal disimpan."), "success")
    return _back(ticket.code)


@bp.post("/status")
def status(code: str):
    ticket = load_ticket(code)
    form = StatusForm(prefix="status")
    if not form.validate_on_submit():
        return render_ticket(ticket, 422, status=form)
    try:
        transaction.run(ticket_service.change_status, ticket, current_user, form.status.data,
                        now_utc(), reason=form.reason.data,
                        expected_version=form.expected_version())
    except ticket_service.ActionError as exc:
        return _refused(ticket, exc)
    flash(_("Status diubah."), "success")
    return _back(ticket.code)


def _simple_action(code: str, action, done_message: str):
    """Close and reopen: a reason, the page's version, one service call, one message."""
    ticket = load_ticket(code)
    form = ActionForm(prefix="act")
    if form.validate_on_submit():
        try:
            transaction.run(action, ticket, current_user, now_utc(), reason=form.reason.data,
                            expected_version=form.expected_version())
        except ticket_service.ActionError as exc:
            return _refused(ticket, exc)
        flash(done_message % {"code": ticket.code}, "success")
    return _back(ticket.code)


@bp.post("/tutup")
def close(code: str):
    return _simple_action(code, ticket_service.close, _("Tiket %(code)s ditutup."))


@bp.post("/buka-kembali")
def reopen(code: str):
    return _simple_action(code, ticket_service.reopen, _("Tiket %(code)s dibuka kembali."))
