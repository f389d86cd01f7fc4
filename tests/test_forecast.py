"""Forecast by expected close month against a hand-computed fixture (mixed currencies and probabilities)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from crm.db_types import utcnow
from crm.deals.forecast import add_months, forecast
from crm.rates.models import ExchangeRate
from crm.rates.services import rate_table

TODAY = dt.date(2026, 11, 27)
RATE_DAY = dt.date(2026, 11, 1)
D = Decimal


@pytest.fixture
def rates(ctx):
    """1 USD = 0.8 EUR = 7 CNY on 2026-11-01 (no KRW rate)."""
    with ctx() as session:
        for currency, rate in (("EUR", "0.8"), ("CNY", "7")):
            session.add(ExchangeRate(base="USD", currency=currency, rate_date=RATE_DAY, rate=D(rate)))
        session.commit()


@pytest.fixture
def people(make_user):
    return {"rep": make_user("rep"), "other": make_user("rep"), "manager": make_user("manager")}


@pytest.fixture
def deals(people, make_deal, rates):
    rep, other = people["rep"], people["other"]

    def deal(amount, currency, stage, close, owner=rep, **kw):
        return make_deal(owner, stage=stage, amount=D(amount), currency=currency, expected_close_date=close, **kw)

    deal("100000.00", "USD", "negotiation", dt.date(2026, 12, 15))  # 50 %
    deal("80000.00", "EUR", "offer", dt.date(2026, 12, 1))  # 30 %
    deal("700000.00", "CNY", "term_sheet", dt.date(2026, 11, 30))  # 70 %, this month
    deal("50000.00", "USD", "lead", dt.date(2026, 11, 1))  # 5 %, overdue
    deal("10000.00", "EUR", "signed", None)  # 85 %, no date
    deal("20000.00", "USD", "won", dt.date(2026, 12, 1))  # closed: left out
    deal("30000.00", "USD", "lost", dt.date(2026, 12, 1))  # closed: left out
    deal("1000.00", "KRW", "qualified", dt.date(2027, 1, 10))  # 15 %, no rate
    deal("5000.00", "USD", "offer", dt.date(2028, 1, 1))  # 30 %, later than 12 months
    deal("12345.67", "EUR", "development", dt.date(2027, 2, 14), deal_type="coproduction")  # 20 %
    deal("40000.00", "USD", "offer", dt.date(2026, 12, 2), archived_at=utcnow())  # archived: left out
    deal("999999.00", "USD", "negotiation", dt.date(2026, 12, 10), owner=other)  # another rep's


def _rows(result):
    return {row.key: row for row in result.rows}


def test_forecast_in_usd_by_month(ctx, people, deals):
    with ctx():
        result = forecast(people["rep"], "USD", today=TODAY)
    rows = _rows(result)
    assert list(rows)[:3] == ["overdue", "2026-11", "2026-12"]
    assert list(rows)[-3:] == ["2027-10", "later", "no_date"]
    assert len(result.rows) == 15

    def check(key, count, total, weighted):
        row = rows[key]
        assert (row.count, row.total.amount, row.weighted.amount) == (count, D(total), D(weighted)), key
        assert row.total.currency == row.weighted.currency == "USD"

    check("overdue", 1, "50000.00", "2500.00")
    check("2026-11", 1, "100000.00", "70000.00")  # 700,000 CNY / 7; × 70 %
    # 100,000 USD + 80,000 EUR / 0.8 = 200,000 (never 180,000); weighted 50,000 + 24,000 EUR / 0.8
    check("2026-12", 2, "200000.00", "80000.00")
    check("2027-01", 1, "0.00", "0.00")  # KRW has no rate: counted, named, not converted
    assert rows["2027-01"].total.missing == ["KRW"]
    # 12,345.67 EUR / 0.8 = 15,432.0875; weighted 20 % = 2,469.13 EUR / 0.8 = 3,086.4125
    check("2027-02", 1, "15432.09", "3086.41")
    check("2027-03", 0, "0.00", "0.00")
    check("later", 1, "5000.00", "1500.00")
    check("no_date", 1, "12500.00", "10625.00")  # 10,000 EUR / 0.8; × 85 %
    # Totals per currency, converted once: USD 155,000; EUR 102,345.67 / 0.8; CNY 700,000 / 7
    assert result.total.count == 8
    assert result.total.total.amount == D("382932.09")
    assert result.total.weighted.amount == D("167711.41")  # 54,000 + 34,969.13 / 0.8 + 70,000
    assert result.rate_date == RATE_DAY
    assert result.missing == ["KRW"]


def test_forecast_in_another_currency(ctx, people, deals):
    with ctx():
        rows = _rows(forecast(people["rep"], "EUR", today=TODAY))
    assert rows["2026-12"].total.amount == D("160000.00")  # 100,000 USD × 0.8 + 80,000 EUR
    assert rows["2026-12"].weighted.amount == D("64000.00")  # 50,000 × 0.8 + 24,000
    assert rows["2026-11"].total.amount == D("80000.00")  # 700,000 / 7 × 0.8


def test_rep_sees_own_deals_manager_sees_all(ctx, people, deals):
    with ctx():
        mine = _rows(forecast(people["rep"], "USD", today=TODAY))
        everyone = _rows(forecast(people["manager"], "USD", today=TODAY))
        other = forecast(people["other"], "USD", today=TODAY)
    assert mine["2026-12"].count == 2
    assert everyone["2026-12"].count == 3
    assert everyone["2026-12"].total.amount == D("1199999.00")
    assert other.total.count == 1 and other.total.total.amount == D("999999.00")


def test_forecast_is_two_queries_whatever_the_number_of_deals(ctx, people, deals, count_queries):
    with ctx():
        table = rate_table(TODAY)
        with count_queries() as counter:
            forecast(people["manager"], "USD", today=TODAY, table=table)
    assert counter.count == 1  # the grouped sums; the rate table was read once before
    assert "GROUP BY" in counter.statements[0]


def test_forecast_filtered_by_deal_type(ctx, people, deals):
    from crm.enums import DealType

    with ctx():
        result = forecast(people["rep"], "USD", today=TODAY, deal_type=DealType.COPRODUCTION)
    assert result.total.count == 1 and result.total.total.amount == D("15432.09")


def test_add_months():
    assert add_months(dt.date(2026, 11, 27), 0) == dt.date(2026, 11, 1)
    assert add_months(dt.date(2026, 11, 27), 2) == dt.date(2027, 1, 1)
    assert add_months(dt.date(2026, 12, 31), 12) == dt.date(2027, 12, 1)


def test_forecast_page(client, ctx, login, make_user, make_deal):
    today = dt.date.today()
    with ctx() as session:
        session.add(ExchangeRate(base="USD", currency="EUR", rate_date=today, rate=D("0.8")))
        session.commit()
    rep, other = make_user("rep", reporting_currency="EUR"), make_user("rep")
    next_month = add_months(today, 1)
    make_deal(rep, stage="negotiation", amount=D("100000.00"), currency="USD", expected_close_date=next_month)
    make_deal(rep, stage="offer", amount=D("1000.00"), currency="KRW", expected_close_date=next_month)
    make_deal(other, stage="negotiation", amount=D("777777.00"), currency="USD", expected_close_date=next_month)
    login(rep)
    html = client.get("/deals/forecast").get_data(as_text=True)
    assert '<option value="EUR" selected>' in html
    assert "€80,000.00" in html and "€40,000.00" in html  # 100,000 USD × 0.8; weighted 50 %
    assert "KRW" in html and "left out" in html
    assert "777,777" not in html
    html = client.get("/deals/forecast?currency=USD").get_data(as_text=True)
    assert '<option value="USD" selected>' in html and "$100,000.00" in html
    assert client.get("/deals/forecast?currency=nope&type=bad").status_code == 200


def test_overdue_means_before_the_viewers_today(client, login, make_user, make_deal):
    """Kiritimati (UTC+14) is always at least a day ahead of Pago Pago (UTC-11): a deal expected to
    close on Pago Pago's today is due today there, and already overdue in Kiritimati."""
    from crm.i18n import user_today

    east, west = make_user("manager", timezone="Pacific/Kiritimati"), make_user("manager", timezone="Pacific/Pago_Pago")
    assert user_today(east) > user_today(west)
    make_deal(make_user("rep"), amount=D("4321.00"), currency="USD", expected_close_date=user_today(west))

    def overdue_row(user):
        login(user)
        html = client.get("/deals/forecast?currency=USD").get_data(as_text=True)
        client.post("/logout")
        row = re.search(r'<tr class="fc-overdue">(.*?)</tr>', html, re.S)
        return row.group(1) if row else ""

    assert "4,321.00" in overdue_row(east)
    assert "4,321.00" not in overdue_row(west)
