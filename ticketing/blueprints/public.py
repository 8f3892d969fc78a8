"""The citizens' site: the published standard, the request form and tracking."""

from __future__ import annotations

import secrets

from babel.dates import get_day_names
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException
from wtforms import SelectChoice

from ..domain.codes import normalize_code
from ..extensions import db, limiter
from ..forms import antispam, request_fields
from ..forms.public import ConfirmForm, FaqVoteForm, RecoverForm, ReplyForm, RequestForm, TrackForm
from ..models import Attachment, Message, Service, Ticket, Unit
from ..ratelimit import intake_limited
from ..services import (
    attachments,
    catalogue,
    faq,
    intake,
    localized,
    pending_uploads,
    recovery,
    timeline,
    transaction,
)
from ..tracking import check_tracking_token
from .helpers import (
    apply_errors,
    give_input_back,
    input_back,
    now_utc,
    page_again,
    read_uploads,
    send_attachment,
    with_input_back,
)

bp = Blueprint("public", __name__)

#: how many tickets one browser session may have open for tracking
TRACKED_LIMIT = 20


def service_choices() -> list[SelectChoice]:
    """The form's service list: the per-process copy of the catalogue (no query per request),
    its choices made once per copy and language."""
    services = catalogue.active_services()
    locale = str(get_locale() or "id")
    made = _CHOICES.get(locale)
    if made is None or made[0] is not services:
        made = _CHOICES[locale] = (services, [SelectChoice("", _("— Pilih layanan —"))] + [
            SelectChoice(s.slug, localized.text(s, "name", locale)) for s in services])
    return list(made[1])


#: language -> (the catalogue copy, its choices)
_CHOICES: dict[str, tuple] = {}


#: room in a post for its text fields next to the files (MAX_CONTENT_LENGTH is the whole post)
FORM_ROOM = 256 * 1024


@bp.app_template_global("accepted_files")
def accepted_files() -> dict:
    """types, size, count: what the desk accepts, for the words of pages and messages."""
    return attachments.accepted(current_app.config)


@bp.app_template_global("file_limits")
def file_limits(kept: int = 0) -> dict:
    """The data- attributes of an attachments input for static/js/file-limits.js: the limits
    the server applies (per file, files per request minus those already kept, the whole
    post) and the words for each, so a file the desk would refuse is caught when chosen."""
    cfg = current_app.config
    per_file, whole = cfg["MAX_ATTACHMENT_BYTES"], cfg["MAX_CONTENT_LENGTH"] - FORM_ROOM
    size = attachments.megabytes
    return {
        "data-max-bytes": per_file, "data-max-files": max(0, cfg["MAX_ATTACHMENTS"] - kept),
        "data-max-total": whole,
        "data-too-big": _("Berkas %(names)s lebih besar dari %(size)s dan tidak dapat "
                          "dikirim. Pilih berkas yang lebih kecil; isian Anda tetap ada.",
                          names="%s", size=size(per_file)),
        "data-too-many": _("Paling banyak %(count)s berkas sekaligus.",
                           count=cfg["MAX_ATTACHMENTS"]),
        "data-too-much": _("Semua berkas itu bersama-sama terlalu besar untuk dikirim sekaligus "
                           "(paling banyak %(size)s). Pilih lebih sedikit berkas.",
                           size=size(whole)),
    }


@bp.get("/")
def home():
    units = db.session.scalars(
        select(Unit).options(selectinload(Unit.services)).order_by(Unit.sort_order)
    ).all()
    general = db.session.scalars(
        select(Service).where(Service.unit_id.is_(None), Service.is_active)
    ).all()
    return render_template("public/home.html", units=units, general=general,
                           office_hours=office_hours_rows())


def office_hours_rows() -> list[tuple[str, str]]:
    """Weekday rows for the home page, adjacent days with equal hours merged."""
    from ..services.calendar import weekly_hours

    hours = weekly_hours()  # what the admin set, else the configured default
    day_names = get_day_names("wide", locale=str(get_locale() or "id"))  # 0 = Monday
    rows: list[tuple[list[str], str]] = []
    for day in range(7):
        span = hours.get(day)
        text = f"{span[0]:%H.%M}–{span[1]:%H.%M} WIB" if span else _("Tutup")
        if rows and rows[-1][1] == text:
            rows[-1][0].append(day_names[day])
        else:
            rows.append(([day_names[day]], text))
    return [(f"{d[0]}–{d[-1]}" if len(d) > 1 else d[0], text) for d, text in rows]


