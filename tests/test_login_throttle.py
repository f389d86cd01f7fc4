"""Login throttling per account and per address, shared by workers and app servers: every
test runs on the database backend, and on Redis when CRM_TEST_REDIS_URL is set (.ci/run
sets it; tests/test_scale_out.py checks the count is shared across two servers)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
import uuid

import pytest
import sqlalchemy as sa

from crm.extensions import db

PASSWORD = "correct horse battery"  # what the make_user fixture sets
REDIS_URL = os.environ.get("CRM_TEST_REDIS_URL")


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.skipif(
    not REDIS_URL, reason="needs Redis (CRM_TEST_REDIS_URL)"))])
def limits(request, app, monkeypatch):
    """The throttle's settings for these tests; returns the backend in use."""
    monkeypatch.setitem(app.config, "CRM_LOGIN_MAX_PER_ACCOUNT", 3)
    monkeypatch.setitem(app.config, "CRM_LOGIN_MAX_PER_ADDRESS", 5)
    monkeypatch.setitem(app.config, "CRM_LOGIN_WINDOW_MINUTES", 15)
    if request.param == "redis":
        monkeypatch.setitem(app.config, "CRM_REDIS_URL", REDIS_URL)
        monkeypatch.setitem(app.config, "CRM_REDIS_PREFIX", f"crm-test-{uuid.uuid4().hex}")  # a clean slate
    return request.param


def _failures_in_database(app) -> int:
    from crm.auth.throttle import LoginFailure

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure))


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


def test_the_lock_lasts_one_window_at_most(app, client, make_user, limits, monkeypatch):
    from crm.auth.throttle import LoginFailure

    user = make_user("rep")
    if limits == "redis":  # Redis keeps its own clock: a window of 2 seconds, waited out
        monkeypatch.setitem(app.config, "CRM_LOGIN_WINDOW_MINUTES", 2 / 60)
    for _ in range(3):
        _try(client, user.email)
    assert _try(client, user.email, PASSWORD).status_code == 429
    if limits == "redis":
        time.sleep(2.1)
    else:
        with app.app_context():  # sixteen minutes later
            db.session.execute(sa.update(LoginFailure).values(
                at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)))
            db.session.commit()
    assert _try(client, user.email, PASSWORD).status_code == 302


def test_the_backend_in_use_keeps_the_count(app, client, make_user, limits):
    for _ in range(2):
        _try(client, "someone@example.com")
    assert _failures_in_database(app) == (2 if limits == "database" else 0)


def test_unreachable_redis_falls_back_to_the_database(app, client, make_user, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "CRM_LOGIN_MAX_PER_ACCOUNT", 3)
    monkeypatch.setitem(app.config, "CRM_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    user = make_user("rep")
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert _try(client, user.email).status_code == 200
        assert _try(client, user.email, PASSWORD).status_code == 429  # still throttled
    assert _failures_in_database(app) == 3
    assert "Redis unreachable" in caplog.text


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


def test_a_redis_that_does_not_answer_does_not_hold_sign_in_up(app, client, make_user, monkeypatch, caplog):
    """A Redis that accepts connections and then says nothing (a network split): each call gives up after
    its short timeout and the database counts the failure."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []

    def accept():
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:  # closed: the test is over
                return

    threading.Thread(target=accept, daemon=True).start()
    monkeypatch.setitem(app.config, "CRM_REDIS_URL", f"redis://127.0.0.1:{server.getsockname()[1]}/0")
    user = make_user("rep")
    try:
        with caplog.at_level(logging.WARNING):
            assert _try(client, user.email).status_code == 200
        assert _failures_in_database(app) == 1
        assert "Redis unreachable" in caplog.text
    finally:
        app.extensions.pop("crm_login_throttle", None)
        server.close()
        for conn in held:
            conn.close()
