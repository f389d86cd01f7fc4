"""Login throttling per account and per address, through the database (shared by workers)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from crm.extensions import db

PASSWORD = "correct horse battery"  # what the make_user fixture sets


@pytest.fixture
def limits(app, monkeypatch):
    monkeypatch.setitem(app.config, "CRM_LOGIN_MAX_PER_ACCOUNT", 3)
    monkeypatch.setitem(app.config, "CRM_LOGIN_MAX_PER_ADDRESS", 5)
    monkeypatch.setitem(app.config, "CRM_LOGIN_WINDOW_MINUTES", 15)


WRONG = "wrong password!"


def _try(client, email, password=WRONG, addr="198.51.100.7"):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": addr})


def test_account_is_throttled_even_with_the_right_password(app, client, make_user, limits):
    user = make_user("rep")
    for _ in range(3):
        assert _try(client, user.email).status_code == 200  # the form again, "invalid email or password"
    refused = _try(client, user.email, PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many failed sign-in attempts" in refused.get_data(as_text=True)
    # Another address is refused too: the limit is on the account.
    assert _try(client, user.email, PASSWORD, addr="192.0.2.1").status_code == 429


def test_the_lock_lasts_one_window_at_most(app, client, make_user, limits):
    from crm.auth.throttle import LoginFailure

    user = make_user("rep")
    for _ in range(3):
        _try(client, user.email)
    with app.app_context():  # sixteen minutes later
        db.session.execute(sa.update(LoginFailure).values(at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)))
        db.session.commit()
    assert _try(client, user.email, PASSWORD).status_code == 302


def test_success_clears_the_account_count(app, client, make_user, limits):
    user = make_user("rep")
    for _ in range(2):
        _try(client, user.email)
    assert _try(client, user.email, PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(2):
        _try(client, user.email)
    assert _try(client, user.email, PASSWORD).status_code == 302  # 2 + 2 failures, never 3 in a row


def test_address_is_throttled_across_accounts(app, client, make_user, limits):
    user = make_user("rep")
    for i in range(5):
        _try(client, f"nobody{i}@example.com")  # unknown emails count like real ones
    assert _try(client, user.email, PASSWORD).status_code == 429
    assert _try(client, user.email, PASSWORD, addr="192.0.2.44").status_code == 302


def test_throttle_message_in_chinese(app, client, make_user, limits):
    client.post("/language", data={"lang": "zh"})
    for _ in range(4):
        response = _try(client, "someone@example.com")
    assert response.status_code == 429 and "登录失败次数过多" in response.get_data(as_text=True)
