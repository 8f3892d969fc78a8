"""The satisfaction survey form: one 1-4 choice per element (unsur) and a comment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..domain import ikm, skm
from .base import Form


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _score(value):
    """A tampered value becomes None; the service then names the element in Indonesian."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class SurveyForm(Form):
    """Fields are added below, one RadioField per element in the regulation's order."""

    comment = TextAreaField(_l("Saran atau komentar (opsional)"), filters=[_strip], validators=[
        Optional(), Length(max=2000, message=_l("Paling banyak 2.000 karakter."))])

    def element_fields(self):
        """(code U1.., element key, field) in the regulation's order."""
        pairs = zip(ikm.ELEMENT_CODES, ikm.ELEMENT_KEYS, strict=True)
        return [(code, key, self[key]) for code, key in pairs]

    def scores(self) -> dict[str, int | None]:
        return {key: self[key].data for key in ikm.ELEMENT_KEYS}

    def profile_fields(self):
        return [self[key] for key in skm.PROFILE_KEYS]

    def profile(self) -> dict[str, str | None]:
        return {key: self[key].data or None for key in skm.PROFILE_KEYS}


for _key, _label, _question, _answers in ikm.ELEMENTS:
    setattr(SurveyForm, _key, RadioField(
        _question,
        choices=[SelectChoice(score, f"{score}. {text}")
                 for score, text in zip(ikm.SCORES, _answers, strict=False)],
        coerce=_score,
        validate_choice=False,
        validators=[InputRequired(_l("Pilih salah satu nilai."))],
    ))


for _key, _label, _choices in skm.PROFILE_FIELDS:
    # Optional; a tampered value is kept for the service, which names it in Indonesian.
    setattr(SurveyForm, _key, SelectField(
        _label, choices=[SelectChoice("", _l("Tidak ingin menjawab"))]
        + [SelectChoice(code, text) for code, text in _choices],
        validate_choice=False, validators=[Optional()]))
