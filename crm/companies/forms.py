"""Forms for companies, and the note form shared by address-book pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..choices import country_choices, is_country
from ..enums import CompanyKind
from ..i18n import lazy_gettext as _l
from .services import COMPANY_FIELDS


def strip(value):
    """Trim text input; the service turns empty strings into NULL."""
    return value.strip() if isinstance(value, str) else value


def http_url(form, field) -> None:
    """A web address must be http(s) with a host: a stored "javascript:" link would be a trap."""
    value = (field.data or "").strip()
    if not value:
        return
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname or " " in value:
        raise ValidationError(_l("Enter a web address starting with http:// or https://, e.g. https://www.example.com."))


def country_code(form, field) -> None:
    if field.data and not is_country(field.data):
        raise ValidationError(_l("Choose a country from the list."))


class DuplicateConfirmMixin:
    """``confirm_duplicates``: ids of the possible duplicates the user was shown and
    chose to ignore ("Create anyway"). New matches warn again."""

    confirm_duplicates = HiddenField()

    def confirmed_ids(self) -> set[int]:
        return {int(p) for p in (self.confirm_duplicates.data or "").split(",") if p.strip().isdigit()}


class CompanyForm(DuplicateConfirmMixin, FlaskForm):
    name_en = StringField(_l("English name"), filters=[strip], validators=[Length(max=200)])
    name_zh = StringField(_l("Chinese name"), filters=[strip], validators=[Length(max=200)])
    legal_name_en = StringField(_l("Legal name (English)"), filters=[strip], validators=[Length(max=300)])
    legal_name_zh = StringField(_l("Legal name (Chinese)"), filters=[strip], validators=[Length(max=300)])
    kind = SelectField(_l("Kind"), choices=CompanyKind.choices, default=CompanyKind.OTHER.value)
    country = SelectField(_l("Country or region"), validators=[Optional(), country_code], validate_choice=False)
    city = StringField(_l("City"), filters=[strip], validators=[Length(max=120)])
    address_en = TextAreaField(_l("Address (English)"), filters=[strip], validators=[Length(max=2000)])
    address_zh = TextAreaField(_l("Address (Chinese)"), filters=[strip], validators=[Length(max=2000)])
    website = StringField(_l("Website"), filters=[strip], validators=[Length(max=300), http_url])
    notes = TextAreaField(_l("Notes"), filters=[strip], validators=[Length(max=20000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Named in the request's language, so built per form, not at import time.
        self.country.choices = country_choices(blank=_l("— Not set —"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not (self.name_en.data or self.name_zh.data):
            self.name_en.errors.append(_l("Enter an English or a Chinese name (or both)."))
            ok = False
        return ok

    def record_fields(self) -> dict:
        return {name: getattr(self, name).data for name in COMPANY_FIELDS}



class NoteForm(FlaskForm):
    body = TextAreaField(
        _l("Note"), filters=[strip],
        validators=[DataRequired(_l("Write the note first.")), Length(max=20000)],
    )
