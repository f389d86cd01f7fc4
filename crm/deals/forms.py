"""The deal form: common fields plus the fieldset of the deal's type.

Fields only parse input (numbers, dates); the rules (shares adding to 100%,
known territories, period order …) live in ``terms.py`` and are applied by the
services, whose errors ``apply_errors`` puts next to the fields. Field names
are the keys the services take, so an error path names its field.
"""

from __future__ import annotations

import enum

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..companies.forms import strip
from ..enums import (
    Contribution,
    CoproductionStatus,
    DealType,
    FeeKind,
    FormatFeeBasis,
    Medium,
    RegulatoryStatus,
)
from ..events.forms import optional_int
from ..i18n import lazy_gettext as _l
from ..leads.forms import AmountField
from ..meetings.forms import int_or_unknown
from ..pickers import CompanyField, TitlesField
from ..titles.forms import WholeNumberField
from .terms import terms_kind

BAD_DATE = _l("Enter a date as YYYY-MM-DD.")
PARTNER_ROWS = 4
PAYMENT_ROWS = 6


class PercentField(AmountField):
    """A percentage as Decimal ("12.5" or "12.5%")."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "placeholder": "%"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [valuelist[0].replace("%", "")]
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a percentage such as 25 or 12.5.")) from None


def _count(label):
    return WholeNumberField(label, validators=[Optional()], invalid_message=_l("Enter a whole number."))


def _text(label, max_length=200):
    return StringField(label, filters=[strip], validators=[Length(max=max_length, message=_l(
        "At most %(max)d characters."))])


def _long_text(label):
    return TextAreaField(label, filters=[strip], validators=[Length(max=20000, message=_l(
        "At most %(max)d characters."))], render_kw={"rows": 3})


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PartnerRow(Form):
    company_id = CompanyField(_l("Partner"), blank="—")
    financing_share = PercentField(_l("Financing share"))
    ip_share = PercentField(_l("IP share"))
    contribution = SelectField(_l("Contribution"), choices=Contribution.choices, default=Contribution.CASH.value)
    territories_retained = _text(_l("Territories retained"))


class PaymentRow(Form):
    percent = PercentField(_l("Percent"))
    trigger_en = _text(_l("When (English)"))
    trigger_zh = _text(_l("When (Chinese)"))


class DealForm(FlaskForm):
    """Fields every deal has. ``version`` is the version the edit form was loaded from."""

    version = HiddenField()
    name_en = _text(_l("Deal name (English)"))
    name_zh = _text(_l("Deal name (Chinese)"))
    company_id = CompanyField(_l("Counterpart company"), blank=_l("Choose a company"))
    contact_ids = SelectMultipleField(_l("Contacts"), coerce=int_or_unknown, validate_choice=False)
    title_ids = TitlesField(_l("Titles"))
    amount = AmountField(_l("Amount"), places=2, validators=[Optional()], render_kw={"inputmode": "decimal"})
    currency = SelectField(_l("Currency"), validate_choice=False)
    expected_close_date = DateField(_l("Expected close date"), validators=[Optional()],
                                    invalid_value_message=BAD_DATE)
    regulatory_status = SelectField(_l("Regulatory status (China)"), choices=RegulatoryStatus.choices,
                                    default=RegulatoryStatus.NOT_NEEDED.value)
    notes = _long_text(_l("Notes"))
    owner_id = SelectField(_l("Owner"), coerce=optional_int, validate_choice=False)

    COMMON = ("name_en", "name_zh", "company_id", "amount", "currency", "expected_close_date", "regulatory_status",
              "notes", "contact_ids", "title_ids")
    TERMS: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.section_errors: dict[str, list] = {}

    # -- to and from the services' shape --------------------------------------

    def common_values(self) -> dict:
        return {name: self[name].data for name in self.COMMON}

    def terms_values(self) -> dict:
        return {name: self[name].data for name in self.TERMS}

    def owner_value(self) -> int | None:
        return self.owner_id.data if "owner_id" in self._fields else None

    @classmethod
    def data_from(cls, values: dict, terms: dict) -> dict:
        """Form data from ``services.deal_values`` (enums as values, codes as text)."""
        data = {key: _plain(value) for key, value in {**values, **terms}.items()}
        for key in ("territories", "excluded"):
            if key in data:
                data[key] = " ".join(data[key] or [])
        return data

    def apply_errors(self, errors: dict[str, list]) -> None:
        """Put a service's errors ({"partners.1.ip_share": [...]}) next to their fields."""
        for path, messages in errors.items():
            field = self._resolve(path)
            if field is None:
                self.section_errors.setdefault(path.split(".")[0], []).extend(messages)
            else:
                field.errors = [*(field.errors or []), *messages]

    def _resolve(self, path: str):
        parts = path.split(".")
        if parts[0] not in self._fields:
            return None
        field = self[parts[0]]
        if len(parts) == 1:
            return None if isinstance(field, FieldList) else field
        try:
            row = field.entries[int(parts[1])]
            return row.form[parts[2]]
        except (AttributeError, IndexError, KeyError, ValueError):
            return None

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.section_errors)


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class CoproductionDealForm(DealForm):
    working_title = _text(_l("Working title"))
    budget = AmountField(_l("Total budget"), places=2, validators=[Optional()], render_kw={"inputmode": "decimal"})
    budget_currency = SelectField(_l("Budget currency"), validate_choice=False)
    episodes = _count(_l("Episodes"))
    episode_minutes = _count(_l("Minutes per episode"))
    language = _text(_l("Language"), 32)
    underlying_ip = _text(_l("Underlying IP"), 300)
    official_status = SelectField(_l("Official co-production status"), choices=CoproductionStatus.choices,
                                  default=CoproductionStatus.NONE.value)
    creative_control = _long_text(_l("Creative control"))
    overruns = _long_text(_l("Overruns"))
    completion_bond = BooleanField(_l("Completion bond"))
    delivery_date = DateField(_l("Delivery date"), validators=[Optional()], invalid_value_message=BAD_DATE)
    partners = FieldList(FormField(PartnerRow), label=_l("Partners"), min_entries=PARTNER_ROWS)

    TERMS = ("working_title", "budget", "budget_currency", "episodes", "episode_minutes", "language",
             "underlying_ip", "official_status", "creative_control", "overruns", "completion_bond",
             "delivery_date", "partners")


