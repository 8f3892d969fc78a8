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
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional, Regexp

from .base import Form

TYPE_CHOICES = [
    SelectChoice("informasi", _l("Permintaan informasi")),
    SelectChoice("pengaduan", _l("Pengaduan")),
    SelectChoice("saran", _l("Saran atau masukan")),
]

PHONE_RE = r"^[0-9+()\-\s]{8,20}$"


def strip(value):
    return value.strip() if isinstance(value, str) else value


class RequestForm(Form):
    """The request form: one of email or phone is required."""

    name = StringField(_l("Nama lengkap"), filters=[strip], validators=[
        DataRequired(_l("Nama wajib diisi.")),
        Length(max=200, message=_l("Nama terlalu panjang."))])
    email = StringField(_l("Email"), filters=[strip], validators=[
        Optional(), Email(_l("Alamat email tidak valid."), check_deliverability=False),
        Length(max=254)])
    phone = StringField(_l("Nomor telepon/WhatsApp"), filters=[strip], validators=[
        Optional(),
        Regexp(PHONE_RE, message=_l("Nomor telepon tidak valid (contoh: 0812 3456 7890)."))])
    type = RadioField(_l("Jenis permohonan"), choices=TYPE_CHOICES, default="informasi",
                      validators=[DataRequired(_l("Pilih jenis permohonan."))])
    service = SelectField(_l("Layanan"), choices=[], validators=[
        DataRequired(_l("Pilih layanan yang dituju."))], validate_choice=True)
    subject = StringField(_l("Perihal"), filters=[strip], validators=[
        DataRequired(_l("Perihal wajib diisi.")),
        Length(min=3, max=200, message=_l("Perihal 3 sampai 200 karakter."))])
    message = TextAreaField(_l("Pesan"), filters=[strip], validators=[
        DataRequired(_l("Tuliskan pertanyaan, pengaduan atau saran Anda.")),
        Length(min=10, max=10000, message=_l("Pesan 10 sampai 10.000 karakter."))])
    attachments = MultipleFileField(_l("Lampiran (opsional)"))
    consent = BooleanField(
        _l("Saya menyetujui pemrosesan data pribadi saya untuk menjawab permohonan ini "
           "(UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi)."),
        validators=[DataRequired(_l("Persetujuan pemrosesan data pribadi diperlukan."))])
    submission_key = HiddenField()
    #: signed time the form was shown (ticketing.forms.antispam)
    started = HiddenField()
    #: honeypot: hidden from people, filled by form-stuffing bots
    website = StringField(_l("Situs web (jangan diisi)"))

    def validate(self, extra_validators=None) -> bool:
        # Checked at form level: Optional() on both fields would skip a per-field check.
        ok = super().validate(extra_validators)
        if not (self.email.data or "").strip() and not (self.phone.data or "").strip():
            self.email.errors = list(self.email.errors) + [
                _l("Isi email atau nomor telepon/WhatsApp agar kami dapat menjawab.")]
            return False
        return ok


class ApiRequestForm(RequestForm):
    """The same content rules for POST /api/v1/requests, fed the values of the JSON schema
    (schemas.api.RequestBody), which also checks consent (optional, exactly true when sent)."""

    class Meta:
        csrf = False

    # what only the web page has: its files, its double-submit key and its anti-spam fields;
    # and consent, which the schema checks (optional, exactly true when sent)
    consent = None
    attachments = None
    submission_key = None
    started = None
    website = None
    message = TextAreaField(filters=[strip], validators=[
        DataRequired(_l("Tuliskan pertanyaan, pengaduan atau saran Anda.")),
        Length(min=10, max=10000, message=_l("Pesan 10 sampai 10.000 karakter."))])


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
        if "@" in value:
            Email(_l("Alamat email tidak valid."), check_deliverability=False)(self, field)
        else:
            Regexp(PHONE_RE, message=_l("Nomor telepon tidak valid (contoh: 0812 3456 7890)."))(
                self, field)


class ReplyForm(Form):
    body = TextAreaField(_l("Balasan Anda"), filters=[strip], validators=[
        Length(max=10000, message=_l("Pesan terlalu panjang."))])
    attachments = MultipleFileField(_l("Lampiran (opsional)"))


class ConfirmForm(Form):
    understood = HiddenField(validators=[DataRequired()])
    comment = TextAreaField(_l("Bagian mana yang belum jelas?"), filters=[strip],
                            validators=[Length(max=5000)])
