"""Logging out, and a password, role or status change, end the user's sessions and API tokens
at once."""

from __future__ import annotations

from crm.extensions import db


def _token(app, user) -> str:
    from crm.api.tokens import create_token
    from crm.auth.models import User

    with app.app_context():
        _token_row, raw = create_token(db.session.get(User, user.id), "script")
        db.session.commit()
    return raw


def _api_status(client, raw: str) -> int:
    return client.get("/api/v1/companies", headers={"Authorization": f"Bearer {raw}"}).status_code


def test_password_change_by_an_admin_revokes_tokens(app, client, make_user, login):
    rep, admin = make_user("rep"), make_user("admin")
    raw = _token(app, rep)
    assert _api_status(client, raw) == 200
    login(admin)
    response = client.post(f"/admin/users/{rep.id}", data={
        "email": rep.email, "name": rep.name, "role": "rep", "active": "y", "password": "a brand new passphrase"})
    assert response.status_code == 302
    assert _api_status(client, raw) == 401


def test_role_change_revokes_tokens(app, client, make_user, login):
    rep, admin = make_user("rep"), make_user("admin")
    raw = _token(app, rep)
    login(admin)
    client.post(f"/admin/users/{rep.id}", data={"email": rep.email, "name": rep.name, "role": "manager",
                                                 "active": "y"})
    assert _api_status(client, raw) == 401


def test_logout_revokes_tokens(app, client, make_user, login):
    rep, other = make_user("rep"), make_user("rep")
    raw, others = _token(app, rep), _token(app, other)
    login(rep)
    assert "Signing out" in client.get("/account/api-tokens").get_data(as_text=True)  # said where tokens are made
    client.post("/logout")
    assert _api_status(client, raw) == 401
    assert _api_status(client, others) == 200  # only the user's own
