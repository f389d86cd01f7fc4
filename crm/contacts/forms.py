"""The contact form."""

from __future__ import annotations

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Email, Length, Optional, ValidationError

from ..companies.forms import DuplicateConfirmMixin, strip
from ..companies.services import CONTACT_FIELDS

# Languages offered in the form (ISO 639-1); codes already stored stay selectable.
COMMON_LANGUAGES = ("zh", "en", "fr", "de", "es", "it", "pt", "ja", "ko", "ru", "ar", "nl", "sv", "hi")


def language_choices(extra: list[str] | tuple[str, ...] = ()) -> list[tuple[str, str]]:
    names = Locale.parse(str(get_locale())).languages
    codes = list(COMMON_LANGUAGES) + [c for c in extra if c not in COMMON_LANGUAGES]
    return [(c, names.get(c, c)) for c in codes]


def optional_company(value):
    """"" (no company) → None, "12" → 12; anything else is left for the validator."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


class ContactForm(DuplicateConfirmMixin, FlaskForm):
    name_en = StringField(_l("English name"), filters=[strip], validators=[Length(max=200)])
    name_zh = StringField(_l("Chinese name"), filters=[strip], validators=[Length(max=200)])
    job_title_en = StringField(_l("Job title (English)"), filters=[strip], validators=[Length(max=200)])
    job_title_zh = StringField(_l("Job title (Chinese)"), filters=[strip], validators=[Length(max=200)])
    company_id = SelectField(_l("Company"), coerce=optional_company, validate_choice=False)
    email = EmailField(
        _l("Email"), filters=[strip],
        validators=[Optional(), Email(_l("Enter a valid email address.")), Length(max=254)],
    )
    phone = StringField(_l("Phone"), filters=[strip], validators=[Length(max=64)])
    wechat_id = StringField(_l("WeChat ID"), filters=[strip], validators=[Length(max=64)])
    languages = SelectMultipleField(_l("Languages spoken"))
    notes = TextAreaField(_l("Notes"), filters=[strip], validators=[Length(max=20000)])

    def __init__(self, *args, company_options=(), stored_languages=(), **kwargs):
        """``company_options``: (id, name) pairs to choose from; ``stored_languages``:
        codes the record already has, kept selectable even when not in the common list."""
        super().__init__(*args, **kwargs)
        self.company_id.choices = [(None, _l("— No company —")), *company_options]
        self._company_ids = {ident for ident, _label in company_options}
        self.languages.choices = language_choices(stored_languages)

    def validate_company_id(self, field) -> None:
        if field.data is not None and field.data not in self._company_ids:
            raise ValidationError(_l("Choose a company from the list."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not (self.name_en.data or self.name_zh.data):
            self.name_en.errors.append(_l("Enter an English or a Chinese name (or both)."))
            ok = False
        return ok

    def record_fields(self) -> dict:
        fields = {name: getattr(self, name).data for name in CONTACT_FIELDS}
        fields["languages"] = " ".join(self.languages.data or ())
        return fields

