"""Choices for form selects, labelled in the active language."""

from __future__ import annotations

from babel import Locale
from flask_babel import get_locale

_NOT_COUNTRIES = {"ZZ", "QO", "EU", "EZ", "UN"}  # CLDR pseudo-regions
COMMON_CURRENCIES = ["CNY", "USD", "EUR", "GBP", "HKD", "JPY", "KRW", "CAD", "AUD", "SGD", "TWD", "CHF"]


def country_choices(blank: str = "") -> list[tuple[str, str]]:
    """ISO 3166-1 alpha-2 countries and regions, named and sorted in the active language."""
    names = Locale.parse(str(get_locale())).territories
    codes = [c for c in Locale("en").territories if len(c) == 2 and c.isalpha() and c not in _NOT_COUNTRIES]
    pairs = sorted(((c, names.get(c, c)) for c in codes), key=lambda p: p[1])
    return [("", blank), *pairs]


def currency_choices() -> list[tuple[str, str]]:
    locale = Locale.parse(str(get_locale()))
    return [(c, f"{c} · {locale.currencies.get(c, c)}") for c in COMMON_CURRENCIES]


def is_country(code: str) -> bool:
    return len(code) == 2 and code.isalpha() and code.upper() in Locale("en").territories


def optional_id(value) -> int | None:
    """Coerce a select's value to an id: "" (the blank option) to None; anything else not a whole
    number raises ValueError, which WTForms reports as a choice error on the field."""
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        return value
    return int(str(value).strip())
