"""The contact form."""

from __future__ import annotations

from babel import Locale
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Email, Length, Optional

from ..companies.forms import DuplicateConfirmMixin, strip
from ..companies.services import CONTACT_FIELDS
from ..i18n import lazy_gettext as _l
from ..pickers import CompanyField

# Languages offered in the form (ISO 639-1); codes already stored stay selectable.
COMMON_LANGUAGES = ("zh", "en", "fr", "de", "es", "it", "pt", "ja", "ko", "ru", "ar", "nl", "sv", "hi")


def language_choices(extra: list[str] | tuple[str, ...] = ()) -> list[tuple[str, str]]:
    names = Locale.parse(str(get_locale())).languages
    codes = list(COMMON_LANGUAGES) + [c for c in extra if c not in COMMON_LANGUAGES]
    return [(c, names.get(c, c)) for c in codes]


class ContactForm(DuplicateConfirmMixin, FlaskForm):
    name_en = StringField(_l("English name"), filters=[strip], validators=[Length(max=200)])
    name_zh = StringField(_l("Chinese name"), filters=[strip], validators=[Length(max=200)])
    job_title_en = StringField(_l("Job title (English)"), filters=[strip], validators=[Length(max=200)])
    job_title_zh = StringField(_l("Job title (Chinese)"), filters=[strip], validators=[Length(max=200)])
    company_id = CompanyField(_l("Company"), blank=_l("— No company —"))
    email = EmailField(
        _l("Email"), filters=[strip],
        validators=[Optional(), Email(_l("Enter a valid email address.")), Length(max=254)],
    )
    phone = StringField(_l("Phone"), filters=[strip], validators=[Length(max=64)])
    wechat_id = StringField(_l("WeChat ID"), filters=[strip], validators=[Length(max=64)])
    languages = SelectMultipleField(_l("Languages spoken"))
    notes = TextAreaField(_l("Notes"), filters=[strip], validators=[Length(max=20000)])

    def __init__(self, *args, stored_languages=(), **kwargs):
        """``stored_languages``: codes the record already has, kept selectable even when not
        in the common list."""
        super().__init__(*args, **kwargs)
        self.languages.choices = language_choices(stored_languages)

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

