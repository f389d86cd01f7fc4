"""Forms for meetings: create/edit, logging the outcome, notes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..companies.forms import strip
from ..enums import DealType, MeetingStatus
from ..events.forms import optional_int
from ..i18n import lazy_gettext as _l
from ..pickers import CompanyField
from .services import OUTCOME_STATUSES


def _interest_choices():
    return [("", _l("— Not rated —"))] + [(str(n), str(n)) for n in range(1, 6)]


def int_or_unknown(value) -> int:
    """Coerce for multi-selects: a non-number becomes -1, which no choice has ("Choose from the list")."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


# WTForms' own messages for unparseable input are English only: say it in the user's language.
BAD_DATE = _l("Enter a date as YYYY-MM-DD.")
BAD_TIME = _l("Enter a time as HH:MM, e.g. 09:30.")
BAD_NUMBER = _l("Enter a whole number.")
BAD_AMOUNT = _l("Enter an amount such as 250000 or 250000.50.")


class MeetingForm(FlaskForm):
    event_id = SelectField(_l("Event"), coerce=optional_int, validate_choice=False)
    company_id = CompanyField(_l("Company"))
    owner_id = SelectField(_l("Owner"), coerce=optional_int, validate_choice=False)
    user_ids = SelectMultipleField(_l("Our team"), coerce=int_or_unknown, validate_choice=False)
    contact_ids = SelectMultipleField(_l("Their contacts"), coerce=int_or_unknown, validate_choice=False)
    start_date = DateField(_l("Date"), invalid_value_message=BAD_DATE,
                           validators=[InputRequired(_l("Enter the date as YYYY-MM-DD."))])
    start_time = TimeField(_l("Start time"), invalid_value_message=BAD_TIME,
                           validators=[InputRequired(_l("Enter the start time as HH:MM."))])
    duration_minutes = IntegerField(
        _l("Duration (minutes)"), default=30, invalid_value_message=BAD_NUMBER,
        validators=[InputRequired(_l("Enter the duration in minutes.")),
                    NumberRange(1, 1440, _l("Enter a duration between 1 and 1440 minutes."))],
    )
    location = StringField(_l("Table / room"), filters=[strip], validators=[Length(max=120)])
    status = SelectField(_l("Status"), choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED.value)
    notes = TextAreaField(_l("Notes"), filters=[strip], validators=[Length(max=20000)])
    interest_level = SelectField(_l("Interest level"), coerce=optional_int, choices=_interest_choices,
                                 validate_choice=False)
    next_step = StringField(_l("Next step"), filters=[strip], validators=[Length(max=300)])
    follow_up_date = DateField(_l("Follow up on"), invalid_value_message=BAD_DATE, validators=[Optional()])

    def __init__(self, *args, event_choices=(), user_choices=(), contact_choices=(), **kw):
        super().__init__(*args, **kw)
        self.event_id.choices = [("", _l("— No event —")), *event_choices]
        self.owner_id.choices = list(user_choices)
        self.user_ids.choices = list(user_choices)
        self.contact_ids.choices = list(contact_choices)
        self._known = {
            "event_id": {v for v, _ in event_choices},
            "owner_id": {v for v, _ in user_choices},
            "user_ids": {v for v, _ in user_choices},
            "contact_ids": {v for v, _ in contact_choices},
        }

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.company_id.data is None and not self.company_id.errors:
            self.company_id.errors.append(_l("Choose the company you are meeting."))
            ok = False
        for name in ("event_id", "owner_id"):
            value = getattr(self, name).data
            if value is not None and value not in self._known[name]:
                getattr(self, name).errors.append(_l("Choose from the list."))
                ok = False
        for name in ("user_ids", "contact_ids"):
            if any(v not in self._known[name] for v in getattr(self, name).data or ()):
                getattr(self, name).errors.append(_l("Choose from the list."))
                ok = False
        if self.interest_level.data is not None and not 1 <= self.interest_level.data <= 5:
            self.interest_level.errors.append(_l("Choose an interest level from 1 to 5."))
            ok = False
        return ok


def _outcome_status_choices():
    return [(s.value, s.label) for s in OUTCOME_STATUSES]


def _deal_type_choices():
    return [("", _l("— Not known —")), *DealType.choices()]


class OutcomeForm(FlaskForm):
    status = SelectField(_l("Outcome"), choices=_outcome_status_choices, default=MeetingStatus.HELD.value)
    notes = TextAreaField(_l("Notes"), filters=[strip], validators=[Length(max=20000)])
    interest_level = SelectField(_l("Interest level"), coerce=optional_int, choices=_interest_choices,
                                 validate_choice=False)
    next_step = StringField(_l("Next step"), filters=[strip], validators=[Length(max=300)])
    follow_up_date = DateField(_l("Follow up on"), invalid_value_message=BAD_DATE, validators=[Optional()])

    create_lead = BooleanField(_l("Create a lead"))
    lead_deal_type = SelectField(_l("Deal type of interest"), choices=_deal_type_choices, validate_choice=False)
    lead_summary = StringField(_l("Lead summary"), filters=[strip], validators=[Length(max=300)])

    create_deal = BooleanField(_l("Create a deal"))
    deal_type = SelectField(_l("Deal type"), choices=DealType.choices, default=DealType.DISTRIBUTION.value,
                            validate_choice=False)
    deal_amount = DecimalField(_l("Amount"), places=2, invalid_value_message=BAD_AMOUNT, validators=[Optional()],
                               render_kw={"inputmode": "decimal"})
    deal_currency = SelectField(_l("Currency"), default="USD", validate_choice=False)

    create_task = BooleanField(_l("Create a follow-up task"))
    task_subject = StringField(_l("Task"), filters=[strip], validators=[Length(max=300)])
    task_due_on = DateField(_l("Due on"), invalid_value_message=BAD_DATE, validators=[Optional()])

    def __init__(self, *args, currency_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.deal_currency.choices = list(currency_choices)
