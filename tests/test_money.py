"""Money is exact on SQLite and PostgreSQL: what is written is what is read, summed and sorted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import StatementError

from crm.db_types import Money
from crm.deals.models import Deal
from crm.rates.models import ExchangeRate


@pytest.fixture
def deal(make_user, make_deal):
    return make_deal(make_user())


def _store_and_read(ctx, deal_id: int, amount) -> Decimal:
    with ctx() as session:
        session.execute(sa.update(Deal).where(Deal.id == deal_id).values(amount=amount))
        session.commit()
    with ctx() as session:  # a fresh session: nothing cached
        return session.scalar(sa.select(Deal.amount).where(Deal.id == deal_id))


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=st.decimals(min_value=0, max_value=Decimal("9999999999999.99"), places=2))
def test_any_amount_reads_back_exactly(ctx, deal, amount):
    read = _store_and_read(ctx, deal.id, amount)
    assert isinstance(read, Decimal)
    assert read == amount
    assert read.as_tuple().exponent == -2


@pytest.mark.parametrize("text", ["0.10", "0.20", "0.30", "0.01", "1234567890123.45", "9999999999999.99"])
def test_specific_amounts_are_exact(ctx, deal, text):
    read = _store_and_read(ctx, deal.id, Decimal(text))
    assert str(read) == text


def test_orm_round_trip_is_exact(ctx, make_user, make_deal):
    created = make_deal(make_user(), amount=Decimal("1234567890123.45"))
    with ctx() as session:
        assert str(session.get(Deal, created.id).amount) == "1234567890123.45"


def test_sql_sum_is_exact(ctx, make_user, make_deal):
    owner = make_user()
    make_deal(owner, amount=Decimal("0.10"))
    make_deal(owner, amount=Decimal("0.20"))
    with ctx() as session:
        total = session.scalar(sa.select(sa.type_coerce(sa.func.sum(Deal.amount), Money())))
    assert total == Decimal("0.30")
    assert str(total) == "0.30"


def test_order_by_amount_is_numeric(ctx, make_user, make_deal):
    owner = make_user()
    for text in ["10.00", "9.00", "100.00", "2.50", "1000000.00"]:
        make_deal(owner, amount=Decimal(text))
    with ctx() as session:
        amounts = session.scalars(sa.select(Deal.amount).order_by(Deal.amount)).all()
    assert [str(a) for a in amounts] == ["2.50", "9.00", "10.00", "100.00", "1000000.00"]


def test_comparison_in_sql_is_numeric(ctx, make_user, make_deal):
    owner = make_user()
    make_deal(owner, amount=Decimal("9.00"), name_en="Small")
    make_deal(owner, amount=Decimal("100.00"), name_en="Large")
    with ctx() as session:
        names = session.scalars(sa.select(Deal.name_en).where(Deal.amount > Decimal("10.00"))).all()
    assert names == ["Large"]


def test_a_float_is_refused(ctx, deal):
    with ctx() as session:
        with pytest.raises((TypeError, StatementError), match="float"):
            session.execute(sa.update(Deal).where(Deal.id == deal.id).values(amount=0.1))
        session.rollback()


@pytest.mark.parametrize("text", ["10000000000000.00", "12345678901234.56", "99999999999999999"])
def test_more_than_15_digits_are_refused(ctx, deal, text):
    with ctx() as session:
        with pytest.raises((ValueError, StatementError), match="digits"):
            session.execute(sa.update(Deal).where(Deal.id == deal.id).values(amount=Decimal(text)))
        session.rollback()
        assert session.get(Deal, deal.id).amount == Decimal("100000.00")


def test_exchange_rate_keeps_six_decimals(ctx):
    with ctx() as session:
        session.add_all([
            ExchangeRate(base="USD", currency="CNY", rate_date=dt.date(2017, 5, 24), rate=Decimal("6.885200")),
            ExchangeRate(base="USD", currency="EUR", rate_date=dt.date(2017, 5, 24), rate=Decimal("0.891327")),
        ])
        session.commit()
    with ctx() as session:
        rates = dict(session.execute(sa.select(ExchangeRate.currency, ExchangeRate.rate)).all())
    assert str(rates["CNY"]) == "6.885200"
    assert str(rates["EUR"]) == "0.891327"
