"""Admin: a data subject's request to erase their personal data ("hapus data pribadi")."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..services import privacy
from .helpers import now_utc
from .staff_common import require_admin

bp = Blueprint("admin_privacy", __name__, url_prefix="/admin/data-pribadi")
require_admin(bp)


@bp.route("/", methods=["GET", "POST"], endpoint="index")
def erase_request():
    """Step 1: find the requests of an e-mail or phone; step 2 (confirmed): erase them."""
    email = request.form.get("email", "").strip()
    phone = request.form.get("phone", "").strip()
    error, found = None, None
    if request.method == "POST":
        try:
            normal_email, normal_phone = privacy.find_subject(email, phone)
        except privacy.PrivacyError as exc:
            error = str(exc)
        else:
            if request.form.get("langkah") == "hapus":
                if request.form.get("yakin") != "1":
                    error = _("Centang konfirmasi bahwa permintaan penghapusan sudah diperiksa.")
                else:
                    summary = privacy.erase_subject(normal_email, normal_phone, now_utc(),
                                                    actor=current_user)
                    db.session.commit()
                    flash(_("Data pribadi dihapus dari %(n)s permohonan (%(m)s pesan, "
                            "%(a)s lampiran, %(i)s surel masuk, %(o)s surel keluar). Statistik "
                            "tetap.", n=summary["tickets"],
                            m=summary["messages"], a=summary["attachments"],
                            i=summary["inbound_mail"], o=summary["outbox"]), "success")
                    return redirect(url_for(".index"), code=303)
            found = privacy.subject_tickets(normal_email, normal_phone)
    return render_template("admin/privacy.html", email=email, phone=phone, error=error,
                           found=found), 422 if error else 200
