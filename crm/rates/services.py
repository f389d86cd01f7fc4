"""Currency conversion at a stated rate date; never a raw sum of currencies.

Rates are stored against a base currency (``ExchangeRate``: 1 base = rate
units of ``currency``). Converting A → B uses, for each side, the latest rate
on or before the requested date, and reports the older of the two dates so a
total can say "at rates of <date>".
"""

from __future__ import annotations

import datetime as dt
import functools
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


@functools.cache
def _rates_statement() -> sa.Select:
    """Built once (every page that shows money asks for rates); the base and date are parameters."""
    base, on = sa.bindparam("base", type_=sa.String), sa.bindparam("on", type_=sa.Date)
    latest = (
        sa.select(ExchangeRate.currency, sa.func.max(ExchangeRate.rate_date).label("d"))
        .where(ExchangeRate.base == base, ExchangeRate.rate_date <= on)
        .group_by(ExchangeRate.currency)
        .subquery()
    )
    return sa.select(ExchangeRate.currency, ExchangeRate.rate, ExchangeRate.rate_date).join(
        latest, sa.and_(ExchangeRate.currency == latest.c.currency, ExchangeRate.rate_date == latest.c.d),
    ).where(ExchangeRate.base == base)


def rate_table(on: dt.date | None = None, base: str | None = None) -> RateTable:
    """All currencies' latest rates on or before ``on`` (today by default): one query."""
    on = on or dt.date.today()
    base = base or base_currency()
    rows = db.session.execute(_rates_statement(), {"base": base, "on": on})
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


# ---------------------------------------------------------------------------
# Validation, editing and loading of rates
# ---------------------------------------------------------------------------

RATE_QUANTUM = Decimal("0.000001")
MAX_RATE = Decimal(10) ** 9  # ExactDecimal(15, 6): 9 digits before the point


def is_currency(code: str | None) -> bool:
    """True for a 3-letter ISO 4217 code that Babel knows (e.g. "CNY", not "cny" or "XYZ")."""
    from babel import Locale

    return bool(code) and len(code) == 3 and code.isalpha() and code.isupper() and code in Locale("en").currencies


def parse_rate(value) -> Decimal | None:
    """A positive rate with at most 6 decimals and 9 integer digits, or None."""
    from decimal import InvalidOperation

    if isinstance(value, float):
        return None
    try:
        rate = Decimal(str(value).strip())  # "6,8852" is refused, not read as 68852
    except (InvalidOperation, ValueError):
        return None
    if not rate.is_finite() or rate <= 0 or rate >= MAX_RATE or rate.quantize(RATE_QUANTUM) != rate:
        return None
    return rate


def find_rate(base: str, currency: str, on: dt.date) -> ExchangeRate | None:
    return db.session.scalar(
        sa.select(ExchangeRate).where(
            ExchangeRate.base == base, ExchangeRate.currency == currency, ExchangeRate.rate_date == on
        )
    )


class RateClashError(Exception):
    """Another row already holds the rate of this (base, currency, date): ``clash``."""

    def __init__(self, clash: ExchangeRate):
        super().__init__(f"{clash.base}/{clash.currency} on {clash.rate_date}")
        self.clash = clash


def save_rate(rate: ExchangeRate | None, *, base: str, currency: str, on: dt.date, value, source: str | None,
              user_id: int, ip: str | None) -> ExchangeRate:
    """Create (``rate`` None) or correct a rate, audited; the admin page and the API share it. Raises
    RateClashError (and writes nothing) when another row has this (base, currency, date). The caller commits."""
    from ..audit.models import record

    clash = find_rate(base, currency, on)
    if clash is not None and clash is not rate:
        raise RateClashError(clash)
    action = "update" if rate else "create"
    if rate is None:
        rate = ExchangeRate()
        db.session.add(rate)
    rate.base, rate.currency, rate.rate_date = base, currency, on
    rate.rate = parse_rate(value)
    rate.source = (source or "").strip() or None
    db.session.flush()
    record(action, user_id=user_id, entity=rate, ip=ip, changes=rate_changes(rate))
    return rate


def rate_changes(rate: ExchangeRate) -> dict:
    """What the audit log keeps of a rate when it is created, corrected or deleted."""
    return {"base": rate.base, "currency": rate.currency, "rate_date": rate.rate_date.isoformat(),
            "rate": str(rate.rate)}


def upsert_rate(base: str, currency: str, on: dt.date, rate: Decimal, source: str | None = None) -> tuple[
        ExchangeRate, bool]:
    """Set the rate of (base, currency, on); returns (row, created)."""
    row = find_rate(base, currency, on)
    if row is None:
        row = ExchangeRate(base=base, currency=currency, rate_date=on, rate=rate, source=source)
        db.session.add(row)
        return row, True
    row.rate = rate
    if source is not None:
        row.source = source
    return row, False


