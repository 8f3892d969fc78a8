"""Forms of the evaluation: the analysis and follow-up plan, and the document's signatory."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..domain import ikm
from ..domain.evaluation import STATUS_LABELS
from .base import Form
from .public import strip

TOO_LONG = _l("Terlalu panjang: paling banyak %(max)d karakter.")


class AnalysisForm(Form):
    analysis = TextAreaField(_l("Analisis (temuan per unsur dengan nilai terendah, ketepatan "
                                "waktu, pengaduan)"), filters=[strip],
                             validators=[Optional(), Length(max=5000, message=TOO_LONG)])


class ActionForm(Form):
    element_key = SelectField(
        _l("Unsur"),
        choices=[SelectChoice("", _l("Umum (bukan unsur)")),
                 *(SelectChoice(key, f"{code} {ikm.ELEMENT_LABELS[key]}")
                   for code, key in zip(ikm.ELEMENT_CODES, ikm.ELEMENT_KEYS, strict=True))],
        validate_choice=False)
    action = TextAreaField(_l("Tindakan"), filters=[strip], validators=[
        InputRequired(_l("Tuliskan tindakan yang akan dilakukan.")),
        Length(max=1000, message=TOO_LONG)])
    owner = StringField(_l("Penanggung jawab (jabatan)"), filters=[strip], validators=[
        InputRequired(_l("Tuliskan penanggung jawab (jabatan).")),
        Length(max=200, message=TOO_LONG)])
    target_date = DateField(_l("Target selesai"), validators=[
        InputRequired(_l("Isi tanggal target (contoh: 2027-03-31)."))])
    status = SelectField(_l("Status"), choices=[SelectChoice(k, v)
                                                for k, v in STATUS_LABELS.items()],
                         validate_choice=False)
    progress = TextAreaField(_l("Pelaksanaan (yang sudah dilakukan)"), filters=[strip],
                             validators=[Optional(), Length(max=2000, message=TOO_LONG)])


class ConfirmForm(Form):
    """A button that changes something (approve, withdraw, remove): only the CSRF token."""


REQUIRED = _l("Wajib diisi.")


class SignatoryForm(Form):
    name = StringField(_l("Nama"), filters=[strip],
                       validators=[DataRequired(REQUIRED), Length(max=200, message=TOO_LONG)])
    position = StringField(_l("Jabatan"), filters=[strip],
                           validators=[DataRequired(REQUIRED), Length(max=300, message=TOO_LONG)])
    rank = StringField(_l("Pangkat/golongan"), filters=[strip],
                       validators=[DataRequired(REQUIRED), Length(max=100, message=TOO_LONG)])
    nip = StringField(_l("NIP"), filters=[strip],
                      validators=[DataRequired(REQUIRED), Length(max=30, message=TOO_LONG)])
    place = StringField(_l("Tempat penandatanganan"), filters=[strip],
                        validators=[DataRequired(REQUIRED), Length(max=100, message=TOO_LONG)])
