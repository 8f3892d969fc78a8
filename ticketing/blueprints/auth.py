"""Logging in and out, and the staff member's own account (password, API tokens)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_url, logout_user

from ..extensions import db, limiter, login_manager
from ..forms.accounts import ButtonForm, LoginForm, PasswordForm
from ..i18n import due_in_words
from ..security import close_staff_session, open_staff_session
from ..services import accounts, transaction
from .helpers import (
    apply_errors,
    give_input_back,
    input_back,
    now_utc,
    page_again,
    same_origin,
    unsent_fields,
)
from .staff_common import no_store

bp = Blueprint("auth", __name__)


def login_limit() -> str:
    return current_app.config.get("LOGIN_RATE_LIMIT", "10 per minute;60 per hour")


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect to somewhere else."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target


def home_for(user) -> str:
    return url_for("admin.accounts") if user.role == "admin" else url_for("staff.queue")


def _fresh_session() -> None:
    """A new session on login/logout (no fixation), keeping only the language choice."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


@login_manager.unauthorized_handler
def _not_logged_in():
    """A staff page asked without a live login. A form sent after the session ended (idle
    too long while an answer was typed) gets the login page at once, with what was typed to
    copy and the page it came from as `next`; anything else goes to the login page as
    Flask-Login does by default (its message, `next` = this address)."""
    unsent = unsent_fields() if request.method == "POST" and same_origin() else []
    if not unsent or request.path.startswith("/api/"):
        flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(login_url(login_manager.login_view, next_url=request.url))
    form = LoginForm(formdata=None)
    form.next.data = safe_next(urlsplit(request.referrer or "").path) or ""
    form.form_errors.append(_("Sesi Anda sudah berakhir, jadi isian Anda belum tersimpan. "
                              "Salin isian di bawah, masuk lagi, lalu kirim kembali."))
    return render_template("auth/login.html", form=form, unsent=unsent), 401


@bp.route("/masuk", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], on_breach=give_input_back)
@input_back(page_again("auth/login.html", LoginForm))  # the email kept, never the password
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        result = accounts.authenticate(form.email.data, form.password.data, now_utc())
        if result.user is not None:
            _fresh_session()
            open_staff_session(result.user, now_utc())
            db.session.commit()
            flash(_("Selamat datang, %(name)s.", name=result.user.name), "success")
            return redirect(safe_next(form.next.data) or home_for(result.user), code=303)
        if result.locked_until is not None:
            until = due_in_words(result.locked_until, current_app.config["TIMEZONE"])
            form.form_errors.append(_(
                "Terlalu banyak percobaan masuk yang gagal. Coba lagi setelah %(until)s, atau "
                "minta admin mengatur ulang kata sandi.", until=until))
        else:
            form.form_errors.append(_("Email atau kata sandi salah."))
        return render_template("auth/login.html", form=form), 401
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/keluar")
def logout():
    if ButtonForm().validate_on_submit():
        close_staff_session(now_utc())
        db.session.commit()
        logout_user()
        _fresh_session()
        flash(_("Anda telah keluar."), "success")
    return redirect(url_for("auth.login"), code=303)


@bp.get("/akun")
@login_required
def account(password_form: PasswordForm | None = None, new_token: str | None = None,
            status: int = 200):
    response = make_response(render_template(
        "auth/account.html", password_form=password_form or PasswordForm(formdata=None),
        button=ButtonForm(), tokens=accounts.tokens_of(current_user), new_token=new_token,
    ), status)
    return no_store(response) if new_token else response


@bp.post("/akun/sandi")
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            transaction.run(accounts.change_password, current_user, form.current.data,
                            form.new.data, now_utc())
        except accounts.AccountError as exc:
            apply_errors(form, exc.errors)  # unknown keys show above the form
        else:
            # The password change ended every session, this one too: open a new one.
            user = current_user._get_current_object()
            _fresh_session()
            open_staff_session(user, now_utc())
            db.session.commit()
            flash(_("Kata sandi diubah. Sesi lain dengan kata sandi lama telah berakhir."),
                  "success")
            return redirect(url_for("auth.account"), code=303)
    return account(password_form=form, status=422)


@bp.post("/akun/token")
@login_required
def new_token():
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("auth.account"), code=303)
    token = transaction.run(accounts.new_token, current_user, now_utc())
    # Shown in this response only (never in a flash: the session cookie is not encrypted).
    return account(new_token=token)


@bp.post("/akun/token/<int:token_id>/cabut")
@login_required
def revoke_token(token_id: int):
    if ButtonForm().validate_on_submit():
        if transaction.run(accounts.revoke_token, current_user, token_id, now_utc()):
            flash(_("Token dicabut; aplikasi yang memakainya tidak dapat masuk lagi."),
                  "success")
        else:
            flash(_("Token tidak ditemukan."), "error")
    return redirect(url_for("auth.account"), code=303)
