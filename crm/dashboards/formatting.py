"""Short amounts for chart labels, formatted for the active language.

Babel's compact formats follow CLDR: in Chinese ``¥1.23亿`` and ``¥45.6万``, in
English ``$1.2M`` and ``$350K``. Tables keep the full amounts (``money``).
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_compact_currency, format_compact_decimal
from flask_babel import get_locale


def compact_money(amount: Decimal | None, currency: str | None, digits: int = 1) -> str:
    """``¥1.2亿`` / ``CN¥120M``: an amount for a chart label (万/亿 in Chinese)."""
    if amount is None or not currency:
        return "—"
    return format_compact_currency(amount, currency, locale=get_locale(), fraction_digits=digits)


def compact_number(value, digits: int = 1) -> str:
    """``12万`` / ``120K``."""
    if value is None:
        return "—"
    return format_compact_decimal(value, locale=get_locale(), fraction_digits=digits)


def percent(value: float | None) -> str:
    """A ratio (0.25) as a percentage for the active language, "—" when undefined."""
    from babel.numbers import format_percent

    if value is None:
        return "—"
    return format_percent(value, format="#,##0.#%", locale=get_locale())
