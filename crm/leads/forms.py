"""Lead forms. Choices that come from the database are set by the view
(``queries.lead_form_choices``) because they depend on the user and the company."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from ..choices import optional_id
from ..enums import DealType, Genre, LeadSource
from ..i18n import lazy_gettext as _l
from ..pickers import CompanyField, TitlesField
from ..titles.forms import InRange

MAX_AMOUNT = Decimal("9999999999999.99")  # the Money column's 13 + 2 digits


def optional_str(value):
    return value or None


class LeadForm(FlaskForm):
    company_id = CompanyField(_l("Company"), blank=_l("Choose a company"),
                              validators=[DataRequired(_l("Choose the company."))])
    contact_id = SelectField(_l("Contact"), coerce=optional_id, validators=[Optional()],
                             description=_l("People at the chosen company. Change the company and save to see its "
                                            "contacts."))
    source = SelectField(_l("Source"), choices=LeadSource.choices)
    event_id = SelectField(_l("Event"), coerce=optional_id, validators=[Optional()])
    meeting_id = SelectField(_l("Meeting"), coerce=optional_id, validators=[Optional()])
    deal_type = SelectField(_l("Deal type of interest"), coerce=optional_str, validators=[Optional()])
    genre = SelectField(_l("Genre"), coerce=optional_str, validators=[Optional()])
    title_ids = TitlesField(_l("Titles"))
    summary = StringField(_l("Summary"), validators=[
        Optional(), Length(max=300, message=_l("At most %(max)d characters."))],
        description=_l("e.g. Global distribution of Rainbow Chicks"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=10000, message=_l(
        "At most %(max)d characters."))], render_kw={"rows": 4})
    owner_id = SelectField(_l("Owner"), coerce=int, validators=[Optional()])
    create_anyway = BooleanField(_l("Create it anyway"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        blank = [("", "—")]
        self.deal_type.choices = blank + DealType.choices()
        self.genre.choices = blank + Genre.choices()


class DisqualifyForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[
        DataRequired(_l("Say why the lead is disqualified.")),
        Length(max=300, message=_l("At most %(max)d characters."))])


class AmountField(DecimalField):
    """A money amount: Decimal, never float; accepts "1,200,000.50" and "1 200 000"."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip().replace(",", "").replace(" ", "").replace("\u00a0", "")
        if not text:
            self.data = None
            return
        try:
            self.data = Decimal(text)
        except InvalidOperation:
            self.data = None
            raise ValueError(_l("Enter an amount such as 250000 or 250000.50.")) from None
        if not self.data.is_finite():
            self.data = None
            raise ValueError(_l("Enter an amount such as 250000 or 250000.50."))


class ConvertForm(FlaskForm):
    deal_type = SelectField(_l("Deal type"), choices=DealType.choices)
    name_en = StringField(_l("Deal name (English)"), validators=[Optional(), Length(max=200, message=_l(
        "At most %(max)d characters."))])
    name_zh = StringField(_l("Deal name (Chinese)"), validators=[Optional(), Length(max=200, message=_l(
        "At most %(max)d characters."))])
    amount = AmountField(_l("Amount"), places=2, validators=[
        Optional(), InRange(min=0, message=_l("The amount cannot be negative.")),
        InRange(max=MAX_AMOUNT, message=_l("The amount is too large."))])
    currency = SelectField(_l("Currency"))
    expected_close_date = DateField(_l("Expected close date"), validators=[Optional()],
                                    invalid_value_message=_l("Enter a date like 2025-03-09."))
