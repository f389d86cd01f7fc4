from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from ..enums import Genre, TitleStatus
from ..i18n import lazy_gettext as _l
from ..pickers import CompanyField


class WholeNumberField(IntegerField):
    """An integer field whose parse error is our translated message, not WTForms' English one."""

    def __init__(self, label=None, validators=None, invalid_message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message or _l("Enter a whole number.")

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(self.invalid_message) from None


class InRange(NumberRange):
    """NumberRange that stays quiet when the value did not parse (the parse error already says so)."""

    def __call__(self, form, field):
        if field.data is None:
            return
        super().__call__(form, field)


class TitleForm(FlaskForm):
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=200, message=_l(
        "At most %(max)d characters."))])
    name_zh = StringField(_l("Chinese name"), validators=[Optional(), Length(max=200, message=_l(
        "At most %(max)d characters."))])
    genre = SelectField(_l("Genre"), choices=Genre.choices)
    episodes = WholeNumberField(_l("Episodes"), validators=[
        Optional(), InRange(min=1, max=100_000, message=_l("Enter a whole number above zero."))],
        invalid_message=_l("Enter a whole number above zero."))
    episode_minutes = WholeNumberField(_l("Minutes per episode"), validators=[
        Optional(), InRange(min=1, max=100_000, message=_l("Enter a whole number above zero."))],
        invalid_message=_l("Enter a whole number above zero."), description=_l("52 × 11' means 52 episodes "
                                                                               "of 11 minutes."))
    status = SelectField(_l("Status"), choices=TitleStatus.choices)
    year = WholeNumberField(_l("Year"), validators=[
        Optional(), InRange(min=1900, max=2100, message=_l("Enter a year between %(min)s and %(max)s."))],
        invalid_message=_l("Enter a year such as 2017."))
    rights_holder_id = CompanyField(_l("Rights holder"), blank="—")
    synopsis_en = TextAreaField(_l("Synopsis (English)"), validators=[Optional(), Length(max=10000, message=_l(
        "At most %(max)d characters."))], render_kw={"rows": 5})
    synopsis_zh = TextAreaField(_l("Synopsis (Chinese)"), validators=[Optional(), Length(max=10000, message=_l(
        "At most %(max)d characters."))], render_kw={"rows": 5})
