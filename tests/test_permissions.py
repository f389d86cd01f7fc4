"""Reps see their own deals; managers and admins see everyone's; anonymous users see nothing."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from werkzeug.exceptions import NotFound

from crm import create_app
from crm.auth.models import User
from crm.deals.models import Deal
from crm.extensions import db
from crm.permissions import get_visible_or_404, role_required, visible

PASSWORD = "correct horse battery"  # what the make_user fixture sets


@pytest.fixture
def team(make_user, make_deal):
    alice = make_user(name="Alice Rep")
    bob = make_user(name="Bob Rep")
    return SimpleNamespace(
        alice=alice,
        bob=bob,
        manager=make_user(role="manager", name="Mia Manager"),
        admin=make_user(role="admin", name="Ada Admin"),
        alice_deal=make_deal(alice, name_en="Rainbow Chicks — France"),
        bob_deal=make_deal(bob, name_en="Running Man format — Korea"),
    )


def test_rep_gets_404_for_another_reps_deal(client, login, team):
    login(team.alice)
    assert client.get(f"/deals/{team.alice_deal.id}").status_code == 200
    assert client.get(f"/deals/{team.bob_deal.id}").status_code == 404


def test_other_reps_deal_and_missing_deal_look_the_same(client, login, team):
    login(team.alice)
    other = client.get(f"/deals/{team.bob_deal.id}")
    missing = client.get("/deals/999999")
    assert other.status_code == missing.status_code == 404
    # Identical apart from the URL itself (echoed in the language switch's "next")
    # and the CSRF tokens (which carry a timestamp).
    assert _normalise(other, f"/deals/{team.bob_deal.id}") == _normalise(missing, "/deals/999999")


def _normalise(response, url: str) -> str:
    page = response.get_data(as_text=True).replace(url, "URL")
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*', r"\1TOKEN", page)


@pytest.mark.parametrize("who", ["manager", "admin"])
def test_managers_and_admins_see_every_deal(client, login, team, who):
    login(getattr(team, who))
    assert client.get(f"/deals/{team.alice_deal.id}").status_code == 200
    assert client.get(f"/deals/{team.bob_deal.id}").status_code == 200


@pytest.mark.parametrize("url", ["/deals/", "/deals/pipeline", "/"])
def test_rep_lists_show_only_their_own_deals(client, login, team, url):
    login(team.alice)
    page = client.get(url).get_data(as_text=True)
    assert "Rainbow Chicks — France" in page
    assert "Running Man format — Korea" not in page


@pytest.mark.parametrize("url", ["/deals/", "/deals/pipeline", "/"])
def test_manager_lists_show_every_deal(client, login, team, url):
    login(team.manager)
    page = client.get(url).get_data(as_text=True)
    assert "Rainbow Chicks — France" in page
    assert "Running Man format — Korea" in page


@pytest.mark.parametrize("url", ["/", "/deals/", "/deals/{id}", "/deals/pipeline", "/account"])
def test_anonymous_users_are_sent_to_login(client, team, url):
    response = client.get(url.format(id=team.alice_deal.id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_scope_and_get_visible_or_404(app, team):
    with app.test_request_context():
        alice = db.session.get(User, team.alice.id)
        manager = db.session.get(User, team.manager.id)

        assert db.session.scalars(visible(Deal, alice)).all() == [db.session.get(Deal, team.alice_deal.id)]
        assert {d.id for d in db.session.scalars(visible(Deal, manager))} == {team.alice_deal.id, team.bob_deal.id}

        assert get_visible_or_404(Deal, team.alice_deal.id, alice).id == team.alice_deal.id
        with pytest.raises(NotFound):
            get_visible_or_404(Deal, team.bob_deal.id, alice)
        assert get_visible_or_404(Deal, team.bob_deal.id, manager).id == team.bob_deal.id
        with pytest.raises(NotFound):
            get_visible_or_404(Deal, 999999, manager)
        db.session.remove()


@pytest.fixture
def admin_only_app(database_url, app):
    """A fresh app on the test database with one route only admins may open."""
    fresh = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False})

    @fresh.route("/_test/admin-only")
    @role_required("admin")
    def admin_only():
        return "admin area"

    yield fresh
    with fresh.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(("who", "status"), [("alice", 403), ("manager", 403), ("admin", 200)])
def test_role_required(admin_only_app, team, who, status):
    client = admin_only_app.test_client()
    user = getattr(team, who)
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    response = client.get("/_test/admin-only")
    assert response.status_code == status
    page = response.get_data(as_text=True)
    if status == 200:
        assert page == "admin area"
    else:
        assert "admin area" not in page
        assert "<html" in page  # the styled error page, not a bare response


def test_role_required_sends_anonymous_users_to_login(admin_only_app):
    response = admin_only_app.test_client().get("/_test/admin-only")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_role_required_accepts_several_roles(database_url, app, team):
    fresh = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False})

    @fresh.route("/_test/managers")
    @role_required("manager", "admin")
    def managers():
        return "managers"

    try:
        for user, status in [(team.alice, 403), (team.manager, 200), (team.admin, 200)]:
            client = fresh.test_client()
            client.post("/login", data={"email": user.email, "password": PASSWORD})
            assert client.get("/_test/managers").status_code == status, user.name
    finally:
        with fresh.app_context():
            db.engine.dispose()
