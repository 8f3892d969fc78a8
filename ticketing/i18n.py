"""Language choice (Indonesian first, English on request) and date wording."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Flask, current_app, g, request, session
from flask_babel import get_locale, get_translations

from .extensions import babel


def select_locale() -> str:
    """?lang= sets the choice for the session; otherwise the session, then Indonesian."""
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in languages:
        return session["lang"]
    # Indonesian is the office's language: the browser's preference is not consulted,
    # so a citizen's phone set to English still sees the official wording first.
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def due_in_words(dt: datetime | None, tz: str, locale: str = "id") -> str:
    """'Senin, 28 Desember 2026 pukul 10.00 WIB' (domain-friendly: no Flask globals)."""
    if dt is None:
        return "-"
    local = dt.astimezone(ZoneInfo(tz))
    abbrev = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}.get(tz, "")
    if locale == "en":
        text = format_datetime(local, "EEEE, d MMMM y 'at' HH:mm", locale="en")
    else:
        text = format_datetime(local, "EEEE, d MMMM y 'pukul' HH.mm", locale="id")
    return f"{text} {abbrev}".strip()


def date_in_words(dt: datetime | None, tz: str, locale: str = "id") -> str:
    if dt is None:
        return "-"
    local = dt.astimezone(ZoneInfo(tz))
    return format_datetime(local, "d MMMM y, HH.mm" if locale == "id" else "d MMMM y, HH:mm",
                           locale=locale)


def page_translations():
    """The request's translations, looked up once per request and locale.

    Flask-Babel's get_translations() walks its context three times and formats the locale on
    every call (~50 µs); a staff page calls gettext 600 times. Kept on `g` next to the locale
    it was made for, so force_locale (mail in the citizen's language) still switches."""
    if not g:
        return get_translations()
    locale = get_locale()
    cached = g.get("_page_translations")
    if cached is None or cached[0] is not locale:
        cached = g._page_translations = (locale, get_translations())
    return cached[1]


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path + "/translations"),
    )
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: page_translations().ugettext(s),
        ngettext=lambda s, p, n: page_translations().ungettext(s, p, n),
        pgettext=lambda c, s: page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: page_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

    def _locale() -> str:
        try:
            return str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])
        except RuntimeError:  # outside a request (scheduler mail)
            return app.config["BABEL_DEFAULT_LOCALE"]

    @app.template_filter("due_words")
    def _due_words(dt, locale: str | None = None):
        return due_in_words(dt, app.config["TIMEZONE"], locale or _locale())

    @app.template_filter("dt_words")
    def _dt_words(dt, locale: str | None = None):
        return date_in_words(dt, app.config["TIMEZONE"], locale or _locale())

    app.add_template_global(_dt_words, "dt_words")  # for helpers that take a formatter

    @app.template_filter("day_words")
    def _day_words(day) -> str:
        """'Jumat, 25 Desember 2026' (a date, no time)."""
        from babel.dates import format_date

        return format_date(day, "EEEE, d MMMM y", locale=_locale())

    def _svc(service, field: str) -> str:
        from .services import localized

        return localized.text(service, field, _locale())

    def _component_title(component: dict) -> str:
        from .services import localized

        return localized.component_title(component, _locale())

    def _component_body(service, component: dict) -> str:
        from .services import localized

        return localized.component_body(service, component, _locale())

    app.add_template_global(_svc, "svc")
    app.add_template_global(_component_title, "component_title")
    app.add_template_global(_component_body, "component_body")

    @app.template_filter("period_label")
    def _period_label(period) -> str:
        return period.label_in(_locale())

    @app.template_global("lang_url")
    def _lang_url(lang: str) -> str:
        """This page in another language: the same path and query, only `lang` changed."""
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
        args.append(("lang", lang))
        return request.path + "?" + urlencode(args)

    @app.context_processor
    def _inject():
        return {"current_locale": _locale()}
