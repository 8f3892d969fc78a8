"""Error pages in Indonesian (JSON under /api/)."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..extensions import db

MESSAGES = {
    400: ("Permintaan tidak dapat diproses", "Isian yang dikirim tidak lengkap atau rusak."),
    403: ("Akses ditolak", "Anda tidak berhak membuka halaman ini."),
    404: ("Halaman tidak ditemukan", "Alamat yang Anda buka tidak ada atau sudah dipindahkan."),
    405: ("Metode tidak diizinkan", "Cara membuka halaman ini tidak didukung."),
    413: ("Berkas terlalu besar", "Ukuran lampiran melebihi batas. Setiap berkas paling besar "
          "10 MB, paling banyak 5 berkas."),
    422: ("Isian tidak dapat diproses", "Periksa kembali isian atau alamat yang Anda buka."),
    429: ("Terlalu banyak permintaan", "Anda mengirim terlalu sering. Tunggu beberapa menit lalu "
          "coba lagi."),
    500: ("Terjadi kesalahan pada sistem", "Maaf, terjadi kesalahan. Isian Anda tidak hilang "
          "bila sudah dikonfirmasi; silakan coba lagi atau hubungi diskopukm2020@gmail.com."),
}


def init_app(app: Flask) -> None:
    def render(code: int, description: str | None = None):
        title, text = MESSAGES.get(code, MESSAGES[500])
        if request.path.startswith("/api/"):
            return jsonify({"error": title, "detail": description or text}), code
        return render_template("errors.html", code=code, title=title,
                               text=description or text), code

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render(400, "Formulir kedaluwarsa. Muat ulang halaman lalu kirim kembali.")

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code in MESSAGES:
            # A description given with abort(code, description=...) is ours and specific;
            # werkzeug's default English one is replaced by the Indonesian text.
            own = error.description if error.description != type(error).description else None
            return render(error.code, own)
        return error

    @app.errorhandler(500)
    def _server(error):
        # A failed statement leaves the session's transaction aborted (PostgreSQL): roll back
        # first, or rendering the page (which loads the logged-in user) fails too.
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the page must render whatever the database does
            current_app.logger.exception("rollback before the error page failed")
        return render(500)
