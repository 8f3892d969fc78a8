"""Language choice (Indonesian first, English on request) and date wording."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
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


#: WTForms' built-in messages in Indonesian (WTForms ships no Indonesian catalogue): the ones
#: a field of ours can show when its own message does not apply
WTFORMS_INDONESIAN = {
    "This field is required.": "Isian ini wajib diisi.",
    "Invalid input.": "Isian tidak valid.",
    "Invalid email address.": "Alamat email tidak valid.",
    "Invalid URL.": "Alamat web tidak valid.",
    "Not a valid choice.": "Pilihan tidak valid.",
    "Invalid Choice: could not coerce.": "Pilihan tidak valid.",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Pilihan tidak valid.",
    "Invalid value, must be one of: %(values)s.": "Isian harus salah satu dari: %(values)s.",
    "Not a valid datetime value.": "Tanggal dan jam tidak valid.",
    "Not a valid date value.": "Tanggal tidak valid.",
    "Not a valid time value.": "Jam tidak valid.",
    "Not a valid integer value.": "Bukan bilangan bulat yang valid.",
    "Not a valid decimal value.": "Bukan angka yang valid.",
    "Not a valid float value.": "Bukan angka yang valid.",
    "Field must be between %(min)d and %(max)d characters long.":
        "Panjang isian %(min)d sampai %(max)d karakter.",
    "Number must be at least %(min)s.": "Angka paling kecil %(min)s.",
    "Number must be at most %(max)s.": "Angka paling besar %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Angka harus antara %(min)s dan %(max)s.",
    "Invalid CSRF Token.": "Token keamanan formulir tidak valid. Muat ulang halaman.",
    "CSRF token missing.": "Token keamanan formulir hilang. Muat ulang halaman.",
    "CSRF failed.": "Pemeriksaan keamanan formulir gagal. Muat ulang halaman.",
    "CSRF token expired.": "Formulir sudah kedaluwarsa. Muat ulang halaman.",
}
WTFORMS_INDONESIAN_PLURAL = {
    "Field must be at least %(min)d character long.": "Isian paling sedikit %(min)d karakter.",
    "Field cannot be longer than %(max)d character.": "Isian paling banyak %(max)d karakter.",
    "Field must be exactly %(max)d character long.": "Isian harus tepat %(max)d karakter.",
}


class _WTFormsTranslations:
    """WTForms' own messages in the request's language, for every form (forms.base):
    Indonesian from WTFORMS_INDONESIAN, other languages from WTForms' catalogue, read once
    per process and locale (Flask-WTF searched the disk for it in every request)."""

    def gettext(self, string):
        locale = str(get_locale() or "id")
        if locale == "id":
            return WTFORMS_INDONESIAN.get(string, string)
        return _wtforms_catalogue(locale).ugettext(string)

    def ngettext(self, singular, plural, n):
        locale = str(get_locale() or "id")
        if locale == "id":
            return WTFORMS_INDONESIAN_PLURAL.get(singular, singular if n == 1 else plural)
        return _wtforms_catalogue(locale).ungettext(singular, plural, n)


@lru_cache(maxsize=8)
def _wtforms_catalogue(locale: str):
    from babel import support
    from wtforms.i18n import messages_path

    return support.Translations.load(messages_path(), [locale], domain="wtforms")


wtforms_translations = _WTFormsTranslations()


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
