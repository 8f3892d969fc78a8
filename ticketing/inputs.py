"""Input hygiene for every request: the one character rule (domain/text.py) worded in
Indonesian, a guard over the path, query parameters and form fields, and bounded integers.

Forms (forms/base.py) and JSON bodies (schemas/) apply the same rule per field with a field
error; the guard is the backstop for what no form or schema reads (path segments, query
parameters, fields a view reads directly), so no control character or NUL ever reaches the
database or a mail header.
"""

from __future__ import annotations

from flask import Flask, abort, jsonify, request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from .domain import text

#: PostgreSQL INTEGER, the type of every id column (an id beyond it cannot exist)
MAX_ID = 2**31 - 1
#: the bodies werkzeug parses into request.form (and request.files)
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
#: page numbers: far beyond any real list, small enough for every OFFSET
MAX_PAGE = 100_000

MESSAGES = {
    text.NUL: _l("Isian berisi karakter NUL yang tidak diizinkan. Hapus karakter tersebut lalu "
                 "kirim kembali."),
    text.LINE_BREAK: _l("Isian ini harus satu baris: hapus ganti baris (Enter) di dalamnya."),
    text.CONTROL: _l("Isian berisi karakter kontrol yang tidak diizinkan. Hapus karakter "
                     "tersebut lalu kirim kembali."),
    text.SURROGATE: _l("Isian berisi karakter Unicode yang tidak sah."),
}


def text_error(value: str, *, multiline: bool = False) -> str | None:
    """The Indonesian reason `value` is refused, or None."""
    problem = text.text_problem(value, multiline=multiline)
    return str(MESSAGES[problem]) if problem else None


def bounded_int(value: str | None, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """An integer written in ASCII digits within [minimum, maximum], else None."""
    if value is None:
        return None
    value = value.strip()
    if not value.isascii() or not value.lstrip("-").isdigit() or len(value) > 12:
        return None
    number = int(value)
    return number if minimum <= number <= maximum else None


def page_arg(name: str = "hal") -> int:
    """The page number from the query string: 1 when absent, 404 when not a sane page."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return 1
    page = bounded_int(raw, minimum=1, maximum=MAX_PAGE)
    if page is None:
        abort(404)
    return page


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every route: ids beyond a database integer answer 404, not 500."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=MAX_ID if max is None else max, signed=signed)


def _first_problem() -> tuple[str, str] | None:
    """(field name, message) for the first refused character in path, query or form."""
    path_problem = text_error(request.path)
    if path_problem:
        return "path", path_problem
    # Only a form body has form fields or files (werkzeug parses no other type): a JSON body
    # is left unparsed here, its schema checks it.
    sources = [(request.args, False)]
    if request.mimetype in FORM_TYPES:
        sources.append((request.form, True))
    for source, multiline in sources:
        for key, values in source.lists():
            problem = text_error(key) or next(
                (p for p in (text_error(v, multiline=multiline) for v in values) if p), None)
            if problem:
                return key if not text_error(key) else "field", problem
    if request.mimetype != "multipart/form-data":
        return None
    for key, storage in request.files.items(multi=True):
        if storage.filename and text_error(storage.filename):
            return key, text_error(storage.filename)
    return None


def guard_request():
    """Refuse a request carrying a control character outside JSON: 422, in Indonesian."""
    found = _first_problem()
    if found is None:
        return None
    field, message = found
    if request.path.startswith("/api/"):
        return jsonify({"errors": {field: message}}), 422
    abort(422, description=message)


def init_app(app: Flask) -> None:
    # Before any blueprint registers a route, so every <int:...> is bounded.
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(guard_request)
