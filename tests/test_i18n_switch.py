"""How the UI language is chosen and switched (the mechanism, not the catalogue),
and how money and dates are formatted in each language."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask_babel import force_locale

from crm import i18n
from crm.auth.models import User

PASSWORD = "correct horse battery"  # what the make_user fixture sets
ZH = '<html lang="zh-Hans"'
EN = '<html lang="en"'


def _html_lang(response) -> str:
    page = response.get_data(as_text=True)
    assert (ZH in page) != (EN in page), page[:200]
    return "zh" if ZH in page else "en"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("zh-CN", "zh"),
        ("zh-Hans", "zh"),
        ("zh", "zh"),
        ("zh-TW;q=0.9", "zh"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("fr-FR,zh-CN;q=0.8,en;q=0.5", "zh"),  # the first language we speak wins
        ("en-US", "en"),
        ("en-GB,zh-CN;q=0.5", "en"),
        ("fr", "en"),
        ("", "en"),
    ],
)
def test_browser_language_picks_the_ui_language(client, accept, expected):
    headers = {"Accept-Language": accept} if accept else {}
    assert _html_lang(client.get("/login", headers=headers)) == expected


def test_switching_before_login_is_kept_in_the_session(client):
    response = client.post("/language", data={"lang": "zh", "next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert _html_lang(client.get("/login", headers={"Accept-Language": "en-US"})) == "zh"
    client.post("/language", data={"lang": "en", "next": "/login"})
    assert _html_lang(client.get("/login", headers={"Accept-Language": "zh-CN"})) == "en"


def test_switching_after_login_is_saved_on_the_user(app, client, ctx, make_user, login):
    user = make_user()
    login(user)
    client.post("/language", data={"lang": "zh", "next": "/"})
    with ctx() as session:
        assert session.get(User, user.id).locale == "zh"

    # Another browser, which asks for English: the saved choice wins once signed in.
    other = app.test_client()
    english = {"Accept-Language": "en-US"}
    assert _html_lang(other.get("/login", headers=english)) == "en"
    other.post("/login", data={"email": user.email, "password": PASSWORD}, headers=english)
    assert _html_lang(other.get("/", headers=english)) == "zh"


def test_language_chosen_on_login_page_is_saved_at_login(client, ctx, make_user):
    user = make_user()
    client.post("/language", data={"lang": "zh", "next": "/login"})
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    with ctx() as session:
        assert session.get(User, user.id).locale == "zh"


def test_language_survives_logout(client, make_user, login):
    login(make_user())
    client.post("/language", data={"lang": "zh", "next": "/"})
    client.post("/logout")
    assert _html_lang(client.get("/login", headers={"Accept-Language": "en"})) == "zh"


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/deals/pipeline", "/deals/pipeline"),
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
        (None, "/"),
    ],
)
def test_language_switch_returns_to_a_safe_next(client, next_url, expected):
    data = {"lang": "zh"} if next_url is None else {"lang": "zh", "next": next_url}
    response = client.post("/language", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == expected


@pytest.mark.parametrize("value", ["fr", "zh_Hans_CN", "", "EN"])
def test_unknown_language_changes_nothing(client, ctx, make_user, login, value):
    user = make_user()
    login(user)
    client.post("/language", data={"lang": "zh", "next": "/"})
    client.post("/language", data={"lang": value, "next": "/"})
    with ctx() as session:
        assert session.get(User, user.id).locale == "zh"
    assert _html_lang(client.get("/", headers={"Accept-Language": "en"})) == "zh"


def test_unknown_language_before_login_keeps_the_browser_language(client):
    client.post("/language", data={"lang": "de", "next": "/login"})
    assert _html_lang(client.get("/login", headers={"Accept-Language": "en"})) == "en"
    assert _html_lang(client.get("/login", headers={"Accept-Language": "zh-CN"})) == "zh"


def test_language_switch_is_post_only(client):
    assert client.get("/language?lang=zh").status_code == 405


@pytest.fixture
def request_ctx(app):
    with app.test_request_context():
        yield


def test_money_in_chinese(request_ctx):
    with force_locale("zh_Hans_CN"):
        assert i18n.money(Decimal("1234567.5"), "CNY") == "¥1,234,567.50"


def test_money_in_english(request_ctx):
    with force_locale("en"):
        assert "CN¥1,234,567.50" in i18n.money(Decimal("1234567.5"), "CNY")
        assert i18n.money(Decimal("250000"), "EUR") == "€250,000.00"


def test_money_without_amount_or_currency(request_ctx):
    assert i18n.money(None, "USD") == "—"
    assert i18n.money(Decimal("1"), None) == "—"


@pytest.mark.parametrize(
    ("locale", "expected"), [("zh_Hans_CN", "2017年5月24日"), ("en", "May 24, 2017")]
)
def test_dates(request_ctx, locale, expected):
    with force_locale(locale):
        assert i18n.date(dt.date(2017, 5, 24)) == expected


def test_ui_lang_follows_the_active_locale(request_ctx):
    with force_locale("zh_Hans_CN"):
        assert i18n.ui_lang() == "zh"
    with force_locale("en"):
        assert i18n.ui_lang() == "en"
