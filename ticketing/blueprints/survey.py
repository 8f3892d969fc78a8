"""The satisfaction survey: the citizen's signed link, and the kiosk on a staff tablet."""

from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..domain import ikm
from ..domain import permissions as perm
from ..domain.codes import normalize_code
from ..extensions import db
from ..forms.survey import SurveyForm
from ..models import Ticket
from ..ratelimit import intake_limited
from ..services import survey as service
from ..services import transaction
from .helpers import apply_errors, give_input_back, input_back, now_utc, with_input_back
from .staff_common import load_ticket

bp = Blueprint("survey", __name__)


@bp.app_template_global("survey_state")
def survey_state(ticket: Ticket) -> dict | None:
    """For the tracking page: {'done': bool, 'token': signed token} or None (not yet)."""
    return service.state_for_tracking(ticket)


def _message(title: str, text: str, status: int, *, kiosk: bool = False):
    return render_template("survey/message.html", title=title, text=text, kiosk=kiosk), status


def _save(form: SurveyForm, ticket: Ticket, channel: str):
    """Validate and record; returns (response or None, status)."""
    valid = form.validate_on_submit()
    answers = service.Answers(scores=form.scores(), comment=form.comment.data or "",
                              profile=form.profile())
    if not valid:
        # name every bad element at once, not only the missing ones
        for name, message in service.check_answers(answers).items():
            if not form[name].errors:
                form[name].errors = list(form[name].errors) + [message]
        return None, 422
    try:
        transaction.run(service.submit, ticket, answers, now_utc(), channel=channel,
                        kiosk_user=current_user if channel == "kios" else None)
    except service.SurveyError as exc:
        apply_errors(form, exc.errors)
        return None, exc.status
    return True, 200


def _linked(code: str, token: str | None):
    """(the ticket of a usable survey link, None), else (None, the answer to give)."""
    try:
        # The signature first: an unknown code and a foreign link get the same answer.
        service.check_token(code, token)
    except service.SurveyError as exc:
        return None, _message("Tautan survei tidak dapat dipakai", exc.errors["token"],
                              exc.status)
    ticket = db.session.scalar(select(Ticket).where(Ticket.code == code))
    if ticket is None:
        return None, _message("Tautan survei tidak dapat dipakai", service.BAD_LINK, 404)
    if service.has_response(ticket):
        return None, _message("Survei sudah diisi", service.ALREADY,
                              409 if request.method == "POST" else 200)
    return ticket, None


def _form_page(form: SurveyForm, ticket: Ticket, token: str | None, status: int):
    return render_template("survey/form.html", form=form, ticket=ticket, token=token,
                           labels=ikm.ELEMENT_LABELS, kiosk=False,
                           action=url_for(".form", code=ticket.code)), status


def _again(message: str, status: int):
    """The survey again with the answers given and the message (helpers.give_input_back); a
    link that cannot be used gets the shared error page."""
    token = request.values.get("t")
    ticket, _answer = _linked(normalize_code(request.view_args["code"]) or "", token)
    if ticket is None:
        return None
    return make_response(_form_page(with_input_back(SurveyForm(), message), ticket, token,
                                    status))


@bp.route("/survei/<code>", methods=["GET", "POST"])
@intake_limited(methods=("POST",), on_refusal=give_input_back)
@input_back(_again)
def form(code: str):
    token = request.values.get("t")
    ticket, answer = _linked(normalize_code(code) or "", token)
    if ticket is None:
        return answer
    form = SurveyForm()
    status = 200
    if request.method == "POST":
        saved, status = _save(form, ticket, "tautan")
        if saved:
            return redirect(url_for(".thanks", code=ticket.code), code=303)
        if status == 409:
            return _message("Survei sudah diisi", " ".join(form.form_errors), 409)
    return _form_page(form, ticket, token, status)


@bp.get("/survei/<code>/terima-kasih")
def thanks(code: str):
    return render_template("survey/thanks.html", kiosk=False, code=None)


@bp.get("/staf/survei")
@login_required
def kiosk_start():
    """Staff type the ticket code of the citizen at the desk, then hand over the tablet."""
    code = normalize_code(request.args.get("kode", "")) if request.args.get("kode") else None
    if code:
        return redirect(url_for(".kiosk", code=code))
    error = "Kode tiket tidak dikenal." if request.args.get("kode") else None
    return render_template("survey/kiosk_start.html", error=error), 422 if error else 200


@bp.route("/staf/survei/<code>", methods=["GET", "POST"])
@login_required
def kiosk(code: str):
    """The survey on a staff tablet for a walk-in citizen: staff open it for a ticket of their
    unit and hand the tablet over; the page shows no staff menu and no personal data."""
    ticket = load_ticket(code, perm.REPLY)
    if service.has_response(ticket):
        return _message("Survei sudah diisi", service.ALREADY,
                        409 if request.method == "POST" else 200, kiosk=True)
    if not service.is_answered(ticket):
        return _message("Survei belum dapat diisi", service.NOT_READY, 409, kiosk=True)
    form = SurveyForm()
    status = 200
    if request.method == "POST":
        saved, status = _save(form, ticket, "kios")
        if saved:
            return redirect(url_for(".kiosk_thanks", code=ticket.code), code=303)
        if status == 409:
            return _message("Survei sudah diisi", " ".join(form.form_errors), 409, kiosk=True)
    return render_template("survey/form.html", form=form, ticket=ticket, token=None,
                           labels=ikm.ELEMENT_LABELS, kiosk=True,
                           action=url_for(".kiosk", code=ticket.code)), status


@bp.get("/staf/survei/<code>/selesai")
@login_required
def kiosk_thanks(code: str):
    ticket = load_ticket(code, perm.REPLY)
    return render_template("survey/thanks.html", kiosk=True, code=ticket.code)