class LicenceDealForm(DealForm):
    territories = _text(_l("Territories"))
    excluded = _text(_l("Excluding"))
    media = MultiCheckboxField(_l("Media"), choices=Medium.choices, validate_choice=False)
    exclusive = BooleanField(_l("Exclusive"), default=True)
    licence_start = DateField(_l("Licence start"), validators=[Optional()], invalid_value_message=BAD_DATE)
    licence_end = DateField(_l("Licence end"), validators=[Optional()], invalid_value_message=BAD_DATE)
    starts_on_permit = BooleanField(_l("Starts on the import permit date"))
    runs = _count(_l("Runs"))
    languages = _text(_l("Languages"), 64)
    fee_kind = SelectField(_l("Fee"), choices=FeeKind.choices, default=FeeKind.FLAT_FEE.value)
    minimum_guarantee = AmountField(_l("Minimum guarantee"), places=2, validators=[Optional()],
                                    render_kw={"inputmode": "decimal"})
    revenue_share = PercentField(_l("Revenue share"))
    agent_commission = PercentField(_l("Sales agent commission"))
    holdback_months = _count(_l("Holdback (months)"))
    holdbacks = _long_text(_l("Holdbacks"))
    first_run_obligation = _text(_l("First-run obligation"), 300)
    payments = FieldList(FormField(PaymentRow), label=_l("Payment schedule"), min_entries=PAYMENT_ROWS)

    TERMS = ("territories", "excluded", "media", "exclusive", "licence_start", "licence_end", "starts_on_permit",
             "runs", "languages", "fee_kind", "minimum_guarantee", "revenue_share", "agent_commission",
             "holdback_months", "holdbacks", "first_run_obligation", "payments")


class FormatDealForm(DealForm):
    territories = _text(_l("Territories"))
    excluded = _text(_l("Excluding"))
    platform = _text(_l("Platform / channel"), 120)
    episodes = _count(_l("Episodes"))
    seasons = _count(_l("Seasons"))
    exclusive = BooleanField(_l("Exclusive"), default=True)
    fee_basis = SelectField(_l("Format fee basis"), choices=FormatFeeBasis.choices,
                            default=FormatFeeBasis.PERCENT_OF_BUDGET.value)
    fee_percent = PercentField(_l("Format fee (share of the budget)"))
    local_budget = AmountField(_l("Local production budget"), places=2, validators=[Optional()],
                               render_kw={"inputmode": "decimal"})
    fee_per_episode = AmountField(_l("Fee per episode"), places=2, validators=[Optional()],
                                  render_kw={"inputmode": "decimal"})
    option_seasons = _count(_l("Option seasons"))
    production_bible = BooleanField(_l("Production bible"), default=True)
    consultancy_days = _count(_l("Consultancy days"))
    backend_share = PercentField(_l("Back-end share"))

    TERMS = ("territories", "excluded", "platform", "episodes", "seasons", "exclusive", "fee_basis", "fee_percent",
             "local_budget", "fee_per_episode", "option_seasons", "production_bible", "consultancy_days",
             "backend_share")


FORMS = {"coproduction": CoproductionDealForm, "licence": LicenceDealForm, "format": FormatDealForm}


def deal_form_class(deal_type: DealType) -> type[DealForm]:
    return FORMS[terms_kind(deal_type)]


class ArchiveForm(FlaskForm):
    """CSRF only."""
