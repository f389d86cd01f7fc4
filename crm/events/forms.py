"""Forms for events and their attending companies."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..choices import country_choices
from ..companies.forms import country_code, http_url, strip
from ..i18n import lazy_gettext as _l
from ..pickers import CompanyField
from .services import EVENT_FIELDS, is_timezone


def optional_int(value):
    """Coerce for selects whose empty choice means "none"."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def iana_zone(form, field) -> None:
    if field.data and not is_timezone(field.data):
        raise ValidationError(_l("Enter a time zone from the IANA list, e.g. Asia/Shanghai or Europe/Paris."))


class EventForm(FlaskForm):
    name_en = StringField(_l("English name"), filters=[strip], validators=[Length(max=200)])
    name_zh = StringField(_l("Chinese name"), filters=[strip], validators=[Length(max=200)])
    city = StringField(_l("City"), filters=[strip], validators=[Length(max=120)])
    venue = StringField(_l("Venue"), filters=[strip], validators=[Length(max=200)])
    country = SelectField(_l("Country or region"), validators=[Optional(), country_code], validate_choice=False)
    timezone = StringField(
        _l("Time zone"), filters=[strip], default="Asia/Shanghai",
        validators=[DataRequired(_l("Enter the event's time zone.")), Length(max=64), iana_zone],
        description=_l("IANA name, e.g. Asia/Shanghai, Europe/Paris, America/Los_Angeles. "
                       "The schedule is shown and entered in this zone."),
    )
    start_date = DateField(_l("First day"), validators=[DataRequired(_l("Enter the first day as YYYY-MM-DD."))])
    end_date = DateField(_l("Last day"), validators=[DataRequired(_l("Enter the last day as YYYY-MM-DD."))])
    organiser_id = CompanyField(_l("Organiser"), blank=_l("— None —"))
    website = StringField(_l("Website"), filters=[strip], validators=[Length(max=300), http_url])
    notes = TextAreaField(_l("Notes"), filters=[strip], validators=[Length(max=20000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices(blank=_l("— Not set —"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not (self.name_en.data or self.name_zh.data):
            self.name_en.errors.append(_l("Enter an English or a Chinese name (or both)."))
            ok = False
        if self.start_date.data and self.end_date.data and self.end_date.data < self.start_date.data:
            self.end_date.errors.append(_l("The last day cannot be before the first day."))
            ok = False
        return ok

    def record_fields(self) -> dict:
        return {name: getattr(self, name).data for name in EVENT_FIELDS}


class AttendeeForm(FlaskForm):
    company_id = CompanyField(_l("Add a company"), validators=[DataRequired(_l("Choose a company."))])
