"""The staff workspace: the unit queue, the triage list, the ticket page, walk-in requests."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..domain import lifecycle
from ..domain import permissions as perm
from ..extensions import db
from ..forms.staff import (
    ActionForm,
    AssignForm,
    BulkForm,
    MergeForm,
    NoteForm,
    OralRequestForm,
    QueueFilterForm,
    ReplyForm,
    StatusForm,
    TransferForm,
    options,
)
from ..inputs import page_arg
from ..models import Attachment, AuditEntry, Message, Service, Ticket, Unit, User
from ..services import canned as canned_service
from ..services import notify as notify_service
from ..services import people as people_service
from ..services import queue as queue_service
from ..services import staff_notify, transaction
from ..services import tickets as ticket_service
from ..whatsapp import notify as whatsapp_notify
from .helpers import now_utc, send_attachment
from .staff_common import load_ticket, require_login

bp = Blueprint("staff", __name__, url_prefix="/staf")
require_login(bp)

PER_PAGE = 25


@bp.get("/")
def index():
    if current_user.role == "admin":
        return redirect(url_for("admin.accounts"))
    return redirect(url_for(".queue"))


def scopes_for(user: User) -> list[tuple[str, str]]:
    """The queue tabs this user may open: (scope, label)."""
    tabs = []
    units = db.session.scalars(select(Unit).order_by(Unit.sort_order)).all()
    if all(perm.can(user.role, user.unit_id, perm.QUEUE, u.id) for u in units):
        tabs.append((queue_service.ALL_UNITS, _("Semua bidang")))
    tabs += [(u.code, u.short_name) for u in units
             if perm.can(user.role, user.unit_id, perm.QUEUE, u.id)]
    if perm.can(user.role, user.unit_id, perm.QUEUE, None):
        tabs.append((queue_service.TRIAGE, _("Triase")))
    return tabs


@bp.get("/antrian")
def queue():
    try:
        scope, unit = queue_service.resolve_scope(current_user, request.args.get("bidang"))
    except ticket_service.Forbidden:
        abort(403)
    form = QueueFilterForm(formdata=request.args)
    services = db.session.scalars(
        select(Service).where(or_(Service.unit_id.is_(None), Service.unit_id == unit.id)
                              if unit is not None else Service.id.isnot(None))
        .order_by(Service.sort_order)).all()
    form.layanan.choices = options([("", _("Semua layanan"))]
                                   + [(s.slug, s.name) for s in services])
    people = people_service.unit_staff(unit.id if unit else None)
    form.petugas.choices = options([("", _("Semua petugas"))] + [(u.email, u.name) for u in people])
    form.validate()
    valid = {name: not field.errors for name, field in form._fields.items()}

    def value(name):
        return (form[name].data or None) if valid[name] else None

    filters = queue_service.QueueFilter(
        unit=scope, status=value("status") or queue_service.OPEN, service=value("layanan"),
        type=value("jenis"), channel=value("kanal"), assignee=value("petugas"),
        mine=bool(form.milik_saya.data), unassigned=bool(form.belum_diambil.data),
        overdue=bool(form.terlambat.data), q=value("q"))
    page = page_arg("hal")
    now = now_utc()
    try:
        result = queue_service.list_queue(
            current_user, filters, now, page=page, per_page=PER_PAGE,
            after=request.args.get("setelah"), before=request.args.get("sebelum"))
    except queue_service.CursorError:
        # A damaged link: start again at the first page.
        result = queue_service.list_queue(current_user, filters, now, per_page=PER_PAGE)
    args = {k: v for k, v in request.args.items() if k not in ("hal", "setelah", "sebelum")}
    return render_template(
        "staff/queue.html", form=form, page=result, scope=scope, unit=unit,
        unread=staff_notify.unread_ticket_ids(current_user, [t.id for t in result.items]),
        bulk=_bulk_choices(unit, people), bulk_form=BulkForm(),
        tabs=scopes_for(current_user), args=args,
        overdue=queue_service.count_overdue(scope, unit, now),
        filtered=any(k not in ("bidang", "hal", "setelah", "sebelum") and v
                     for k, v in request.args.items()))


def _bulk_choices(unit: Unit | None, people: list) -> dict | None:
    """What the bulk bar offers the signed-in person on this queue (None: no bulk bar);
    `people`: the unit's staff (people_service.unit_staff), read once for the page."""
    unit_id = unit.id if unit is not None else None
    role, own = current_user.role, current_user.unit_id
    may = {action: perm.can(role, own, action, unit_id)
           for action in (perm.ASSIGN, perm.TRANSFER, perm.CLOSE)}
    if not any(may.values()):
        return None
    return {
        "assign": people if may[perm.ASSIGN] and unit_id else [],
        "units": db.session.scalars(select(Unit).where(Unit.id != unit_id) if unit_id
                                    else select(Unit)).all() if may[perm.TRANSFER] else [],
        "close": may[perm.CLOSE],
    }


@bp.get("/triase")
def triage():
    return redirect(url_for(".queue", bidang=queue_service.TRIAGE))


# ------------------------------------------------------------------ the ticket page

