"""The fields of a citizen's request and their rules, in one place.

The web form (forms.public.RequestForm) is drawn from these rules (its labels' `*`, its
`maxlength`) and WTForms validates with them (`FieldRule.validator`). The intake's two hot
paths, POST /permohonan and POST /api/v1/requests, apply the same rules to the posted values
with `check` and build no form: binding a dozen WTForms fields, each with its translations,
cost more CPU per request than the request's whole database statement (issue 13). A form is
built only to show the page again with the mistakes beside the fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import email_validator
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice
from wtforms.validators import StopValidation

from ..domain.text import normalize_newlines
from ..inputs import text_error
from ..models.tickets import TICKET_TYPES

PHONE_RE = r"^[0-9+()\-\s]{8,20}$"
_PHONE = re.compile(PHONE_RE)

NO_CONTACT = _l("Isi email atau nomor telepon/WhatsApp agar kami dapat menjawab.")
CONSENT_NEEDED = _l("Persetujuan pemrosesan data pribadi diperlukan.")


@dataclass(frozen=True)
class FieldRule:
    """One field's rule, applied in this order (the first failure is the field's error):
    no control characters (line breaks only in a multi-line field), then `required` when
    empty (an empty optional field passes), then `choice`, `email`, `pattern`, length."""

    required: object = None  #: message when empty; None: optional
    min: int = 0
    max: int | None = None
    length: object = None  #: message when shorter than min or longer than max
    multiline: bool = False
    choice: object = None  #: message when the value is not one of the offered choices
    #: the choices when they are fixed (else the caller's: the active services)
    choices: tuple[str, ...] | None = None
    email: object = None  #: message when not an email address (email_validator's syntax)
    pattern: re.Pattern | None = None
    pattern_message: object = None

    def clean(self, value):
        """The field's filter: surrounding whitespace off, CRLF/CR as LF in a body."""
        if not isinstance(value, str):
            return value
        value = value.strip()
        return normalize_newlines(value) if self.multiline else value

    def error(self, value: str | None, choices: Iterable[str] = ()) -> str | None:
        """The reason the cleaned `value` is refused (Indonesian or the page's language);
        `choices`: those offered, for a rule without fixed ones."""
        if not value:
            return str(self.required) if self.required is not None else None
        problem = text_error(value, multiline=self.multiline)
        if problem:
            return problem
        if self.choice is not None and value not in (self.choices or choices):
            return str(self.choice)
        if self.email is not None and not _is_email(value):
            return str(self.email)
        if self.pattern is not None and not self.pattern.match(value):
            return str(self.pattern_message)
        if len(value) < self.min or (self.max is not None and len(value) > self.max):
            return str(self.length)
        return None

    def validator(self) -> _RuleValidator:
        """The rule as a WTForms validator, with the flags the page draws from it."""
        return _RuleValidator(self)

    def render_flags(self) -> dict:
        flags = {}
        if self.required is not None:
            flags["required"] = True
        if self.max is not None:
            flags["maxlength"] = self.max
        if self.min:
            flags["minlength"] = self.min
        return flags


class _RuleValidator:
    def __init__(self, rule: FieldRule):
        self.rule = rule
        self.field_flags = rule.render_flags()

    def __call__(self, form, field) -> None:
        choices = ()
        if self.rule.choice is not None and self.rule.choices is None:
            choices = [c.value if isinstance(c, SelectChoice) else c[0]
                       for c in field.choices or ()]
        problem = self.rule.error(field.data, choices)
        if problem:
            raise StopValidation(problem)


def _is_email(value: str) -> bool:
    # What WTForms' Email validator asks, without the DNS lookup.
    try:
        email_validator.validate_email(value, check_deliverability=False,
                                       allow_smtputf8=True, allow_empty_local=False)
    except email_validator.EmailNotValidError:
        return False
    return True


RULES: dict[str, FieldRule] = {
    "name": FieldRule(required=_l("Nama wajib diisi."), max=200,
                      length=_l("Nama terlalu panjang.")),
    "email": FieldRule(email=_l("Alamat email tidak valid."), max=254,
                       length=_l("Alamat email tidak valid.")),
    "phone": FieldRule(pattern=_PHONE, pattern_message=_l(
        "Nomor telepon tidak valid (contoh: 0812 3456 7890).")),
    "type": FieldRule(required=_l("Pilih jenis permohonan."),
                      choice=_l("Pilih jenis permohonan."), choices=TICKET_TYPES),
    "service": FieldRule(required=_l("Pilih layanan yang dituju."),
                         choice=_l("Pilih layanan yang dituju.")),
    "subject": FieldRule(required=_l("Perihal wajib diisi."), min=3, max=200,
                         length=_l("Perihal 3 sampai 200 karakter.")),
    "message": FieldRule(required=_l("Tuliskan pertanyaan, pengaduan atau saran Anda."),
                         min=10, max=10000, length=_l("Pesan 10 sampai 10.000 karakter."),
                         multiline=True),
}


def field_args(name: str) -> dict:
    """A WTForms field's filter and validator for the request field `name`."""
    rule = RULES[name]
    return {"filters": [rule.clean], "validators": [rule.validator()]}


#: a field the web form leaves out is taken as this (its radio buttons' default)
DEFAULTS = {"type": "informasi"}


def contact_error(email: str | None, phone: str | None) -> str | None:
    """Email or phone: one of them is needed to answer the request."""
    if not (email or "").strip() and not (phone or "").strip():
        return str(NO_CONTACT)
    return None


def consent_given(raw: str | None) -> bool:
    """The web form's consent checkbox as WTForms' BooleanField reads it."""
    return raw is not None and raw not in BooleanField.false_values


def check(values: Mapping[str, str | None], services: Iterable[str], *,
          consent: bool = False) -> tuple[dict, dict]:
    """(cleaned values, {field: the first error}) of a request's fields; `values` maps a
    field's name to its posted string (missing: None), `services` the slugs offered.
    `consent`: the values are the web form's, whose consent checkbox must be ticked (the
    API's body has its own consent rule, schemas.api.RequestBody)."""
    clean, errors = {}, {}
    if consent:
        clean["consent"] = consent_given(values.get("consent"))
        if not clean["consent"]:
            errors["consent"] = str(CONSENT_NEEDED)
    for name, rule in RULES.items():
        raw = values.get(name)
        value = rule.clean(DEFAULTS.get(name) if raw is None else raw)
        clean[name] = value
        problem = rule.error(value, services)
        if problem:
            errors[name] = problem
    if "email" not in errors:
        problem = contact_error(clean["email"], clean["phone"])
        if problem:
            errors["email"] = problem
    return clean, errors
