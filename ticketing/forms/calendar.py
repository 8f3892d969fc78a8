"""Forms of the admin's working-calendar and service-target pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional

from .base import Form
from .public import strip

DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


class HoursForm(Form):
    """Open and close time for each weekday; both empty: closed that day."""


for _day, _name in enumerate(DAY_NAMES):
    setattr(HoursForm, f"open_{_day}", StringField(f"{_name}: buka", filters=[strip],
                                                   validators=[Optional(), Length(max=5)]))
    setattr(HoursForm, f"close_{_day}", StringField(f"{_name}: tutup", filters=[strip],
                                                    validators=[Optional(), Length(max=5)]))


class PeriodForm(Form):
    name = StringField(_l("Nama periode"), filters=[strip], default="Ramadan",
                       validators=[DataRequired(_l("Beri nama periode.")), Length(max=120)])
    start = DateField(_l("Mulai"), validators=[DataRequired(_l("Isi tanggal mulai."))])
    end = DateField(_l("Selesai"), validators=[DataRequired(_l("Isi tanggal selesai."))])
    open_time = StringField(_l("Jam buka"), default="08.00", filters=[strip],
                            validators=[DataRequired(), Length(max=5)])
    close_time = StringField(_l("Jam tutup Senin–Kamis"), default="15.00", filters=[strip],
                             validators=[DataRequired(), Length(max=5)])
    friday_close = StringField(_l("Jam tutup Jumat"), default="15.30", filters=[strip],
                               validators=[DataRequired(), Length(max=5)])


class ClosureForm(Form):
    day = DateField(_l("Tanggal"), validators=[DataRequired(_l("Isi tanggal."))])
    reason = StringField(_l("Alasan"), filters=[strip],
                         validators=[DataRequired(_l("Tulis alasannya.")), Length(max=200)])


class TargetForm(Form):
    target_days = StringField(_l("Target (hari kerja)"), filters=[strip],
                              validators=[DataRequired(_l("Isi target.")), Length(max=8)])
    warning_percent = StringField(_l("Pengingat pada % target (kosong: 75)"), filters=[strip],
                                  validators=[Optional(), Length(max=3)])
    level2_days = StringField(_l("Eskalasi 2 setelah ... hari kerja (kosong: 1)"),
                              filters=[strip], validators=[Optional(), Length(max=6)])
