from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..i18n import lazy_gettext as _l
from .services import is_currency, parse_rate


def _currency_code(form, field):
    field.data = (field.data or "").strip().upper()
    if not is_currency(field.data):
        raise ValidationError(_l("Enter a three-letter ISO 4217 currency code, such as CNY."))


class RateForm(FlaskForm):
    base = StringField(_l("Base currency"), validators=[DataRequired(_l("Enter the base currency.")),
                                                         _currency_code])
    currency = StringField(_l("Currency"), validators=[DataRequired(_l("Enter a currency.")), _currency_code])
    rate_date = DateField(_l("Date"), validators=[DataRequired(_l("Enter a date like 2017-05-24."))])
    # Text, not DecimalField: validated as an exact Decimal (never a float).
    rate = StringField(
        _l("Rate"), validators=[DataRequired(_l("Enter a rate."))],
        description=_l("Units of the currency that 1 unit of the base buys, e.g. 6.8852."),
    )
    source = StringField(_l("Source"), validators=[Optional(), Length(max=120)])

    def validate_rate(self, field):
        if parse_rate(field.data) is None:
            raise ValidationError(_l("Enter a number greater than 0 with at most 6 decimals."))

    def validate_currency(self, field):
        if field.data and field.data == (self.base.data or "").strip().upper():
            raise ValidationError(_l("The currency must differ from the base currency."))
