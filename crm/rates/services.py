"""Currency conversion at a stated rate date; never a raw sum of currencies.

Rates are stored against a base currency (``ExchangeRate``: 1 base = rate
units of ``currency``). Converting A → B uses, for each side, the latest rate
on or before the requested date, and reports the older of the two dates so a
total can say "at rates of <date>".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from ..extensions import db
from .models import ExchangeRate

CENT = Decimal("0.01")


class MissingRateError(LookupError):
    """No rate for ``currency`` on or before the date."""

    def __init__(self, currency: str, on: dt.date):
        super().__init__(currency, on)
        self.currency = currency
        self.on = on


@dataclass
class RateTable:
    """Rates per unit of ``base`` as of ``on`` (latest on or before it)."""

    base: str
    on: dt.date
    rates: dict[str, tuple[Decimal, dt.date]] = field(default_factory=dict)

    def rate(self, currency: str) -> tuple[Decimal, dt.date | None]:
        if currency == self.base:
            return Decimal(1), None
        try:
            return self.rates[currency]
        except KeyError:
            raise MissingRateError(currency, self.on) from None

    def convert(self, amount: Decimal, from_ccy: str, to_ccy: str) -> Decimal:
        """``amount`` in ``from_ccy`` expressed in ``to_ccy``, rounded to cents."""
        if from_ccy == to_ccy:
            return amount
        rate_from, _ = self.rate(from_ccy)
        rate_to, _ = self.rate(to_ccy)
        return (amount / rate_from * rate_to).quantize(CENT, rounding=ROUND_HALF_UP)

    def rate_date(self, currencies) -> dt.date | None:
        """The oldest rate date among ``currencies`` (what a total should state)."""
        dates = [self.rate(c)[1] for c in currencies]
        dates = [d for d in dates if d is not None]
        return min(dates) if dates else None


def base_currency() -> str:
    from flask import current_app

    return current_app.config.get("CRM_BASE_CURRENCY", "USD")


def rate_table(on: dt.date | None = None, base: str | None = None) -> RateTable:
    """All currencies' latest rates on or before ``on`` (today by default): one query."""
    on = on or dt.date.today()
    base = base or base_currency()
    latest = (
        sa.select(ExchangeRate.currency, sa.func.max(ExchangeRate.rate_date).label("d"))
        .where(ExchangeRate.base == base, ExchangeRate.rate_date <= on)
        .group_by(ExchangeRate.currency)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(ExchangeRate.currency, ExchangeRate.rate, ExchangeRate.rate_date).join(
            latest,
            sa.and_(ExchangeRate.currency == latest.c.currency, ExchangeRate.rate_date == latest.c.d),
        ).where(ExchangeRate.base == base)
    )
    return RateTable(base=base, on=on, rates={c: (r, d) for c, r, d in rows})


@dataclass
class Total:
    """A sum converted into one currency, with what it took to get there."""

    amount: Decimal
    currency: str
    rate_date: dt.date | None
    missing: list[str]  # currencies without a rate: left out, and said so


def convert_totals(per_currency: dict[str, Decimal], to_ccy: str, table: RateTable | None = None) -> Total:
    """Add amounts given per currency after converting each into ``to_ccy``."""
    table = table or rate_table()
    amount = Decimal("0.00")
    used, missing = [], []
    for currency, value in per_currency.items():
        if value is None:
            continue
        try:
            amount += table.convert(Decimal(value), currency, to_ccy)
            used.append(currency)
        except MissingRateError:
            missing.append(currency)
    try:
        rate_date = table.rate_date([*used, to_ccy])
    except MissingRateError:
        rate_date = None
        missing.append(to_ccy)
    return Total(amount=amount, currency=to_ccy, rate_date=rate_date, missing=sorted(set(missing)))
