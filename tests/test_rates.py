"""Exchange rates: conversion through the base, never a raw sum, frozen rates of won deals,
the admin pages and the CSV loader."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.deals.models import Deal
from crm.rates.models import ExchangeRate
from crm.rates.services import (
    MissingRateError,
    RatesFileError,
    convert_totals,
    deal_amount_in,
    freeze_rate,
    is_currency,
    parse_rate,
    parse_rates_csv,
    rate_table,
)

DAY = dt.date(2017, 5, 24)
LATER = dt.date(2018, 1, 2)


@pytest.fixture
def rates(ctx):
    """USD base: 1 USD = 6.8852 CNY = 0.8921 EUR on 2017-05-24; different rates on 2018-01-02."""
    with ctx() as session:
        for currency, rate, on in (("CNY", "6.8852", DAY), ("EUR", "0.8921", DAY),
                                   ("CNY", "6.5000", LATER), ("EUR", "0.8300", LATER)):
            session.add(ExchangeRate(base="USD", currency=currency, rate_date=on, rate=Decimal(rate)))
        session.commit()


def test_cny_to_eur_goes_through_usd(ctx, rates):
    with ctx():
        table = rate_table(DAY, "USD")
        # 1,000,000 CNY / 6.8852 CNY per USD = 145239.0635 USD; × 0.8921 EUR per USD = 129567.7685 → 129567.77 EUR
        assert table.convert(Decimal("1000000.00"), "CNY", "EUR") == Decimal("129567.77")
        assert table.convert(Decimal("100.00"), "EUR", "USD") == Decimal("112.10")  # 100 / 0.8921 = 112.0951
        assert table.convert(Decimal("100.00"), "USD", "CNY") == Decimal("688.52")


def test_latest_rate_on_or_before_the_date_is_used(ctx, rates):
    with ctx():
        assert rate_table(dt.date(2017, 12, 31), "USD").rate("CNY") == (Decimal("6.885200"), DAY)
        assert rate_table(dt.date(2019, 1, 1), "USD").rate("CNY") == (Decimal("6.500000"), LATER)
        with pytest.raises(MissingRateError):
            rate_table(dt.date(2017, 1, 1), "USD").rate("CNY")


def test_total_is_never_a_raw_sum(ctx, rates):
    with ctx():
        total = convert_totals({"USD": Decimal("100.00"), "EUR": Decimal("100.00")}, "USD", rate_table(DAY, "USD"))
    # 100 USD + 100 EUR × (USD per EUR = 1 / 0.8921) at 2017-05-24, not 200
    expected = Decimal("100.00") + (Decimal("100") / Decimal("0.8921")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert total.amount == expected == Decimal("212.10")
    assert total.amount != Decimal("200.00")
    assert total.currency == "USD"
    assert total.rate_date == DAY
    assert total.missing == []


def test_missing_rate_is_named_and_left_out(ctx, rates):
    with ctx():
        total = convert_totals({"USD": Decimal("10.00"), "KRW": Decimal("5000.00")}, "EUR", rate_table(DAY, "USD"))
    assert total.missing == ["KRW"]
    assert total.amount == Decimal("8.92")  # the USD part only, 10 × 0.8921
    assert total.rate_date == DAY


def test_missing_target_currency_is_named(ctx, rates):
    with ctx():
        total = convert_totals({"USD": Decimal("10.00")}, "JPY", rate_table(DAY, "USD"))
    assert "JPY" in total.missing


def test_frozen_rate_is_used_for_a_won_deal_after_new_rates(ctx, rates, make_user, make_deal):
    deal = make_deal(make_user(), stage="won", amount=Decimal("1000000.00"), currency="CNY")
    with ctx() as session:
        d = session.get(Deal, deal.id)
        freeze_rate(d, DAY)
        session.commit()
    with ctx() as session:
        d = session.get(Deal, deal.id)
        assert d.fx_rate == Decimal("6.885200")
        assert d.fx_rate_date == DAY
        today = rate_table(LATER, "USD")  # CNY is 6.5 now
        frozen = deal_amount_in(d, "USD", today)
        assert frozen.amount == Decimal("145239.06")  # 1,000,000 / 6.8852, not / 6.5 (153846.15)
        assert frozen.rate_date == DAY
        # to EUR: the won-date value in USD at today's EUR rate: 145239.0635 × 0.83 = 120548.42
        assert deal_amount_in(d, "EUR", today).amount == Decimal("120548.42")
        d.fx_rate = None  # an open deal converts at the day's rates
        assert deal_amount_in(d, "USD", today).amount == Decimal("153846.15")
        session.rollback()


def test_freeze_rate_of_base_currency_and_missing_rate(ctx, rates, make_user, make_deal):
    owner = make_user()
    usd = make_deal(owner, amount=Decimal("10.00"), currency="USD")
    krw = make_deal(owner, amount=Decimal("10.00"), currency="KRW")
    with ctx() as session:
        d = session.get(Deal, usd.id)
        freeze_rate(d, DAY)
        assert (d.fx_rate, d.fx_rate_date) == (Decimal(1), DAY)
        with pytest.raises(MissingRateError) as exc:
            freeze_rate(session.get(Deal, krw.id), DAY)
        assert exc.value.currency == "KRW"
        session.rollback()


def test_currency_and_rate_validation():
    assert is_currency("CNY") and is_currency("EUR")
    assert not any(is_currency(c) for c in ("cny", "XYZ", "US", "USDT", "", None, "12A"))
    assert parse_rate("6.8852") == Decimal("6.8852")
    assert all(parse_rate(v) is None for v in ("0", "-1", "abc", "1.1234567", "NaN", "Infinity", "1e10", "6,8852", 6.8))


# --- CSV loader -----------------------------------------------------------------------------

GOOD = "date,currency,rate\n2017-05-24,CNY,6.8852\n2017-05-24,EUR,0.8921\n2017-05-25,CNY,6.8800\n"


def test_parse_rates_csv_reports_every_bad_row(app):
    text = ("date,currency,rate,base\n2017-05-24,CNY,6.8852,\n24/05/2017,XYZ,-1,\n2017-05-24,CNY,7,USD\n"
            "2017-05-24,usd,1,USD\n")
    with app.test_request_context(), pytest.raises(RatesFileError) as exc:
        parse_rates_csv(text, default_base="USD")
    errors = exc.value.errors
    assert len(errors) == 3
    assert errors[0].startswith("Row 3:") and "24/05/2017" in errors[0] and "XYZ" in errors[0] and "-1" in errors[0]
    assert errors[1].startswith("Row 4:") and "row 2" in errors[1]
    assert errors[2].startswith("Row 5:") and "same" in errors[2]


def test_parse_rates_csv_needs_the_columns(app):
    with app.test_request_context(), pytest.raises(RatesFileError) as exc:
        parse_rates_csv("day,ccy,rate\n2017-05-24,CNY,1\n", default_base="USD")
    assert "date, currency" in exc.value.errors[0]


def test_cli_loads_and_upserts(runner, ctx, tmp_path):
    with ctx() as session:
        session.add(ExchangeRate(base="USD", currency="CNY", rate_date=DAY, rate=Decimal("7")))
        session.commit()
    path = tmp_path / "rates.csv"
    path.write_text("\ufeff" + GOOD, encoding="utf-8")
    result = runner.invoke(args=["crm", "load-rates", str(path), "--source", "test"])
    assert result.exit_code == 0, result.output
    assert "2 new, 1 updated" in result.output
    with ctx() as session:
        rows = {(r.currency, r.rate_date): r for r in session.scalars(sa.select(ExchangeRate))}
    assert len(rows) == 3
    assert rows[("CNY", DAY)].rate == Decimal("6.885200")
    assert rows[("CNY", DAY)].source == "test"
    assert rows[("EUR", DAY)].base == "USD"


def test_cli_bad_row_writes_nothing(runner, ctx, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text(GOOD + "2017-05-26,EUR,zero\n", encoding="utf-8")
    result = runner.invoke(args=["crm", "load-rates", str(path)])
    assert result.exit_code == 1
    assert "Row 5:" in result.output and "zero" in result.output
    assert "No rates were loaded." in result.output
    with ctx() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ExchangeRate)) == 0


def test_cli_help_documents_the_columns(runner):
    result = runner.invoke(args=["crm", "load-rates", "--help"])
    assert result.exit_code == 0
    assert "date,currency,rate[,base]" in result.output


# --- admin pages ----------------------------------------------------------------------------


@pytest.mark.parametrize("method,url", [
    ("get", "/admin/rates"), ("get", "/admin/rates/new"), ("post", "/admin/rates/new"),
    ("post", "/admin/rates/1/delete"), ("get", "/admin/rates/1"),
])
@pytest.mark.parametrize("role", ["rep", "manager"])
def test_rates_admin_is_admin_only(client, make_user, login, method, url, role):
    login(make_user(role))
    assert getattr(client, method)(url).status_code == 403


def test_admin_adds_edits_filters_and_deletes_a_rate(client, ctx, make_user, login):
    admin = make_user("admin")
    login(admin)
    page = client.get("/admin/rates/new")
    assert page.status_code == 200
    response = client.post("/admin/rates/new", data={"base": "USD", "currency": "cny", "rate_date": "2017-05-24",
                                                     "rate": "6.8852", "source": "PBoC"})
    assert response.status_code == 302
    client.post("/admin/rates/new", data={"base": "USD", "currency": "EUR", "rate_date": "2017-05-24",
                                          "rate": "0.8921"}, follow_redirects=True)
    with ctx() as session:
        rate = session.scalar(sa.select(ExchangeRate).where(ExchangeRate.currency == "CNY"))
        assert (rate.base, rate.rate, rate.rate_date, rate.source) == ("USD", Decimal("6.885200"), DAY, "PBoC")
        rate_id = rate.id
    listing = client.get("/admin/rates?currency=CNY").get_data(as_text=True)
    assert "6.885200" in listing and "0.892100" not in listing
    assert "0.892100" in client.get("/admin/rates").get_data(as_text=True)

    response = client.post(f"/admin/rates/{rate_id}", data={"base": "USD", "currency": "CNY",
                                                           "rate_date": "2017-05-24", "rate": "6.9"})
    assert response.status_code == 302
    with ctx() as session:
        assert session.get(ExchangeRate, rate_id).rate == Decimal("6.900000")

    assert client.post(f"/admin/rates/{rate_id}/delete").status_code == 302
    with ctx() as session:
        assert session.get(ExchangeRate, rate_id) is None
        actions = session.scalars(sa.select(AuditEntry.action).where(AuditEntry.entity_type == "exchange_rates"))
        assert sorted(actions) == ["create", "create", "delete", "update"]


@pytest.mark.parametrize("data,field_error", [
    ({"currency": "XYZ"}, "ISO 4217"),
    ({"rate": "0"}, "greater than 0"),
    ({"rate": "abc"}, "greater than 0"),
    ({"rate": "1.1234567"}, "at most 6 decimals"),
    ({"currency": "USD"}, "differ from the base"),
    ({"rate_date": "24.05.2017"}, "2017-05-24"),
])
def test_rate_form_errors_keep_input(client, ctx, make_user, login, data, field_error):
    login(make_user("admin"))
    form = {"base": "USD", "currency": "CNY", "rate_date": "2017-05-24", "rate": "6.8852", **data}
    response = client.post("/admin/rates/new", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error in html
    for value in data.values():
        assert f'value="{value}"' in html or value.upper() in html
    with ctx() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ExchangeRate)) == 0


def test_duplicate_rate_is_refused(client, ctx, make_user, login):
    login(make_user("admin"))
    form = {"base": "USD", "currency": "CNY", "rate_date": "2017-05-24", "rate": "6.8852"}
    assert client.post("/admin/rates/new", data=form).status_code == 302
    response = client.post("/admin/rates/new", data=dict(form, rate="7"))
    assert response.status_code == 200
    assert "already a USD/CNY rate" in response.get_data(as_text=True)


def test_rate_form_errors_next_to_the_field_in_chinese_ui(client, make_user, login):
    login(make_user("admin", locale="zh"))
    response = client.post("/admin/rates/new", data={"base": "USD", "currency": "XYZ", "rate_date": "2017-05-24",
                                                     "rate": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="currency-err"' in html and 'value="XYZ"' in html


def test_admin_menu_links(client, make_user, login):
    login(make_user("admin"))
    html = client.get("/admin/users").get_data(as_text=True)
    assert 'href="/admin/stages"' in html and 'href="/admin/rates"' in html