@bp.get("/layanan/<slug>")
def service_standard(slug: str):
    service = db.session.scalar(select(Service).where(Service.slug == slug, Service.is_active))
    if service is None:
        abort(404)
    return render_template("public/service.html", service=service,
                           answers=faq.for_service(service.slug), vote_form=FaqVoteForm())


FAQ_PER_PAGE = 20


@bp.get("/tanya-jawab")
def faq_index():
    query = (request.args.get("q") or "").strip()[:200]
    service = (request.args.get("layanan") or "").strip()[:80] or None
    found = faq.search(query, service)
    page = max(1, min(request.args.get("halaman", 1, type=int) or 1, 10_000))
    pages = max(1, -(-len(found) // FAQ_PER_PAGE))
    shown = found[(page - 1) * FAQ_PER_PAGE: page * FAQ_PER_PAGE]
    services = db.session.scalars(
        select(Service).where(Service.is_active).order_by(Service.sort_order)).all()
    return render_template("public/faq.html", answers=shown, query=query, service=service,
                           services=services, page=page, pages=pages, total=len(found),
                           vote_form=FaqVoteForm())


@bp.post("/tanya-jawab/<int(max=2147483647):canned_id>/nilai")
@limiter.limit("30 per minute")
def faq_vote(canned_id: int):
    """'Ini menjawab pertanyaan saya' (or not): counted, so deflection can be reported."""
    form = FaqVoteForm()
    wants_json = request.accept_mimetypes.best == "application/json"
    if not form.validate_on_submit() or not faq.record_feedback(
            canned_id, form.helpful.data == "ya", form.context.data or "faq", now_utc()):
        if wants_json:
            return {"errors": {"helpful": _("Penilaian tidak dapat dicatat.")}}, 422
        abort(404)
    db.session.commit()
    thanks = (_("Terima kasih. Senang jawaban ini membantu.") if form.helpful.data == "ya"
              else _("Terima kasih atas masukannya. Silakan ajukan pertanyaan Anda."))
    if wants_json:
        return {"message": thanks}, 201
    flash(thanks, "success")
    back = request.form.get("next") or ""
    if not back.startswith("/") or back.startswith("//"):
        back = url_for("public.faq_index")
    return redirect(back, code=303)


def _accepted(response) -> bool:
    """Only a request that was accepted counts against the intake limit, not a mistyped one."""
    return response.status_code < 400


def _request_again(message: str, status: int):
    """The request form again with everything typed, the files kept from an earlier attempt
    and `message` (helpers.give_input_back: over the intake limit, or an expired form)."""
    form = with_input_back(_request_form(now_utc()), message)
    removed = set(request.form.getlist("hapus"))
    kept = pending_uploads.read([t for t in request.form.getlist("kept") if t not in removed],
                                **_pending_config())
    return make_response(render_template(
        "public/request_form.html", form=form,
        kept_files=[k for k, _upload in kept][: current_app.config["MAX_ATTACHMENTS"]]), status)


def _pending_config() -> dict:
    cfg = current_app.config
    return {"upload_dir": cfg["UPLOAD_DIR"], "secret_key": cfg["SECRET_KEY"]}


def _collect_files() -> tuple[list, list]:
    """This submit's files: those kept from the last attempt (minus removed ones) + new ones."""
    removed = set(request.form.getlist("hapus"))
    kept = pending_uploads.read([t for t in request.form.getlist("kept") if t not in removed],
                                **_pending_config())
    pending_uploads.discard(list(removed), **_pending_config())
    new = read_uploads(request.files.getlist("attachments"),
                       current_app.config["MAX_ATTACHMENT_BYTES"])
    return [upload for _kept, upload in kept] + new, [k for k, _upload in kept]


def _form_again(form, kept: list, new_uploads: list, status: int):
    """The form with the citizen's input, and the files kept so they need not choose again."""
    kept = kept + pending_uploads.keep(
        new_uploads, max_bytes=current_app.config["MAX_ATTACHMENT_BYTES"], **_pending_config())
    return render_template("public/request_form.html", form=form,
                           kept_files=kept[: current_app.config["MAX_ATTACHMENTS"]]), status


@bp.route("/permohonan", methods=["GET", "POST"])
@intake_limited(methods=("POST",), counted=_accepted, on_refusal=give_input_back)
@input_back(_request_again)
def new_request():
    now = now_utc()
    if request.method == "GET":
        form = _request_form(now)
        form.service.data = request.args.get("layanan", "")
        form.submission_key.data = secrets.token_urlsafe(24)
        return render_template("public/request_form.html", form=form, kept_files=[])
    # The posted values are checked by the fields' rules without building the form; the
    # form is built only to show the page again (forms.request_fields).
    posted = request.form
    uploads, kept = _collect_files()
    new_uploads = uploads[len(kept):]
    values, errors = request_fields.check(posted, catalogue.active_slugs(), consent=True)
    if antispam.looks_automated(
            honeypot=posted.get("website"), secret_key=current_app.config["SECRET_KEY"],
            token=posted.get("started"), now=now,
            min_seconds=current_app.config["FORM_MIN_FILL_SECONDS"]):
        current_app.logger.info("request form held back as automated (honeypot or too fast)")
        form = _request_form(now, errors)  # still show any mistakes beside the fields
        form.website.data = ""
        form.form_errors.append(_("Permohonan belum terkirim karena formulir dikirim terlalu "
                                  "cepat. Periksa isian Anda di bawah, lalu tekan \"Kirim "
                                  "permohonan\" sekali lagi."))
        return _form_again(form, kept, new_uploads, 422)
    if not errors:
        data = intake.RequestData(
            name=values["name"], email=values["email"] or None, phone=values["phone"] or None,
            type=values["type"], service_slug=values["service"], subject=values["subject"],
            message=values["message"], channel="web", consent=values["consent"],
            submission_key=posted.get("submission_key") or None, uploads=uploads,
        )
        try:
            code = transaction.run(_open_request, data, now)
        except intake.IntakeError as exc:
            errors = exc.errors
        else:
            pending_uploads.discard([k.token for k in kept], **_pending_config())
            remember(code)
            session.setdefault("submitted", [])
            session["submitted"] = (session["submitted"] + [code])[-TRACKED_LIMIT:]
            return redirect(url_for("public.submitted", code=code), code=303)
    # Keep the same key so a corrected resubmit still cannot create two tickets.
    flash(_("Permohonan belum terkirim. Periksa isian yang ditandai."), "error")
    return _form_again(_request_form(now, errors), kept, new_uploads, 422)


def _request_form(now, errors: dict[str, str] | None = None) -> RequestForm:
    """The request form (on a POST: with what was sent, and `errors` beside the fields), with
    a fresh signed start time unless the one sent is still good (forms.antispam)."""
    form = RequestForm()
    form.service.choices = service_choices()
    secret = current_app.config["SECRET_KEY"]
    if antispam.seconds_since_start(secret, form.started.data, now) is None:
        form.started.data = antispam.started_token(secret, now)
    apply_errors(form, errors or {})
    return form


def _open_request(data: intake.RequestData, now) -> str:
    """Open the request; its code read before the commit (no reload after it)."""
    return intake.submit(data, now).code


@bp.get("/permohonan/terkirim/<code>")
def submitted(code: str):
    if code not in session.get("submitted", []):
        return redirect(url_for("public.track"))
    ticket = _load(code)
    return render_template("public/submitted.html", ticket=ticket,
                           tracking_url=intake.tracking_url(ticket))


def remember(code: str) -> None:
    """This browser may see the ticket (after code + contact, or a signed link)."""
    tracked = [c for c in session.get("tracked", []) if c != code]
    session["tracked"] = (tracked + [code])[-TRACKED_LIMIT:]


def _load(code: str) -> Ticket:
    ticket = db.session.scalar(
        select(Ticket).where(Ticket.code == code).options(
            selectinload(Ticket.messages).selectinload(Message.attachments))
    )
    if ticket is None:
        abort(404)
    return ticket


def _tracked_ticket(code: str) -> Ticket:
    """The ticket if this browser proved it belongs to its requester; else back to the form."""
    canonical = normalize_code(code)
    if canonical and check_tracking_token(canonical, request.args.get("t")):
        remember(canonical)
    if not canonical or canonical not in session.get("tracked", []):
        abort(redirect(url_for("public.track", kode=code)))
    return _load(canonical)


@bp.route("/lacak", methods=["GET", "POST"])
@intake_limited(methods=("POST",), on_refusal=give_input_back)
@input_back(page_again("public/track.html", TrackForm))
def track():
    form = TrackForm()
    if request.method == "GET" and request.args.get("kode"):
        form.code.data = request.args["kode"]
    if form.validate_on_submit():
        ticket = intake.find_for_requester(form.code.data, form.contact.data)
        if ticket is not None:
            remember(ticket.code)
            return redirect(url_for("public.ticket", code=ticket.code), code=303)
        # The same words for an unknown code and a wrong contact: codes cannot be probed.
        form.form_errors.append(_("Kode pelacakan dan email/nomor telepon tidak cocok dengan "
                                  "permohonan mana pun. Periksa kembali kode pada surel "
                                  "tanda terima."))
    status = 422 if request.method == "POST" else 200
    return render_template("public/track.html", form=form), status


@bp.route("/lacak/kirim-ulang", methods=["GET", "POST"])
@intake_limited(methods=("POST",), on_refusal=give_input_back)
@input_back(page_again("public/recover.html", RecoverForm))
def recover():
    form = RecoverForm()
    if form.validate_on_submit():
        recovery.resend_codes(form.contact.data, now_utc())
        db.session.commit()
        # The same words whether or not the address has requests.
        flash(_("Bila alamat atau nomor itu pernah mengajukan permohonan, daftar kode "
                "pelacakannya sudah kami kirim ke sana (surel: periksa juga folder spam)."),
              "success")
        return redirect(url_for("public.track"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("public/recover.html", form=form), status


@bp.get("/lacak/<code>")
def ticket(code: str):
    ticket = _tracked_ticket(code)
    if request.args.get("t"):
        # Drop the token from the address bar (and from any later Referer).
        return redirect(url_for("public.ticket", code=ticket.code))
    return _ticket_page(ticket)


def _ticket_page(ticket: Ticket, **context) -> str:
    """The tracking page; forms given (with input and errors) replace fresh ones."""
    steps, unit_names = timeline.for_citizen(ticket)
    context.setdefault("reply_form", ReplyForm())
    context.setdefault("confirm_form", ConfirmForm())
    return render_template("public/ticket.html", ticket=ticket, now=now_utc(), steps=steps,
                           unit_names=unit_names, **context)


def _on_ticket_page(form_name: str, form_class, shown, **context):
    """The tracking page again with the form `form_name` as typed and the message
    (helpers.give_input_back); None (the shared error page) for a request this browser may
    not see (its session, and the proof in it, may be what was lost) or one whose page does
    not show that form now (`shown(ticket)` false)."""

    def again(message: str, status: int):
        try:
            ticket = _tracked_ticket(request.view_args["code"])
        except HTTPException:
            return None
        if not shown(ticket):
            return None
        form = with_input_back(form_class(), message)
        return make_response(_ticket_page(ticket, **{form_name: form}, **context), status)

    return again


@bp.post("/lacak/<code>/balas")
@intake_limited(on_refusal=give_input_back)
@input_back(_on_ticket_page("reply_form", ReplyForm, lambda t: t.takes_replies))
def reply(code: str):
    ticket = _tracked_ticket(code)
    form = ReplyForm()
    if form.validate_on_submit():
        uploads = read_uploads(form.attachments.data, current_app.config["MAX_ATTACHMENT_BYTES"])
        try:
            transaction.run(intake.citizen_reply, ticket, form.body.data or "", uploads,
                            now_utc())
        except intake.IntakeError as exc:
            for message in exc.errors.values():
                form.form_errors.append(message)
        else:
            flash(_("Balasan Anda telah terkirim."), "success")
            return redirect(url_for("public.ticket", code=ticket.code), code=303)
    return _ticket_page(ticket, reply_form=form), 422


@bp.post("/lacak/<code>/konfirmasi")
@input_back(_on_ticket_page("confirm_form", ConfirmForm, lambda t: t.awaits_confirmation,
                            confirm_open=True))
def confirm(code: str):
    ticket = _tracked_ticket(code)
    form = ConfirmForm()
    if form.validate_on_submit():
        understood = form.understood.data == "ya"
        try:
            transaction.run(intake.confirm_understanding, ticket, understood,
                            form.comment.data or "", now_utc())
        except intake.IntakeError as exc:
            for message in exc.errors.values():
                form.form_errors.append(message)
        else:
            if understood:
                flash(_("Terima kasih. Konfirmasi Anda telah kami catat."), "success")
            else:
                flash(_("Terima kasih. Permohonan dibuka kembali dan petugas akan menjelaskan "
                        "lagi."), "success")
            return redirect(url_for("public.ticket", code=ticket.code), code=303)
    return _ticket_page(ticket, confirm_form=form, confirm_open=True), 422


@bp.get("/lacak/<code>/lampiran/<int:attachment_id>")
def attachment(code: str, attachment_id: int):
    ticket = _tracked_ticket(code)
    item = db.session.get(Attachment, attachment_id)
    if (item is None or item.message.ticket_id != ticket.id or not item.message.is_public
            or not item.is_accepted):
        abort(404)
    return send_attachment(item, inline=request.args.get("lihat") == "1")