@dataclass
class RateRow:
    line: int
    base: str
    currency: str
    rate_date: dt.date
    rate: Decimal


class RatesFileError(ValueError):
    """A rates file that cannot be loaded; ``errors`` are messages in the active language."""

    def __init__(self, errors: list[str]):
        super().__init__(errors)
        self.errors = errors


REQUIRED_COLUMNS = ("date", "currency", "rate")


def parse_rates_csv(text: str, default_base: str | None = None) -> list[RateRow]:
    """Rows of a CSV with columns date,currency,rate[,base]; raises RatesFileError listing every bad row.

    Dates are ISO (2017-05-24); a rate is units of ``currency`` per 1 ``base``
    (the configured base currency when the column is absent or empty).
    """
    import csv
    import io

    from flask_babel import gettext as _

    default_base = default_base or base_currency()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise RatesFileError([_("The file needs the columns date, currency and rate (missing: %(cols)s).",
                                cols=", ".join(missing))])
    reader.fieldnames = header
    rows: list[RateRow] = []
    errors: list[str] = []
    seen: dict[tuple, int] = {}
    for line, raw in enumerate(reader, start=2):
        values = {k: (v or "").strip() for k, v in raw.items() if k}
        if not any(values.values()):
            continue
        problems = []
        try:
            on = dt.date.fromisoformat(values["date"])
        except ValueError:
            on = None
            problems.append(_("date %(value)s is not a date like 2017-05-24", value=repr(values["date"])))
        currency = values["currency"].upper()
        if not is_currency(currency):
            problems.append(_("%(value)s is not an ISO 4217 currency code", value=repr(values["currency"])))
        base = (values.get("base") or default_base).upper()
        if not is_currency(base):
            problems.append(_("base %(value)s is not an ISO 4217 currency code", value=repr(values.get("base"))))
        elif base == currency:
            problems.append(_("the currency and the base are the same"))
        rate = parse_rate(values["rate"])
        if rate is None:
            problems.append(_("rate %(value)s is not a positive number with at most 6 decimals",
                              value=repr(values["rate"])))
        if not problems:
            key = (base, currency, on)
            if key in seen:
                problems.append(_("the same currency and date already appear on row %(row)d", row=seen[key]))
            seen[key] = line
        if problems:
            errors.append(_("Row %(row)d: %(problems)s.", row=line, problems="; ".join(problems)))
        else:
            rows.append(RateRow(line=line, base=base, currency=currency, rate_date=on, rate=rate))
    if errors:
        raise RatesFileError(errors)
    if not rows:
        raise RatesFileError([_("The file has no rates.")])
    return rows


def load_rates(rows: list[RateRow], source: str | None = None) -> tuple[int, int]:
    """Upsert ``rows`` by (base, currency, date) in the current transaction; returns (created, updated)."""
    created = updated = 0
    for row in rows:
        _rate, new = upsert_rate(row.base, row.currency, row.rate_date, row.rate, source)
        created += new
        updated += not new
    db.session.flush()
    return created, updated


# ---------------------------------------------------------------------------
# Deals: frozen rates of won deals
# ---------------------------------------------------------------------------


def freeze_rate(deal, on: dt.date | None = None, table: RateTable | None = None) -> None:
    """Store on ``deal`` the rate of its currency (per 1 base) on ``on`` (the won date).

    Called when a deal is won; later conversions of the deal use this rate, not
    the day's. Raises MissingRateError when no rate exists on or before ``on``.
    """
    on = on or dt.date.today()
    table = table or rate_table(on)
    rate, rate_date = table.rate(deal.currency)
    deal.fx_rate = rate
    deal.fx_rate_date = rate_date or on


def deal_amount_in(deal, to_ccy: str, table: RateTable | None = None) -> Total:
    """A deal's amount in ``to_ccy``.

    A won deal with a frozen rate is taken to the base currency at that rate
    (``fx_rate_date``), then to ``to_ccy`` at ``table``'s rate; any other deal
    converts at ``table``'s rates. Raises MissingRateError when a rate is missing.
    """
    table = table or rate_table()
    amount = Decimal(deal.amount)
    if deal.currency == to_ccy:
        return Total(amount=amount, currency=to_ccy, rate_date=None, missing=[])
    if deal.fx_rate is None:
        converted = table.convert(amount, deal.currency, to_ccy)
        return Total(amount=converted, currency=to_ccy, rate_date=table.rate_date([deal.currency, to_ccy]),
                     missing=[])
    rate_to, to_date = table.rate(to_ccy)
    converted = (amount / Decimal(deal.fx_rate) * rate_to).quantize(CENT, rounding=ROUND_HALF_UP)
    dates = [d for d in (deal.fx_rate_date, to_date) if d is not None]
    return Total(amount=converted, currency=to_ccy, rate_date=min(dates) if dates else None, missing=[])
