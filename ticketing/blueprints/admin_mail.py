"""Admin: inbound mail that failed or was set aside (with the error and "proses ulang"), and
the keyword routing rules with how often staff had to correct them."""

from __future__ import annotations

from email.parser import BytesHeaderParser
from email.policy import compat32

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, undefer

from ..extensions import db
from ..inputs import page_arg
from ..mail import decode_header_text
from ..models import InboundMail, RoutingRule, Ticket, Unit
from ..services import listing, routing_rules, transaction
from ..services.mail_ingest import DatabaseUnavailable, ReprocessError, reprocess_failed
from .helpers import now_utc
from .staff_common import require_admin

bp = Blueprint("admin_mail", __name__, url_prefix="/admin/surel")
require_admin(bp)
PER_PAGE = 50
#: what the list shows: the mail that needs an admin's eye
FILTERS = {
    "bermasalah": ("failed", "ignored", "processing"),
    "gagal": ("failed",),
    "diabaikan": ("ignored",),
    "diproses": ("processing",),
}




def _page() -> int:
    return page_arg("hal")


@bp.get("/", endpoint="index")
def mail_list():
    which = request.args.get("status", "bermasalah")
    actions = FILTERS.get(which, FILTERS["bermasalah"])
    page = _page()
    where = InboundMail.action.in_(actions)
    total = db.session.scalar(select(func.count(InboundMail.id)).where(where))
    rows = db.session.execute(
        select(InboundMail, Ticket.code).outerjoin(Ticket, InboundMail.ticket_id == Ticket.id)
        .where(where).order_by(InboundMail.created_dt.desc(), InboundMail.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return render_template("admin/mail_list.html", rows=rows, which=which, filters=FILTERS,
                           page=page, pages=max(1, -(-total // PER_PAGE)), total=total)


def _mail(mail_id: int) -> InboundMail:
    row = db.session.scalar(select(InboundMail).options(undefer(InboundMail.raw))
                            .where(InboundMail.id == mail_id))
    if row is None:
        abort(404)
    return row


@bp.get("/<int:mail_id>", endpoint="detail")
def mail_detail(mail_id: int):
    row = _mail(mail_id)
    try:
        head = BytesHeaderParser(policy=compat32).parsebytes(row.raw)
        headers = [(name, decode_header_text(value)) for name, value in head.items()][:80]
    except Exception:  # noqa: BLE001 - the raw bytes may be anything
        headers = []
    code = db.session.scalar(select(Ticket.code).where(Ticket.id == row.ticket_id)) \
        if row.ticket_id else None
    return render_template("admin/mail_detail.html", row=row, headers=headers, code=code)


@bp.get("/<int:mail_id>/mentah", endpoint="raw")
def mail_raw(mail_id: int):
    row = _mail(mail_id)
    return Response(row.raw, mimetype="message/rfc822", headers={
        "Content-Disposition": f"attachment; filename=surel-{row.id}.eml",
        "X-Content-Type-Options": "nosniff"})


@bp.post("/<int:mail_id>/proses-ulang", endpoint="reprocess")
def mail_reprocess(mail_id: int):
    as_request = request.form.get("sebagai") == "permohonan"
    try:
        result = reprocess_failed(mail_id, now_utc(), force_request=as_request)
    except ReprocessError as exc:
        flash(str(exc), "error")
    except DatabaseUnavailable:
        flash(_("Basis data tidak dapat dihubungi; coba lagi."), "error")
    else:
        if result.action == "failed":
            flash(_("Masih gagal: %(reason)s", reason=result.reason), "error")
        elif result.ticket:
            flash(_("Diproses ulang: %(action)s, tiket %(code)s.", action=result.action,
                    code=result.ticket), "success")
        else:
            flash(_("Diproses ulang: %(action)s (%(reason)s).", action=result.action,
                    reason=result.reason), "success")
    return redirect(url_for(".detail", mail_id=mail_id))


# ------------------------------------------------------------------ routing rules

@bp.route("/aturan-rute", methods=["GET", "POST"], endpoint="rules")
def rules():
    errors: dict[str, str] = {}
    form = {"phrase": "", "unit": "", "weight": "3", "generic": False}
    if request.method == "POST":
        form = {"phrase": request.form.get("phrase", ""), "unit": request.form.get("unit", ""),
                "weight": request.form.get("weight", ""),
                "generic": request.form.get("generic") == "1"}
        try:
            transaction.run(routing_rules.add_rule, current_user, routing_rules.RuleInput(
                form["phrase"], form["unit"] or None, form["weight"], form["generic"]),
                now_utc())
        except routing_rules.RuleError as exc:
            errors = exc.errors
        else:
            flash(_("Aturan ditambahkan."), "success")
            return redirect(url_for(".rules"))
    units = db.session.scalars(select(Unit).order_by(Unit.sort_order)).all()
    query = select(RoutingRule).options(joinedload(RoutingRule.unit))
    unit_filter = request.args.get("bidang") or ""
    if unit_filter == "umum":
        query = query.where(RoutingRule.unit_id.is_(None))
    elif unit_filter in {u.code for u in units}:
        query = query.where(RoutingRule.unit_id == next(u.id for u in units
                                                         if u.code == unit_filter))
    result, sort = listing.apply(RULE_LIST, query, q=request.args.get("q"),
                                 sort=request.args.get("urut"), page=page_arg("hal"))
    args = {k: v for k, v in request.args.items() if k != "hal" and v}
    return render_template("admin/mail_rules.html", rules=result.items, units=units, form=form,
                           errors=errors, stats=routing_rules.decision_stats(), sort=sort,
                           args=args, page=result.page, pages=result.pages or 1,
                           total=result.total), (422 if errors else 200)


RULE_LIST = listing.Listing(
    sortable={"frasa": RoutingRule.phrase, "bobot": RoutingRule.weight,
              "bidang": RoutingRule.unit_id},
    default="frasa", searchable=(RoutingRule.phrase,), per_page=50)


@bp.post("/aturan-rute/<int:rule_id>/aktif", endpoint="rule_active")
def rule_active(rule_id: int):
    rule = db.session.get(RoutingRule, rule_id)
    if rule is None:
        abort(404)
    transaction.run(routing_rules.set_rule_active, current_user, rule,
                    request.form.get("aktif") == "1", now_utc())
    return redirect(url_for(".rules"))
