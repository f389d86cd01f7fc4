"""Idle and absolute session timeouts; remember-me sessions are bounded by their cookie."""

from __future__ import annotations

import time

import sqlalchemy as sa

from crm.extensions import db


def _age(client, **seconds_ago):
    with client.session_transaction() as sess:
        for key, ago in seconds_ago.items():
            sess[key] = int(time.time()) - ago


def test_idle_session_ends_and_asks_to_sign_in_again(app, client, make_user, login):
    login(make_user("rep"))
    assert client.get("/deals/").status_code == 200
    _age(client, seen_at=app.config["CRM_IDLE_MINUTES"] * 60 + 5)
    response = client.get("/deals/?sort=name")
    assert response.status_code == 302 and "/login?next=" in response.location and "sort" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "Your session has expired" in page
    assert client.get("/deals/").status_code == 302  # really signed out


def test_active_session_still_ends_after_the_absolute_limit(app, client, make_user, login):
    login(make_user("rep"))
    _age(client, auth_at=app.config["CRM_SESSION_HOURS"] * 3600 + 5, seen_at=10)
    assert client.get("/deals/").status_code == 302


def test_activity_keeps_a_session_alive(app, client, make_user, login):
    login(make_user("rep"))
    _age(client, seen_at=app.config["CRM_IDLE_MINUTES"] * 60 - 30)
    assert client.get("/deals/").status_code == 200
    with client.session_transaction() as sess:
        assert int(time.time()) - sess["seen_at"] < 5  # refreshed


def test_remember_me_is_not_cut_by_the_idle_limit(app, client, make_user, login):
    login(make_user("rep"), remember=True)
    _age(client, seen_at=app.config["CRM_IDLE_MINUTES"] * 60 + 5)
    assert client.get("/deals/").status_code == 200


def test_expiry_message_in_chinese(app, client, make_user, login):
    user = make_user("rep")
    login(user)
    client.post("/language", data={"lang": "zh"})
    _age(client, seen_at=app.config["CRM_IDLE_MINUTES"] * 60 + 5)
    page = client.get("/deals/", follow_redirects=True).get_data(as_text=True)
    assert "会话已过期" in page


def test_failed_login_is_audited_without_the_password(app, client, make_user):
    from crm.audit.models import AuditEntry

    user = make_user("rep")
    client.post("/login", data={"email": user.email.upper(), "password": "not my password at all"})
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "login_failed")).one()
        assert entry.changes == {"email": user.email}
        assert "not my password" not in repr(entry.changes)
