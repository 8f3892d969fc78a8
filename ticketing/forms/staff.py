"""Forms of the staff workspace: the queue's filters, ticket actions, walk-ins, canned answers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..inputs import bounded_int
from .base import Form
from .public import TYPE_CHOICES, strip
from .request_fields import DEFAULTS, field_args


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices (tuples are deprecated in WTForms 3.3)."""
    return [p if isinstance(p, SelectChoice) else SelectChoice(str(p[0]), p[1]) for p in pairs]


STATUS_CHOICES = options([
    ("baru", _l("Baru")),
    ("diproses", _l("Sedang diproses")),
    ("menunggu_pemohon", _l("Menunggu pemohon")),
    ("selesai", _l("Selesai dijawab")),
    ("ditutup", _l("Ditutup")),
])
CHANNEL_CHOICES = options([
    ("web", _l("Situs web")),
    ("email", _l("Email")),
    ("api", _l("API")),
    ("lisan", _l("Datang langsung")),
    ("telepon", _l("Telepon")),
    ("whatsapp", _l("WhatsApp")),
])
REPLY_STATUS_CHOICES = options([
    ("selesai", _l("Selesai — jawaban sudah lengkap")),
    ("menunggu_pemohon", _l("Menunggu pemohon — minta data/kelengkapan")),
    ("diproses", _l("Sedang diproses — kabar sementara, jawaban menyusul")),
])


class QueueFilterForm(Form):
    """GET filters of the queue (no CSRF: reading only, and links must be shareable)."""

    class Meta:
        csrf = False

    q = StringField(_l("Cari"), filters=[strip], validators=[Optional(), Length(max=200)])
    status = SelectField(_l("Status"), validators=[Optional()], choices=options([
        ("terbuka", _l("Semua yang terbuka")), *STATUS_CHOICES, ("semua", _l("Semua status"))]),
        default="terbuka")
    layanan = SelectField(_l("Layanan"), choices=[], validators=[Optional()])
    jenis = SelectField(_l("Jenis"), validators=[Optional()],
                        choices=options([("", _l("Semua jenis")), *TYPE_CHOICES]))
    kanal = SelectField(_l("Saluran"), validators=[Optional()],
                        choices=options([("", _l("Semua saluran")), *CHANNEL_CHOICES]))
    petugas = SelectField(_l("Petugas"), choices=[], validators=[Optional()])
    milik_saya = BooleanField(_l("Tiket saya"))
    belum_diambil = BooleanField(_l("Belum diambil"))
    terlambat = BooleanField(_l("Terlambat"))


class VersionedForm(Form):
    #: the ticket version the staff member saw; a change in between is refused, not overwritten
    version = HiddenField()

    def expected_version(self) -> int | None:
        return bounded_int(self.version.data)


class ActionForm(VersionedForm):
    """A button with no fields (claim, close, reopen) — CSRF and the version only."""

    reason = StringField(_l("Alasan (opsional)"), filters=[strip],
                         validators=[Optional(), Length(max=300)])


class ReplyForm(Form):
    body = TextAreaField(_l("Jawaban untuk pemohon"), filters=[strip],
                         validators=[Length(max=20000)])
    status = SelectField(_l("Status setelah dijawab"), choices=REPLY_STATUS_CHOICES,
                         default="selesai")
    attachments = MultipleFileField(_l("Lampiran (opsional)"))
    canned = SelectField(_l("Jawaban siap"), choices=[], validate_choice=False)
    #: the newest message the staff member had seen: replies written since are pointed out
    seen = HiddenField()


class NoteForm(Form):
    body = TextAreaField(_l("Catatan internal"), filters=[strip], validators=[
        DataRequired(_l("Tulis isi catatan.")), Length(max=20000)])


def int_or_none(value):
    """A select's empty placeholder ("") is no choice at all, not a coercion error."""
    if value in ("", None):
        return None
    return int(value)


class AssignForm(VersionedForm):
    assignee = SelectField(_l("Tugaskan kepada"), choices=[], coerce=int_or_none,
                           validators=[DataRequired(_l("Pilih petugas."))])


class TransferForm(VersionedForm):
    unit = SelectField(_l("Bidang tujuan"), choices=[],
                       validators=[DataRequired(_l("Pilih bidang tujuan."))])
    service = SelectField(_l("Layanan di bidang tujuan (opsional)"), choices=[],
                          validators=[Optional()])
    reason = TextAreaField(_l("Alasan pengalihan"), filters=[strip], validators=[
        DataRequired(_l("Tuliskan alasan pengalihan.")), Length(max=500)])


