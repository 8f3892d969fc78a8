"""Account management for the admin: create, edit role and unit, deactivate, reset password."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..domain import permissions as perm
from ..extensions import db
from ..forms.accounts import AccountForm, ButtonForm
from ..forms.staff import options
from ..inputs import page_arg
from ..models import ROLES, Unit, User
from ..services import accounts, listing, transaction
from .helpers import apply_errors, now_utc
from .staff_common import no_store, require_admin, role_label

bp = Blueprint("admin", __name__, url_prefix="/admin")
require_admin(bp)
PER_PAGE = 50




def _choices(form: AccountForm) -> None:
    form.role.choices = options((r, role_label(r)) for r in perm.ROLES)
    form.unit.choices = options([("", _("— Tanpa bidang (kepala dinas, admin) —"))] + [
        (u.code, u.name) for u in db.session.scalars(select(Unit).order_by(Unit.sort_order))])


@bp.get("/")
def index():
    return redirect(url_for(".accounts"))


@bp.get("/akun", endpoint="accounts")
def accounts_list():
    query = select(User).options(joinedload(User.unit))
    role = request.args.get("peran") or ""
    if role in ROLES:
        query = query.where(User.role == role)
    status = request.args.get("status") or ""
    if status in ("aktif", "nonaktif"):
        query = query.where(User.is_active_account.is_(status == "aktif"))
    result, sort = listing.apply(ACCOUNT_LIST, query, q=request.args.get("q"),
                                 sort=request.args.get("urut"), page=page_arg("hal"))
    args = {k: v for k, v in request.args.items() if k != "hal" and v}
    return render_template("admin/accounts.html", users=result.items, page=result.page,
                           pages=result.pages or 1, total=result.total, sort=sort, args=args,
                           roles=ROLES)


ACCOUNT_LIST = listing.Listing(
    sortable={"nama": User.name, "email": User.email, "peran": User.role,
              "masuk": User.last_login_dt},
    default="nama", searchable=(User.name, User.email), per_page=PER_PAGE)


@bp.route("/akun/baru", methods=["GET", "POST"])
def create():
    form = AccountForm()
    _choices(form)
    if form.validate_on_submit():
        try:
            user, password = transaction.run(accounts.create_account, current_user, form.email.data,
                                                     form.name.data, form.role.data,
                                                     form.unit.data or None, now_utc())
        except accounts.AccountError as exc:
            apply_errors(form, exc.errors)
        else:
            # The temporary password is shown in this response only, never stored readable.
            return no_store(make_response(render_template(
                "admin/password_shown.html", user=user, password=password, created=True)))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/account_form.html", form=form, user=None,
                           button=ButtonForm()), status


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/akun/<int:user_id>", methods=["GET", "POST"])
def edit(user_id: int):
    user = _user(user_id)
    form = AccountForm(obj=user) if request.method == "GET" else AccountForm()
    _choices(form)
    if request.method == "GET":
        form.unit.data = user.unit.code if user.unit else ""
    form.email.data = user.email  # the login name does not change
    if form.validate_on_submit():
        try:
            transaction.run(accounts.update_account, current_user, user, form.name.data,
                            form.role.data, form.unit.data or None, now_utc())
        except accounts.AccountError as exc:
            apply_errors(form, exc.errors)
        else:
            flash(_("Akun %(email)s diperbarui.", email=user.email), "success")
            return redirect(url_for(".accounts"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("admin/account_form.html", form=form, user=user,
                           button=ButtonForm()), status


@bp.post("/akun/<int:user_id>/aktif")
def set_active(user_id: int):
    user = _user(user_id)
    if ButtonForm().validate_on_submit():
        active = request.form.get("aktif") == "1"
        try:
            transaction.run(accounts.set_active, current_user, user, active, now_utc())
        except accounts.AccountError as exc:
            flash(" ".join(exc.errors.values()), "error")
        else:
            flash(_("Akun %(email)s diaktifkan.", email=user.email) if active else
                  _("Akun %(email)s dinonaktifkan; sesi dan token API-nya tidak berlaku lagi.",
                    email=user.email), "success")
    return redirect(url_for(".edit", user_id=user.id), code=303)


@bp.post("/akun/<int:user_id>/reset")
def reset(user_id: int):
    user = _user(user_id)
    if not ButtonForm().validate_on_submit():
        return redirect(url_for(".edit", user_id=user.id), code=303)
    password = transaction.run(accounts.reset_password, current_user, user, now_utc())
    return no_store(make_response(render_template(
        "admin/password_shown.html", user=user, password=password, created=False)))
