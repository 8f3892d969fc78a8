"""The base of every form: the character rule on every text field, form data only."""

from __future__ import annotations

from flask import current_app, request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from werkzeug.datastructures import CombinedMultiDict
from wtforms import TextAreaField
from wtforms.validators import StopValidation

from ..domain.text import normalize_newlines
from ..i18n import wtforms_translations
from ..inputs import text_error


class _NoControlCharacters:
    """First validator of every text field: no NUL/controls; one-line fields no line breaks."""

    def __init__(self, multiline: bool):
        self.multiline = multiline

    def __call__(self, form, field) -> None:
        if isinstance(field.data, str):
            problem = text_error(field.data, multiline=self.multiline)
            if problem:
                raise StopValidation(problem)


def _newlines(value):
    return normalize_newlines(value) if isinstance(value, str) else value


class Form(FlaskForm):
    """Use instead of FlaskForm: every string field gets the character rule (TextAreaField as
    a multi-line body, any other string field as one line), and CRLF in bodies becomes LF."""

    class Meta:
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return wtforms_translations

        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            multiline = isinstance(field, TextAreaField)
            if multiline:
                field.filters = (*field.filters, _newlines)
            field.validators = [_NoControlCharacters(multiline), *field.validators]
            return field

        def wrap_formdata(self, form, formdata):
            # Flask-WTF would also read a JSON body into any form; JSON goes through the
            # schemas (ticketing/schemas), so a page's form only ever reads form data.
            if formdata is _Auto:
                if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
                    return None
                if request.files:
                    return CombinedMultiDict((request.files, request.form))
                return request.form or None
            return formdata