def render_ticket(ticket: Ticket, http_status: int = 200, **forms):
    """The ticket page; forms given (with the user's input and errors) replace fresh ones."""
    messages = db.session.scalars(
        select(Message).where(Message.ticket_id == ticket.id)
        .options(selectinload(Message.attachments)).order_by(Message.id)).all()
    history = db.session.scalars(
        select(AuditEntry).where(AuditEntry.ticket_id == ticket.id)
        .order_by(AuditEntry.created_dt, AuditEntry.id)).all()
    may = {action: ticket_service.allowed(current_user, action, ticket)
           for action in perm.TICKET_ACTIONS}

    def fresh(cls, prefix):
        form = forms.get(prefix) or cls(formdata=None, prefix=prefix)
        if hasattr(form, "version") and prefix not in forms:
            form.version.data = str(ticket.version)
        return form

    reply_form = fresh(ReplyForm, "reply")
    canned = canned_service.for_ticket(ticket)
    reply_form.canned.choices = options([("", _("— Pilih jawaban siap —"))] + [
        (c.id, c.title) for c in canned])
    if "reply" not in forms:
        reply_form.seen.data = str(messages[-1].id) if messages else "0"
    assign_form = fresh(AssignForm, "assign")
    # No preselected person: the first name in the list (often the kabid) is never a default.
    assign_form.assignee.choices = options(
        [("", _("— Pilih petugas —"))]
        + [(u.id, _("%(name)s (%(n)s terbuka)", name=u.name, n=load))
           for u, load in people_service.unit_staff_with_load(ticket.unit_id)])
    transfer_form = fresh(TransferForm, "transfer")
    units = db.session.scalars(select(Unit).where(
        Unit.id != ticket.unit_id if ticket.unit_id else Unit.id.isnot(None))
        .order_by(Unit.sort_order)).all()
    transfer_form.unit.choices = options((u.code, u.name) for u in units)
    general = _("umum")
    transfer_form.service.choices = options([("", _("— Tetap/ditentukan bidang tujuan —"))] + [
        (s.slug, f"{s.name} ({s.unit.short_name if s.unit else general})")
        for s in db.session.scalars(select(Service).where(Service.is_active)
                                    .order_by(Service.sort_order))])
    merge_form = fresh(MergeForm, "merge")
    status_form = fresh(StatusForm, "status")
    status_form.status.choices = [
        choice for choice in status_form.status.choices
        if lifecycle.settable_alone(ticket.status, choice.value)]
    return render_template(
        "staff/ticket.html", ticket=ticket, messages=messages, history=history, may=may,
        reply_form=reply_form, note_form=fresh(NoteForm, "note"), assign_form=assign_form,
        transfer_form=transfer_form, status_form=status_form, merge_form=merge_form,
        action_form=fresh(ActionForm, "act"), now=now_utc(),
        reach=notify_service.reach(ticket),
        wa_state=whatsapp_notify.window_state(ticket, now_utc()),
        wa_deliveries=whatsapp_notify.deliveries_by_message(ticket),
        wa_sent=whatsapp_notify.sent_to_requester(ticket),
    ), http_status


@bp.get("/tiket/<code>")
def ticket(code: str):
    ticket = load_ticket(code)
    staff_notify.mark_read(current_user, ticket, now_utc())
    db.session.commit()
    return render_ticket(ticket)


@bp.get("/tiket/<code>/lampiran/<int:attachment_id>")
def attachment(code: str, attachment_id: int):
    ticket = load_ticket(code)
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.message.ticket_id != ticket.id:
        abort(404)
    return send_attachment(item, opaque=not item.is_accepted,
                           inline=request.args.get("lihat") == "1")


# ------------------------------------------------------------------ walk-in / phone

@bp.route("/lisan", methods=["GET", "POST"])
def oral():
    if not perm.can(current_user.role, current_user.unit_id, perm.RECORD_ORAL,
                    current_user.unit_id):
        abort(403)
    form = OralRequestForm()
    services = db.session.scalars(
        select(Service).where(Service.is_active, or_(Service.unit_id.is_(None),
                                                     Service.unit_id == current_user.unit_id))
        .order_by(Service.sort_order)).all()
    form.service.choices = options([("", _("— Pilih layanan —"))]
                                   + [(s.slug, s.name) for s in services])
    form.steps.choices = options((n, f"{n}. {text}") for n, text in ticket_service.ORAL_STEPS)
    if request.method == "GET" and request.args.get("kanal") in ticket_service.ORAL_CHANNELS:
        form.channel.data = request.args["kanal"]
    if form.validate_on_submit():
        if not form.email.data and not form.phone.data:
            form.email.errors = list(form.email.errors) + [
                _("Isi email atau nomor telepon pemohon agar dapat dihubungi kembali.")]
        else:
            data = ticket_service.OralRequest(
                channel=form.channel.data, name=form.name.data, type=form.type.data,
                subject=form.subject.data, need=form.need.data, service_slug=form.service.data,
                email=form.email.data or None, phone=form.phone.data or None,
                answer=form.answer.data or "", steps=list(form.steps.data or []),
                close_now=bool(form.close_now.data))
            try:
                ticket = transaction.run(ticket_service.record_oral, current_user, data,
                                         now_utc())
            except ticket_service.ActionError as exc:
                form.form_errors.append(exc.message)
            else:
                if ticket.status == "ditutup":
                    flash(_("Permohonan %(code)s dicatat dan ditutup di tempat.",
                            code=ticket.code), "success")
                else:
                    flash(_("Permohonan %(code)s dicatat dan menjadi tugas Anda.",
                            code=ticket.code), "success")
                return redirect(url_for(".ticket", code=ticket.code), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("staff/oral.html", form=form,
                           required_steps=ticket_service.ORAL_STEPS_TO_CLOSE), status
