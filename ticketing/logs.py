"""Personal data out of the logs (UU 27/2022): access-log query strings and SQL parameters.

- Query strings: the status API (`/api/v1/requests/<code>?email=`), tracking links (`?t=`)
  and survey links carry a contact or a secret; their whole query string is left out, and
  on any other path the values of contact/secret parameters are. Used by gunicorn
  (`gunicorn.conf.py`: `logger_class`) and by the development server's request log.
- Errors: SQLAlchemy is told to hide statement parameters (config: hide_parameters), and every
  log record of the process has PostgreSQL's `DETAIL: Key (email)=(...)` and `Failing row
  contains (...)` blanked in its exception text (a record factory, so no logger escapes it).
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode

#: paths whose whole query string is personal or secret
PRIVATE_QUERY_PATHS = re.compile(r"^/(api/v1/requests/|lacak|survei|permohonan/terkirim)")
#: parameters whose value is personal or secret wherever they appear
PRIVATE_PARAMS = frozenset({"email", "phone", "contact", "kontak", "t", "token", "telepon",
                            "surel", "nama", "name"})
REDACTED = "[disembunyikan]"
#: request/environ atoms that may carry the same data (a custom access_log_format)
_PRIVATE_ATOM = re.compile(r"requester|authorization|cookie|query_string|raw_uri|request_uri",
                           re.IGNORECASE)


def redact_query(path: str, query: str) -> str:
    """The query string as it may be logged for `path`."""
    if not query:
        return ""
    if PRIVATE_QUERY_PATHS.match(path or ""):
        return REDACTED
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, REDACTED if k.lower() in PRIVATE_PARAMS else v) for k, v in pairs],
                     safe="[]")


def redact_target(target: str) -> str:
    """A request target or URL (`/path?query`) with its query redacted."""
    path, mark, query = (target or "").partition("?")
    return f"{path}?{redact_query(path, query)}" if mark else path


def _redact_url(url: str) -> str:
    match = re.match(r"^(https?://[^/]+)(.*)$", url or "")
    return match.group(1) + redact_target(match.group(2)) if match else redact_target(url)


def _gunicorn_logger():
    from gunicorn.glogging import Logger

    class AccessLogger(Logger):
        """gunicorn's logger with query strings redacted (see the module docstring)."""

        def atoms(self, resp, req, environ, request_time):
            atoms = super().atoms(resp, req, environ, request_time)
            path = environ.get("PATH_INFO", "")
            query = redact_query(path, environ.get("QUERY_STRING", ""))
            atoms["q"] = query
            target = path + (f"?{query}" if query else "")
            atoms["r"] = (f"{environ.get('REQUEST_METHOD')} {target} "
                          f"{environ.get('SERVER_PROTOCOL')}")
            atoms["f"] = _redact_url(environ.get("HTTP_REFERER", "-"))
            for key in [k for k in atoms if _PRIVATE_ATOM.search(k)]:
                atoms[key] = REDACTED
            return atoms

    return AccessLogger


def __getattr__(name: str):
    # gunicorn is a deployment dependency; import it only when its logger is asked for.
    if name == "AccessLogger":
        return _gunicorn_logger()
    raise AttributeError(name)


_SQL_DETAIL = [
    (re.compile(r"(Key \([^)]*\))=\((?:[^()]|\([^()]*\))*\)"), rf"\1=({REDACTED})"),
    (re.compile(r"(Failing row contains ).*$", re.MULTILINE), rf"\1({REDACTED})"),
    (re.compile(r"\[parameters: .*?\]$", re.MULTILINE), "[parameters hidden]"),
]


def scrub(text: str) -> str:
    for pattern, replacement in _SQL_DETAIL:
        text = pattern.sub(replacement, text)
    return text


_FORMATTER = logging.Formatter()


def scrub_record(record: logging.LogRecord) -> None:
    """Blank SQL values in a record's message and exception text (formatted here, once)."""
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        record.exc_text = _FORMATTER.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = scrub(record.exc_text)
    if isinstance(record.msg, str):
        record.msg = scrub(record.msg)
    if isinstance(record.args, tuple) and any(isinstance(a, BaseException) for a in record.args):
        # logger.error("... %s", exc): the exception's text carries the same DETAIL line
        record.args = tuple(scrub(str(a)) if isinstance(a, BaseException) else a
                            for a in record.args)


def _install_record_factory() -> None:
    """Every log record of the process is scrubbed, whichever logger or handler takes it
    (the app's, a blueprint's, gunicorn's error log)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "scrubs_sql", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        scrub_record(record)
        return record

    factory.scrubs_sql = True
    logging.setLogRecordFactory(factory)


class DevServerQueryFilter(logging.Filter):
    """The development server's request lines ('"GET /x?email=... HTTP/1.1" 200 -')."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple) and isinstance(record.args[0], str):
            method, _, rest = record.args[0].partition(" ")
            target, _, protocol = rest.rpartition(" ")
            if target:
                record.args = (f"{method} {redact_target(target)} {protocol}",
                               *record.args[1:])
        return True


def init_app(app) -> None:
    _install_record_factory()
    werkzeug_logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, DevServerQueryFilter) for f in werkzeug_logger.filters):
        werkzeug_logger.addFilter(DevServerQueryFilter())
