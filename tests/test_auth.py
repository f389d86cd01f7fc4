"""Signing in and out: what a user (or an attacker) can observe."""

from __future__ import annotations

import re

import pytest

from crm.auth.models import User

PASSWORD = "correct horse battery"  # what the make_user fixture sets

INVALID = "Invalid email or password."


def _post_login(client, email, password, remember=False, query=""):
    return client.post(
        "/login" + query, data={"email": email, "password": password, "remember": "y" if remember else ""}
    )


def _session_cookie(client):
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_login_page_works_anonymously(client):
    response = client.get("/login")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="email"' in page and 'name="password"' in page


def test_login_goes_to_the_dashboard_with_the_users_name(client, make_user):
    user = make_user(name="Li Na")
    response = _post_login(client, user.email, PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Li Na" in page


def test_email_is_case_insensitive(client, make_user):
    user = make_user(email="li.na@example.com")
    assert _post_login(client, "Li.Na@Example.COM", PASSWORD).status_code == 302
    assert client.get("/").status_code == 200, user


def _failed_page(client, email, password):
    response = _post_login(client, email, password)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert INVALID in page
    page = page.replace(email, "EMAIL")  # the form echoes the email typed
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*', r"\1TOKEN", page)  # tokens carry a timestamp


def test_wrong_password_unknown_email_and_inactive_user_look_the_same(client, make_user):
    user = make_user()
    inactive = make_user(active=False)
    wrong_password = _failed_page(client, user.email, "not the password")
    unknown_email = _failed_page(client, "nobody@example.com", PASSWORD)
    inactive_user = _failed_page(client, inactive.email, PASSWORD)
    assert wrong_password == unknown_email == inactive_user
    assert client.get("/").status_code == 302  # still signed out


def test_deactivated_user_is_signed_out_on_next_request(client, ctx, make_user, login):
    user = make_user()
    login(user)
    assert client.get("/").status_code == 200
    with ctx() as session:
        session.get(User, user.id).active = False
        session.commit()
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_logout_is_post_only(client, make_user, login):
    login(make_user())
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200  # the GET did not sign anyone out


def test_logout_ends_the_session(client, make_user, login):
    login(make_user())
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_copied_session_cookie_dies_with_logout(app, client, make_user, login):
    login(make_user(name="Li Na"))
    stolen = _session_cookie(client)
    assert stolen

    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/").status_code == 200  # the copy works while the session lives

    client.post("/logout")

    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_logout_also_ends_the_remember_me_cookie(app, client, make_user, login):
    login(make_user(), remember=True)
    remembered = client.get_cookie("remember_token").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("remember_token", remembered)
    assert thief.get("/").status_code == 302


@pytest.mark.parametrize("remember", [True, False])
def test_remember_me_sets_a_cookie_only_when_asked(client, make_user, remember):
    user = make_user()
    _post_login(client, user.email, PASSWORD, remember=remember)
    assert (client.get_cookie("remember_token") is not None) is remember


def test_remember_me_cookie_signs_in_a_new_browser_session(app, client, make_user):
    user = make_user(name="Li Na")
    _post_login(client, user.email, PASSWORD, remember=True)
    fresh = app.test_client()  # the browser was closed: no session cookie, only the remember cookie
    fresh.set_cookie("remember_token", client.get_cookie("remember_token").value)
    response = fresh.get("/")
    assert response.status_code == 200
    assert "Li Na" in response.get_data(as_text=True)


def test_passwords_are_stored_as_argon2id(ctx, make_user):
    user = make_user(password="Rainbow Chicks 2017")
    with ctx() as session:
        stored = session.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$")
    assert "Rainbow Chicks 2017" not in stored


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/deals/", "/deals/"),
        ("/deals/pipeline?type=format", "/deals/pipeline?type=format"),
        ("https://evil.example", "/"),
        ("https://evil.example/login", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_login_redirects_only_to_safe_next(client, make_user, next_url, expected):
    from urllib.parse import urlencode

    user = make_user()
    response = _post_login(client, user.email, PASSWORD, query="?" + urlencode({"next": next_url}))
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_signed_in_user_visiting_login_goes_to_dashboard(client, make_user, login):
    login(make_user())
    response = client.get("/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_login_without_csrf_token_is_rejected(client, make_user, csrf_on):
    user = make_user()
    response = _post_login(client, user.email, PASSWORD)
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # not signed in


def test_login_with_csrf_token_is_accepted(client, make_user, csrf_on):
    user = make_user()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', page
    )
    assert token, page
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token[1]})
    assert response.status_code == 302
