"""Forms of the public site (citizens)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from ..models.tickets import TICKET_TYPES
from .base import Form
from .request_fields import CONSENT_NEEDED, DEFAULTS, RULES, contact_error, field_args

TYPE_LABELS = {"informasi": _l("Permintaan informasi"), "pengaduan": _l("Pengaduan"),
               "saran": _l("Saran atau masukan")}
#: the request types (models.tickets.TICKET_TYPES) with their labels, in that order
TYPE_CHOICES = [SelectChoice(kind, TYPE_LABELS[kind]) for kind in TICKET_TYPES]


def strip(value):
    return value.strip() if isinstance(value, str) else value


class RequestForm(Form):
    """The request form: its fields' rules live in forms.request_fields, which also checks a
    posted form without building this one (one of email or phone is required)."""

    name = StringField(_l("Nama lengkap"), **field_args("name"))
    email = StringField(_l("Email"), **field_args("email"))
    phone = StringField(_l("Nomor telepon/WhatsApp"), **field_args("phone"))
    type = RadioField(_l("Jenis permohonan"), choices=TYPE_CHOICES, default=DEFAULTS["type"],
                      validate_choice=False, **field_args("type"))
    service = SelectField(_l("Layanan"), choices=[], validate_choice=False, **field_args("service"))
    subject = StringField(_l("Perihal"), **field_args("subject"))
    message = TextAreaField(_l("Pesan"), **field_args("message"))
    attachments = MultipleFileField(_l("Lampiran (opsional)"))
    consent = BooleanField(
        _l("Saya menyetujui pemrosesan data pribadi saya untuk menjawab permohonan ini "
           "(UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi)."),
        validators=[DataRequired(CONSENT_NEEDED)])
    submission_key = HiddenField()
    #: signed time the form was shown (ticketing.forms.antispam)
    started = HiddenField()
    #: honeypot: hidden from people, filled by form-stuffing bots
    website = StringField(_l("Situs web (jangan diisi)"))

    def validate(self, extra_validators=None) -> bool:
        # Checked at form level: a per-field check would not see the other field.
        ok = super().validate(extra_validators)
        problem = contact_error(self.email.data, self.phone.data)
        if problem and not self.email.errors:
            self.email.errors = list(self.email.errors) + [problem]
            return False
        return ok


class TrackForm(Form):
    code = StringField(_l("Kode pelacakan"), filters=[strip], validators=[
        DataRequired(_l("Masukkan kode pelacakan."))])
    contact = StringField(_l("Email atau nomor telepon yang Anda pakai"), filters=[strip],
                          validators=[DataRequired(_l("Masukkan email atau nomor telepon."))])


class FaqVoteForm(Form):
    helpful = HiddenField(validators=[DataRequired(), AnyOf(("ya", "tidak"))])
    context = HiddenField(validators=[Optional(), AnyOf(("form", "faq"))])


class RecoverForm(Form):
    contact = StringField(_l("Email atau nomor WhatsApp yang Anda pakai saat mengajukan"),
                          filters=[strip], validators=[
                              DataRequired(_l("Masukkan email atau nomor WhatsApp.")),
                              Length(max=254)])

    def validate_contact(self, field) -> None:
        value = field.data or ""
        problem = RULES["email" if "@" in value else "phone"].error(value)
        if problem:
            raise ValidationError(problem)


class ReplyForm(Form):
    body = TextAreaField(_l("Balasan Anda"), filters=[strip], validators=[
        Length(max=10000, message=_l("Pesan terlalu panjang."))])
    attachments = MultipleFileField(_l("Lampiran (opsional)"))


class ConfirmForm(Form):
    understood = HiddenField(validators=[DataRequired()])
    comment = TextAreaField(_l("Bagian mana yang belum jelas?"), filters=[strip],
                            validators=[Length(max=5000)])
