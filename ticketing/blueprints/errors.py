"""Error pages in Indonesian (JSON under /api/)."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from ..services.attachments import accepted
from ..services.availability import DatabaseUnavailable, is_connection_problem, rollback_quietly
from .helpers import give_input_back, same_origin, unsent_fields

log = logging.getLogger(__name__)
#: seconds a client should wait before trying again after a 503
RETRY_AFTER = "60"

MESSAGES = {
    400: (_l("Permintaan tidak dapat diproses"),
          _l("Isian yang dikirim tidak lengkap atau rusak.")),
    403: (_l("Akses ditolak"), _l("Anda tidak berhak membuka halaman ini.")),
    404: (_l("Halaman tidak ditemukan"),
          _l("Alamat yang Anda buka tidak ada atau sudah dipindahkan.")),
    405: (_l("Metode tidak diizinkan"), _l("Cara membuka halaman ini tidak didukung.")),
    413: (_l("Berkas terlalu besar"),
          _l("Ukuran lampiran melebihi batas, jadi isian ini belum terkirim. Setiap berkas "
             "paling besar %(size)s, paling banyak %(count)s berkas. Tekan tombol Kembali "
             "pada peramban (isian Anda biasanya masih ada di sana), ganti lampiran dengan "
             "berkas yang lebih kecil, lalu kirim lagi.")),
    422: (_l("Isian tidak dapat diproses"),
          _l("Periksa kembali isian atau alamat yang Anda buka.")),
    429: (_l("Terlalu banyak permintaan"),
          _l("Anda mengirim terlalu sering. Tunggu beberapa menit lalu coba lagi.")),
    # Never "your input is not lost": when this page shows, nothing of this request was saved.
    500: (_l("Terjadi kesalahan pada sistem"),
          _l("Maaf, terjadi kesalahan. Bila Anda sedang mengirim isian dan belum menerima kode "
             "pelacakan, isian itu belum tersimpan: silakan coba lagi, atau hubungi "
             "diskopukm2020@gmail.com.")),
    503: (_l("Layanan sedang terganggu"),
          _l("Sistem sedang tidak dapat menyimpan atau membaca data. Isian yang baru Anda kirim "
             "belum tersimpan: silakan coba lagi beberapa menit lagi, atau hubungi "
             "diskopukm2020@gmail.com.")),
}
#: the title and words for a program, where the page's speak to a person at a browser
API_MESSAGES = {413: (_l("Permintaan terlalu besar"), _l("Isi permintaan melebihi batas ukuran."))}
#: an expired form without a page of its own to show again: the error page lists the input
EXPIRED_COPY = _l("Formulir ini sudah kedaluwarsa (misalnya karena peramban sempat ditutup), "
                  "jadi belum terkirim. Salin isian Anda di bawah, muat ulang halaman "
                  "formulirnya, lalu kirim kembali.")


def _layout(code: int) -> str:
    """Signed-in staff keep their own menu on an error page (never the citizens' one)."""
    if code >= 500:
        return "base.html"  # the database may be the problem: do not load the user
    try:
        return "staff/_layout.html" if current_user.is_authenticated else "base.html"
    except Exception:  # noqa: BLE001 - an error page must render whatever failed
        return "base.html"


def _render_as_anonymous() -> None:
    from ..extensions import login_manager

    g._login_user = login_manager.anonymous_user()


def init_app(app: Flask) -> None:
    def render(code: int, description: str | None = None, unsent=()):
        title, text = (str(part) for part in MESSAGES.get(code, MESSAGES[500]))
        if "%(" in text:  # the 413's limits, from those the desk applies
            text %= accepted(current_app.config)
        if request.path.startswith(("/api/", "/webhooks/", "/healthz")):
            title, text = (str(part) for part in API_MESSAGES.get(code, (title, text)))
            return jsonify({"error": title, "detail": description or text}), code
        return render_template("errors.html", code=code, title=title, layout=_layout(code),
                               text=description or text, unsent=unsent), code

    @app.errorhandler(CSRFError)
    def _csrf(error):
        # A form sent after the browser's session was gone (closed and restored on a phone,
        # a deployment with a new key): what was typed comes back, on the form's own page
        # when the view has one, else to copy from this page. Only for a post from this
        # site: another site's post (a forgery) is never written back into our pages.
        if request.method == "POST" and same_origin():
            answer = give_input_back()
            if answer is not None:
                return answer
            return render(400, str(EXPIRED_COPY), unsent=unsent_fields())
        return render(400, str(_l("Formulir kedaluwarsa. Muat ulang halaman lalu kirim kembali.")))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code == 429 and error.response is not None:
            return error.response  # a route's own answer (the request form keeps the input)
        if error.code in MESSAGES:
            # A description given with abort(code, description=...) is ours and specific;
            # werkzeug's default English one is replaced by the Indonesian text.
            own = error.description if error.description != type(error).description else None
            if error.code == 429:
                own = None  # Flask-Limiter's description is the limit in English ("3 per 1 minute")
            return render(error.code, own)
        return error

    @app.errorhandler(DatabaseUnavailable)
    @app.errorhandler(DBAPIError)
    def _database(error):
        # Roll back first, and render as nobody: Flask-Login's template context would load
        # the signed-in user from the database that just failed.
        rollback_quietly()
        _render_as_anonymous()
        if not is_connection_problem(error):
            log.error("database error on %s %s", request.method, request.path, exc_info=error)
            return render(500)
        log.warning("database unreachable on %s %s: %s", request.method, request.path,
                    getattr(error, "orig", None) or error)
        response, code = render(503)
        response = app.make_response((response, code))
        response.headers["Retry-After"] = RETRY_AFTER
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(500)
    def _server(error):
        # A failed statement leaves the session's transaction aborted (PostgreSQL): roll back
        # first, or rendering the page (which loads the logged-in user) fails too.
        rollback_quietly()
        return render(500)
