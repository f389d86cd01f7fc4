"""API tokens: created in the UI or the CLI (shown once), stored hashed, revocable;
bearer only; a deactivated user's tokens stop working at once."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from crm.api.models import ApiToken
from crm.auth.models import User
from crm.extensions import db


@pytest.fixture
def bearer(app):
    def make(user, name="test"):
        from crm.api.tokens import create_token

        with app.app_context():
            _token, raw = create_token(db.session.get(User, user.id), name)
            db.session.commit()
        return raw

    return make


def auth(raw):
    return {"Authorization": f"Bearer {raw}"}


def test_token_is_stored_hashed_with_a_visible_prefix(app, make_user, bearer):
    user = make_user()
    raw = bearer(user, "finance sync")
    assert raw.startswith("crm_") and len(raw) > 40
    with app.app_context():
        token = db.session.scalars(sa.select(ApiToken)).one()
        assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert raw not in (token.prefix, token.name, token.token_hash)
        assert raw.startswith(token.prefix) and len(token.prefix) < 16
        assert token.user_id == user.id and token.revoked_at is None


def test_bearer_token_authenticates_and_records_last_use(app, client, make_user, bearer):
    user = make_user()
    raw = bearer(user)
    response = client.get("/api/v1/companies", headers=auth(raw))
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalars(sa.select(ApiToken)).one().last_used_at is not None


@pytest.mark.parametrize("header", [
    None, "Bearer", "Bearer ", "Bearer crm_not-a-real-token", "Basic dXNlcjpwYXNz", "Token abc",
    "Bearer " + "crm_" + "x" * 500, "Bearer crm_\u4e2d\u6587",
])
def test_missing_or_bad_tokens_get_json_401(client, app, header):
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/api/v1/companies", headers=headers)
    assert response.status_code == 401
    assert response.is_json
    body = response.get_json()
    assert body["code"] == "unauthorized" and body["status"] == 401 and body["message"] and body["errors"] == {}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_session_cookie_does_not_authenticate_the_api(client, make_user, login):
    user = make_user()
    login(user)
    assert client.get("/api/v1/companies").status_code == 401


def test_deactivated_user_token_stops_working_at_once(app, client, make_user, bearer):
    user = make_user()
    raw = bearer(user)
    assert client.get("/api/v1/companies", headers=auth(raw)).status_code == 200
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert client.get("/api/v1/companies", headers=auth(raw)).status_code == 401


def test_revoked_token_stops_working(app, client, make_user, bearer):
    from crm.api.tokens import revoke_token

    user = make_user()
    raw = bearer(user)
    with app.app_context():
        token = db.session.scalars(sa.select(ApiToken)).one()
        assert revoke_token(token, db.session.get(User, user.id)) is True
        assert revoke_token(token, db.session.get(User, user.id)) is False
        db.session.commit()
    assert client.get("/api/v1/companies", headers=auth(raw)).status_code == 401


def test_token_page_creates_shows_once_and_revokes(app, client, make_user, login):
    user = make_user()
    login(user)
    page = client.get("/account/api-tokens")
    assert page.status_code == 200
    response = client.post("/account/api-tokens", data={"name": "Finance sync"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    with app.app_context():
        token = db.session.scalars(sa.select(ApiToken)).one()
    raw = html.split('<code class="token">')[1].split("</code>")[0]
    assert raw.startswith(token.prefix)
    assert client.get("/api/v1/companies", headers=auth(raw)).status_code == 200
    again = client.get("/account/api-tokens").get_data(as_text=True)
    assert raw not in again and token.prefix in again and "Finance sync" in again

    response = client.post(f"/account/api-tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert client.get("/api/v1/companies", headers=auth(raw)).status_code == 401


def test_token_page_refuses_blank_name_and_others_tokens(app, client, make_user, login, bearer):
    owner, other = make_user(), make_user()
    bearer(owner)
    with app.app_context():
        token_id = db.session.scalars(sa.select(ApiToken.id)).one()
    login(other)
    response = client.post("/account/api-tokens", data={"name": "  "})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1
    assert client.post(f"/account/api-tokens/{token_id}/revoke").status_code == 404
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None


def test_token_page_needs_login(client):
    response = client.get("/account/api-tokens")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_preferences_page_links_to_tokens(client, make_user, login):
    login(make_user())
    assert "/account/api-tokens" in client.get("/account").get_data(as_text=True)


def test_cli_create_token_prints_it_once(app, runner, make_user, client):
    user = make_user(email="script@example.com")
    result = runner.invoke(args=["crm", "create-token", "script@example.com", "--name", "nightly report"])
    assert result.exit_code == 0, result.output
    raw = result.stdout.strip().splitlines()[-1]
    assert raw.startswith("crm_")
    assert client.get("/api/v1/companies", headers=auth(raw)).status_code == 200
    with app.app_context():
        token = db.session.scalars(sa.select(ApiToken)).one()
        assert token.name == "nightly report" and token.user_id == user.id


def test_cli_create_token_unknown_or_inactive_user(runner, make_user):
    make_user(email="gone@example.com", active=False)
    for email in ("nobody@example.com", "gone@example.com"):
        result = runner.invoke(args=["crm", "create-token", email])
        assert result.exit_code != 0
        assert "crm_" not in result.output


def test_api_needs_no_csrf_token_but_the_token_page_does(app, client, make_user, bearer, login, monkeypatch):
    """The API takes bearer tokens only, so it is CSRF-exempt; the UI's forms stay protected."""
    user = make_user()
    raw = bearer(user)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/api/v1/companies", json={"name_en": "X"}, headers=auth(raw)).status_code == 201
    login_response = client.post("/login", data={"email": user.email, "password": "correct horse battery"})
    assert login_response.status_code == 400  # the login form itself needs its CSRF token now
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    login(user)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/account/api-tokens", data={"name": "no csrf"}).status_code == 400


def test_api_responses_set_no_cookie(client, make_user, bearer):
    raw = bearer(make_user())
    for response in (client.get("/api/v1/companies", headers=auth(raw)), client.get("/api/v1/companies"),
                     client.post("/api/v1/companies", json={"name_en": "X"}, headers=auth(raw))):
        assert "Set-Cookie" not in response.headers
