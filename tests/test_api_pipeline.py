"""GET /api/v1/pipeline/summary: the dashboard's figures with its filters, scoped like the UI."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crm.extensions import db


@pytest.fixture
def setup(app, make_user, make_deal):
    from crm.api.tokens import create_token
    from crm.auth.models import User
    from crm.rates.models import ExchangeRate

    rep, other, manager = make_user("rep"), make_user("rep"), make_user("manager")
    make_deal(rep, stage="negotiation", amount=Decimal("100000.00"), currency="USD")
    make_deal(rep, stage="offer", amount=Decimal("688000.00"), currency="CNY")
    make_deal(other, stage="offer", amount=Decimal("50000.00"), currency="USD")
    tokens = {}
    with app.app_context():
        db.session.add(ExchangeRate(base="USD", currency="CNY", rate_date=dt.date(2026, 1, 2),
                                    rate=Decimal("6.880000")))
        for name, user in (("rep", rep), ("other", other), ("manager", manager)):
            tokens[name] = create_token(db.session.get(User, user.id), "t")[1]
        db.session.commit()
    return tokens, rep


def _get(client, token, query="", lang="en"):
    return client.get(f"/api/v1/pipeline/summary{query}",
                      headers={"Authorization": f"Bearer {token}", "Accept-Language": lang})


def test_rep_sees_own_figures_converted_at_a_stated_rate(client, setup):
    tokens, _rep = setup
    body = _get(client, tokens["rep"], "?currency=USD&period=all").get_json()
    assert body["currency"] == "USD" and body["rate_date"] == "2026-01-02"
    assert body["open"]["count"] == 2
    assert body["open"]["value"] == {"amount": "200000.00", "currency": "USD", "rate_date": "2026-01-02",
                                     "missing": []}  # 100,000 USD + 688,000 CNY at 6.88
    assert {r["key"] for r in body["by_stage"]} == {"negotiation", "offer"}


def test_manager_sees_everyone_and_may_filter_by_owner(client, setup):
    tokens, rep = setup
    everyone = _get(client, tokens["manager"], "?currency=USD&period=all").get_json()
    assert everyone["open"]["count"] == 3 and len(everyone["by_owner"]) == 2
    one = _get(client, tokens["manager"], f"?currency=USD&period=all&owner={rep.id}").get_json()
    assert one["open"]["count"] == 2
    assert _get(client, tokens["rep"], f"?owner={rep.id}").status_code == 403


def test_missing_rate_is_named_not_added(client, setup):
    tokens, _rep = setup
    body = _get(client, tokens["rep"], "?currency=EUR&period=all").get_json()
    assert set(body["open"]["value"]["missing"]) >= {"EUR"} or set(body["missing_rates"]) >= {"EUR"}


def test_bad_filters_are_422_in_the_asked_language(client, setup):
    tokens, _rep = setup
    bad = _get(client, tokens["rep"], "?currency=XYZ")
    assert bad.status_code == 422 and "currency" in bad.get_json()["errors"]
    assert _get(client, tokens["rep"], "?period=forever").status_code == 422
    zh = _get(client, tokens["rep"], "?currency=XYZ", lang="zh-CN")
    assert zh.status_code == 422 and zh.headers["Content-Language"] == "zh-CN"
    assert zh.get_json()["errors"]["currency"] != bad.get_json()["errors"]["currency"]


def test_labels_follow_accept_language(client, setup):
    tokens, _rep = setup
    zh = _get(client, tokens["rep"], "?period=all", lang="zh-CN").get_json()
    en = _get(client, tokens["rep"], "?period=all").get_json()
    assert [r["key"] for r in zh["forecast"]] == [r["key"] for r in en["forecast"]]
    assert zh["forecast"][0]["label"] != en["forecast"][0]["label"]  # 已逾期 / Overdue


def test_anonymous_gets_401(client, setup):
    assert client.get("/api/v1/pipeline/summary").status_code == 401
