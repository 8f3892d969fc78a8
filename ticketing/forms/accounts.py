"""Forms for logging in, the account page and the admin's account management."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from .base import Form
from .public import strip


class LoginForm(Form):
    email = StringField(_l("Email"), filters=[strip], validators=[
        DataRequired(_l("Masukkan email.")), Length(max=254)])
    password = PasswordField(_l("Kata sandi"), validators=[
        DataRequired(_l("Masukkan kata sandi.")), Length(max=200)])
    next = HiddenField()


class PasswordForm(Form):
    current = PasswordField(_l("Kata sandi saat ini"), validators=[
        DataRequired(_l("Masukkan kata sandi saat ini."))])
    new = PasswordField(_l("Kata sandi baru"), validators=[
        DataRequired(_l("Masukkan kata sandi baru.")), Length(max=200)])
    confirm = PasswordField(_l("Ulangi kata sandi baru"), validators=[
        DataRequired(_l("Ulangi kata sandi baru.")),
        EqualTo("new", message=_l("Kedua kata sandi baru tidak sama."))])


class ButtonForm(Form):
    """A POST button with nothing but its CSRF token (logout, revoke, deactivate...)."""


class AccountForm(Form):
    email = StringField(_l("Email"), filters=[strip], validators=[
        DataRequired(_l("Email wajib diisi.")),
        Email(_l("Alamat email tidak valid."), check_deliverability=False), Length(max=254)])
    name = StringField(_l("Nama"), filters=[strip], validators=[
        DataRequired(_l("Nama wajib diisi.")), Length(max=200)])
    role = SelectField(_l("Peran"), choices=[])
    unit = SelectField(_l("Bidang"), choices=[])