class StatusForm(VersionedForm):
    status = SelectField(_l("Status baru"), choices=STATUS_CHOICES)
    reason = StringField(_l("Alasan (opsional)"), filters=[strip],
                         validators=[Optional(), Length(max=300)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OralRequestForm(Form):
    """A request made in person or by phone, with the standard's 7-step procedure."""

    channel = SelectField(_l("Cara permohonan"), choices=options([
        ("lisan", _l("Datang langsung (lisan)")), ("telepon", _l("Telepon")),
        ("whatsapp", _l("WhatsApp (aplikasi di ponsel kantor)"))]))
    # the citizen's own form's rules (forms.request_fields)
    name = StringField(_l("Nama pemohon"), **field_args("name"))
    email = StringField(_l("Email pemohon"), **field_args("email"))
    phone = StringField(_l("Nomor telepon/WhatsApp"), **field_args("phone"))
    type = SelectField(_l("Jenis permohonan"), choices=TYPE_CHOICES, default=DEFAULTS["type"])
    service = SelectField(_l("Layanan"), choices=[], validators=[
        DataRequired(_l("Pilih layanan."))])
    subject = StringField(_l("Perihal"), **field_args("subject"))
    need = TextAreaField(_l("Informasi yang dibutuhkan pemohon"), filters=[strip], validators=[
        DataRequired(_l("Tuliskan apa yang ditanyakan pemohon.")), Length(max=10000)])
    answer = TextAreaField(_l("Informasi yang diberikan petugas"), filters=[strip],
                           validators=[Length(max=20000)])
    steps = MultiCheckboxField(_l("Prosedur permohonan informasi secara lisan"), coerce=int,
                               choices=[])
    consent = BooleanField(_l("Pemohon menyetujui data dirinya dicatat untuk menjawab "
                              "permohonan ini (UU No. 27 Tahun 2022)."),
                           validators=[DataRequired(_l("Persetujuan pemohon diperlukan."))])
    close_now = BooleanField(_l("Pemohon sudah memahami (dipastikan dengan umpan balik): "
                                "tutup permohonan sekarang"))


class CannedForm(Form):
    service = SelectField(_l("Layanan"), choices=[])
    title = StringField(_l("Judul"), filters=[strip], validators=[
        DataRequired(_l("Judul wajib diisi.")), Length(max=200)])
    body = TextAreaField(_l("Isi jawaban"), filters=[strip], validators=[
        DataRequired(_l("Isi jawaban wajib diisi.")), Length(max=20000)])
    is_active = BooleanField(_l("Aktif (muncul di pilihan jawaban siap)"), default=True)
    is_public = BooleanField(_l("Terbitkan untuk warga (tanya-jawab di situs dan saran saat "
                                "mengisi formulir)"), default=False)


class NotifyPrefForm(Form):
    pref = RadioField(_l("Kabar tiket baru, balasan pemohon dan penugasan"), choices=[
        SelectChoice("segera", _l("Segera, lewat surel (beberapa kabar digabung dalam satu "
                                  "surel)")),
        SelectChoice("ringkasan", _l("Ringkasan harian, pukul 07.30 WIB pada hari kerja")),
        SelectChoice("mati", _l("Tanpa surel; cukup tanda di antrian")),
    ], validators=[DataRequired(_l("Pilih salah satu."))])


class BulkForm(Form):
    """The queue's bulk bar; the selected tickets come as repeated `kode` fields."""

    action = SelectField(_l("Tindakan untuk tiket terpilih"), choices=[
        SelectChoice("", _l("— Pilih tindakan —")),
        SelectChoice("assign", _l("Tugaskan kepada")),
        SelectChoice("transfer", _l("Alihkan ke bidang")),
        SelectChoice("close", _l("Tutup (misalnya duplikat)")),
    ], validators=[DataRequired(_l("Pilih tindakan."))])
    assignee = StringField(filters=[strip], validators=[Optional(), Length(max=254)])
    unit = StringField(filters=[strip], validators=[Optional(), Length(max=20)])
    reason = StringField(_l("Alasan (untuk alihkan dan tutup)"), filters=[strip],
                         validators=[Optional(), Length(max=500)])


class MergeForm(Form):
    target = StringField(_l("Gabungkan ke tiket dengan kode"), filters=[strip], validators=[
        DataRequired(_l("Tuliskan kode tiket tujuan.")), Length(max=20)])
    reason = StringField(_l("Alasan (opsional)"), filters=[strip],
                         validators=[Optional(), Length(max=300)])
