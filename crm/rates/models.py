from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import ExactDecimal
from ..extensions import db


class ExchangeRate(db.Model):
    """How many units of ``currency`` one unit of ``base`` buys on ``rate_date``.

    E.g. base USD, currency CNY, rate 6.8852 on 2017-05-24. Amounts are
    converted through the base: amount / rate(from) * rate(to).
    """

    __tablename__ = "exchange_rates"
    __table_args__ = (
        sa.UniqueConstraint("base", "currency", "rate_date"),
        sa.CheckConstraint("rate > 0", name="rate_positive"),
        sa.CheckConstraint("length(currency) = 3 AND upper(currency) = currency", name="currency_iso"),
        sa.CheckConstraint("length(base) = 3 AND upper(base) = base", name="base_iso"),
        sa.CheckConstraint("base <> currency", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    base: Mapped[str] = mapped_column(sa.String(3))
    currency: Mapped[str] = mapped_column(sa.String(3))
    rate_date: Mapped[dt.date]
    rate: Mapped[Decimal] = mapped_column(ExactDecimal(15, 6))
    source: Mapped[str | None] = mapped_column(sa.String(120))
