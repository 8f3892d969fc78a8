"""Development only: the mail the app sent, as caught by `make run`'s local SMTP sink
(ticketing.devmail), listed and rendered for staff, so a newcomer can follow a request from
the form through the acknowledgement and the answer to the survey. Never registered in
production or testing configurations (see register_blueprints)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from markupsafe import Markup

from .. import devmail
from ..inputs import page_arg
from ..mail import sanitize_html
from .staff_common import require_login

bp = Blueprint("devmail", __name__, url_prefix="/staf/dev/surat-keluar")
require_login(bp)
PER_PAGE = 25


def enabled(app) -> bool:
    return app.config.get("ENV_NAME") == "development"


def _page() -> int:
    return page_arg("hal")


@bp.get("/", endpoint="index")
def mail_list():
    page = _page()
    rows, total = devmail.list_mail(current_app.config["DEV_MAIL_DIR"], page, PER_PAGE)
    return render_template("devmail/list.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)),
                           folder=current_app.config["DEV_MAIL_DIR"])


@bp.get("/<name>", endpoint="show")
def mail_show(name: str):
    mail = devmail.read_mail(current_app.config["DEV_MAIL_DIR"], name)
    if mail is None:
        abort(404)
    html = mail.html
    return render_template("devmail/show.html", mail=mail,
                           html=Markup(sanitize_html(html)) if html else None)  # noqa: S704 - sanitised
