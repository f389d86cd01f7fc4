"""Number formatting for the dashboard page: what ``crm.i18n``'s filters print, a few hundred times faster
per page.

The dashboard prints some 400 amounts, counts and percentages. Through the Jinja filters each one
looks the locale up again (Flask-Babel) and runs Babel's pattern engine. ``Formats`` takes the locale
once per page and gives exactly the same text (``tests/test_dashboards.py`` compares them):

* ``money``: for each (locale, currency), Babel formats a few probe amounts once per process; when
  Python's own ``format(amount, ",.Nf")`` between a fixed prefix and suffix gives the same text for
  every probe (the case for English and Chinese: ``$1,234.56``, ``CN¥1,234.56``, ``US$1,234.56``),
  that is used, otherwise Babel's ``format_currency`` for every amount;
* ``number``: whole numbers the same way; other numbers through Babel;
* ``compact_money`` and ``percent``: Babel, with the locale already parsed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal

from babel import Locale
from babel.numbers import (
    format_compact_currency,
    format_currency,
    format_decimal,
    format_percent,
    get_currency_precision,
)
from flask_babel import get_locale

# Amounts that exercise grouping, rounding of half cents, zero and signs.
_PROBES = [Decimal(v) for v in ("0", "-0.00", "-0.004", "0.5", "1", "2.5", "12.345", "12.355", "999.995", "1000",
                                "1234.5", "-0.01", "-1234567.89", "1234567.89", "100000000", "12345678901.23")]
_INT_PROBES = [0, 7, 999, 1000, 12345, 1234567, -1, -1234567, 10**12]


def _split(text: str, body: str) -> tuple[str, str] | None:
    if text.count(body) != 1:
        return None
    prefix, suffix = text.split(body)
    return prefix, suffix


@functools.lru_cache(maxsize=256)
def _money_formatter(locale: Locale, currency: str) -> Callable[[Decimal], str]:
    """A function giving ``format_currency(amount, currency, locale=locale)``'s text."""

    def babel(amount) -> str:
        return format_currency(amount, currency, locale=locale)

    digits = get_currency_precision(currency)
    spec = f",.{digits}f"
    positive = _split(babel(Decimal("1234567.89")), format(Decimal("1234567.89"), spec))
    negative = _split(babel(Decimal("-1234567.89")), format(Decimal("1234567.89"), spec))
    if positive is None or negative is None:
        return babel

    def fast(amount) -> str:
        if amount.is_signed() if isinstance(amount, Decimal) else amount < 0:  # Babel writes -0.00 as "-$0.00"
            return negative[0] + format(-amount, spec) + negative[1]
        return positive[0] + format(amount, spec) + positive[1]

    try:
        same = all(fast(p) == babel(p) for p in _PROBES)
    except (TypeError, ValueError):
        same = False
    return fast if same else babel


@functools.lru_cache(maxsize=16)
def _int_formatter(locale: Locale) -> Callable[[int], str]:
    def babel(value) -> str:
        return format_decimal(value, locale=locale)

    def fast(value: int) -> str:
        return format(value, ",")

    return fast if all(fast(p) == babel(p) for p in _INT_PROBES) else babel


class Formats:
    """Formatting for one page in one locale (the active one by default)."""

    def __init__(self, locale=None):
        self.locale = Locale.parse(locale or get_locale())
        self._int = _int_formatter(self.locale)
        self._money: dict[str, Callable[[Decimal], str]] = {}  # a dict: Locale's == is slow for lru_cache

    def money(self, amount: Decimal | None, currency: str | None) -> str:
        """As ``crm.i18n.money``."""
        if amount is None or not currency:
            return "—"
        formatter = self._money.get(currency)
        if formatter is None:
            formatter = self._money[currency] = _money_formatter(self.locale, currency)
        return formatter(amount)

    def compact_money(self, amount: Decimal | None, currency: str | None, digits: int = 1) -> str:
        """As ``crm.i18n.compact_money``."""
        if amount is None or not currency:
            return "—"
        return format_compact_currency(amount, currency, locale=self.locale, fraction_digits=digits)

    def number(self, value) -> str:
        """As ``crm.i18n.number`` (no fixed decimals)."""
        if value is None:
            return "—"
        if isinstance(value, int) and not isinstance(value, bool):
            return self._int(value)
        return format_decimal(value, locale=self.locale)

    def percent(self, value: float | None) -> str:
        """As ``crm.i18n.percent``."""
        if value is None:
            return "—"
        return format_percent(value, format="#,##0.#%", locale=self.locale)
