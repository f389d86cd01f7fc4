"""Forecast of open deals by expected close month, in one reporting currency.

Sums are computed in SQL grouped by (month bucket, currency); each bucket's
per-currency sums are then converted with ``convert_totals`` at one rate table
(today's by default), so a total is never a raw sum of currencies and states
its rate date and the currencies it could not convert.

Weighted value = amount × stage win probability / 100. Buckets: "overdue"
(expected close before today), the current month and the 11 after it, "later"
and "no date".
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from babel.dates import format_date, format_skeleton
from flask_babel import get_locale
from flask_babel import gettext as _

from ..db_types import ExactDecimal, Money
from ..enums import DealType
from ..extensions import db
from ..permissions import scope
from ..rates.services import CENT, RateTable, Total, convert_totals, rate_table
from .models import Deal, PipelineStage

OVERDUE, LATER, NO_DATE = "overdue", "later", "no_date"


def month_label(month: dt.date) -> str:
    """"Nov 2026" / "2026年11月" in the active language."""
    return format_skeleton("yMMM", month, locale=get_locale())


def row_label(key: str, month: dt.date | None, *, short: bool = False) -> str:
    """A forecast row's label in the active language: "Overdue", "Later", "No date" or its month
    ("Nov 2026"; ``short``: "Nov", for a chart's axis). The one place these labels are written."""
    if key == OVERDUE:
        return _("Overdue")
    if key == LATER:
        return _("Later")
    if key == NO_DATE:
        return _("No date")
    return format_date(month, "MMM", locale=get_locale()) if short else month_label(month)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class ForecastRow:
    key: str  # OVERDUE, LATER, NO_DATE or "YYYY-MM"
    month: dt.date | None  # first day of the month for month rows
    count: int
    total: Total
    weighted: Total

    @property
    def label(self) -> str:
        return row_label(self.key, self.month)

    @property
    def short_label(self) -> str:
        return row_label(self.key, self.month, short=True)


@dataclass
class Forecast:
    currency: str
    today: dt.date
    rows: list[ForecastRow]
    total: ForecastRow
    rate_date: dt.date | None
    missing: list[str] = field(default_factory=list)


NO_DATE_BUCKET, OVERDUE_BUCKET = -2, -1


def bucket_ranges(today: dt.date, months: int) -> list[tuple[int, dt.date | None, dt.date | None]]:
    """(bucket number, from, before) of the dated buckets: -1 overdue (before today), 0 this month
    (from today), 1..months-1 the months after it, ``months`` later (open-ended). Deals without an
    expected close date are bucket -2 (``NO_DATE_BUCKET``)."""
    starts = [today] + [add_months(today, i + 1) for i in range(months)]
    return [(OVERDUE_BUCKET, None, today), *((i, starts[i], starts[i + 1]) for i in range(months)),
            (months, starts[-1], None)]


def bucket_case(today: dt.date, months: int):
    """SQL CASE giving each deal's bucket number (``bucket_ranges``)."""
    col = Deal.expected_close_date
    whens = [(col.is_(None), NO_DATE_BUCKET)]
    whens += [(col < before, bucket) for bucket, _from, before in bucket_ranges(today, months) if before]
    return sa.case(*whens, else_=months)


def forecast_sums(user, *, today: dt.date, months: int = 12, deal_type: DealType | None = None,
                  where: Iterable[sa.ColumnElement[bool]] = ()):
    """{bucket: {currency: (count, amount, weighted)}} for the open deals ``user`` may see (one query).

    ``where``: further conditions on ``Deal`` (e.g. the dashboard's owner and event filters).
    """
    inner = (
        sa.select(
            bucket_case(today, months).label("bucket"),
            Deal.currency.label("currency"),
            Deal.amount.label("amount"),
            PipelineStage.probability.label("probability"),
        )
        .join(PipelineStage, PipelineStage.id == Deal.stage_id)
        .where(Deal.archived_at.is_(None), sa.not_(PipelineStage.is_won), sa.not_(PipelineStage.is_lost))
    )
    if deal_type is not None:
        inner = inner.where(Deal.deal_type == deal_type)
    for condition in where:
        inner = inner.where(condition)
    inner = scope(inner, Deal, user).subquery()
    sums: dict[int, dict[str, tuple[int, Decimal, Decimal]]] = defaultdict(dict)
    for b, currency, count, amount, weighted_x100 in db.session.execute(bucket_sums(inner, inner.c.bucket)):
        sums[int(b)][currency] = (count, Decimal(amount or 0), weighted_exact(weighted_x100))
    return sums


def bucket_sums(inner: sa.Subquery, *keys) -> sa.Select:
    """``keys``, currency, count, SUM(amount) and SUM(amount × probability) of ``inner`` (a subquery with
    ``bucket``, ``currency``, ``amount`` and ``probability`` columns) grouped by ``keys`` and currency.

    Shared by the forecast and the dashboard. Grouped on the subquery's columns: PostgreSQL would not
    match a CASE with bound dates in GROUP BY. Amount has 2 decimals and probability is a whole number,
    so the weighted sum (in hundredths, see ``weighted_exact``) is exact.
    """
    return sa.select(
        *keys, inner.c.currency, sa.func.count().label("n"),
        sa.type_coerce(sa.func.sum(inner.c.amount), Money()).label("amount"),
        sa.type_coerce(sa.func.sum(inner.c.amount * inner.c.probability), ExactDecimal(15, 2)).label("weighted_x100"),
    ).group_by(*keys, inner.c.currency)


def convert_counted(per_currency: dict[str, tuple[int, Decimal, Decimal]], currency: str,
                    table: RateTable) -> tuple[int, Total, Total]:
    """(count, total, weighted) from {currency: (count, amount, weighted)}, each sum rounded to cents
    (weighted sums may carry the exact products' extra decimals), then converted at ``table``."""
    count = sum(c for c, _a, _w in per_currency.values())
    total = convert_totals({ccy: _cents(a) for ccy, (_c, a, _w) in per_currency.items()}, currency, table)
    weighted = convert_totals({ccy: _cents(w) for ccy, (_c, _a, w) in per_currency.items()}, currency, table)
    return count, total, weighted


def _cents(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def weighted_exact(x100) -> Decimal:
    """SUM(amount × probability) back to amount × probability / 100, exact: every weighted figure is
    rounded to cents once, when its per-currency sums are converted (``convert_counted``), so a total
    is the rounded sum of exact values, never a sum of rounded ones."""
    return Decimal(x100 or 0) / 100


def _row(key, month, per_currency: dict[str, tuple[int, Decimal, Decimal]], currency, table) -> ForecastRow:
    count, total, weighted = convert_counted(per_currency, currency, table)
    return ForecastRow(key=key, month=month, count=count, total=total, weighted=weighted)


def forecast(user, currency: str, *, today: dt.date | None = None, months: int = 12,
             deal_type: DealType | None = None, table: RateTable | None = None,
             where: Iterable[sa.ColumnElement[bool]] = ()) -> Forecast:
    """The forecast ``user`` may see, in ``currency`` at ``table``'s rates (today's by default)."""
    today = today or dt.date.today()
    table = table or rate_table(today)
    sums = forecast_sums(user, today=today, months=months, deal_type=deal_type, where=where)
    return forecast_from_sums(sums, currency, today=today, months=months, table=table)


def forecast_from_sums(sums: dict[int, dict[str, tuple[int, Decimal, Decimal]]], currency: str, *,
                       today: dt.date, months: int, table: RateTable) -> Forecast:
    """The forecast rows from {bucket number: {currency: (count, amount, weighted)}} (see ``bucket_case``).

    Shared with the dashboard, which computes the same buckets in a query grouped by more columns.
    """
    rows = [_row(OVERDUE, None, sums.get(OVERDUE_BUCKET, {}), currency, table)]
    for i in range(months):
        month = add_months(today, i)
        rows.append(_row(month.strftime("%Y-%m"), month, sums.get(i, {}), currency, table))
    rows.append(_row(LATER, None, sums.get(months, {}), currency, table))
    rows.append(_row(NO_DATE, None, sums.get(NO_DATE_BUCKET, {}), currency, table))
    grand: dict[str, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for per_currency in sums.values():
        for ccy, (count, amount, weighted) in per_currency.items():
            grand[ccy][0] += count
            grand[ccy][1] += amount
            grand[ccy][2] += weighted
    total = _row("total", None, {c: tuple(v) for c, v in grand.items()}, currency, table)
    missing = sorted(set(total.total.missing) | set(total.weighted.missing))
    rate_date = total.total.rate_date
    return Forecast(currency=currency, today=today, rows=rows, total=total, rate_date=rate_date, missing=missing)
