import sqlalchemy as sa

from crm.auth.models import User


def test_only_admins_manage_users(client, make_user, login):
    for role in ("rep", "manager"):
        client.post("/logout")
        login(make_user(role))
        assert client.get("/admin/users").status_code == 403
        assert client.post("/admin/users/new", data={}).status_code == 403
    client.post("/logout")
    assert client.get("/admin/users").status_code == 302  # anonymous: to the login page


def test_admin_creates_a_user_who_can_sign_in(app, client, make_user, login, ctx):
    login(make_user("admin"))
    response = client.post(
        "/admin/users/new",
        data={
            "email": "New.Rep@Example.com", "name": "陈静", "role": "rep", "active": "y", "password": "west lake 2017",
        },
    )
    assert response.status_code == 302
    with ctx() as session:
        user = session.scalar(sa.select(User).where(User.email == "new.rep@example.com"))
        assert user.name == "陈静" and user.role.value == "rep"
    other = app.test_client()
    ok = other.post("/login", data={"email": "new.rep@example.com", "password": "west lake 2017"})
    assert ok.status_code == 302


def test_invalid_new_user_keeps_what_was_typed(client, make_user, login):
    login(make_user("admin"))
    page = client.post(
        "/admin/users/new", data={"email": "not-an-email", "name": "Zhang San 张三", "role": "manager", "password": "x"}
    ).get_data(as_text=True)
    assert "Enter a valid email address." in page
    assert 'value="Zhang San 张三"' in page
    assert '<option selected value="manager">' in page


def test_deactivating_a_user_ends_their_session_at_once(app, client, make_user, login, ctx):
    rep = make_user("rep")
    rep_client = app.test_client()
    assert rep_client.post("/login", data={"email": rep.email, "password": "correct horse battery"}).status_code == 302
    assert rep_client.get("/").status_code == 200

    login(make_user("admin"))
    response = client.post(
        f"/admin/users/{rep.id}", data={"email": rep.email, "name": rep.name, "role": "rep", "active": ""}
    )
    assert response.status_code == 302
    assert rep_client.get("/").status_code == 302  # signed out
    again = rep_client.post("/login", data={"email": rep.email, "password": "correct horse battery"})
    assert again.status_code == 200  # refused: inactive


def test_admin_cannot_remove_their_own_admin_role(client, make_user, login, ctx):
    admin = make_user("admin")
    login(admin)
    page = client.post(
        f"/admin/users/{admin.id}", data={"email": admin.email, "name": admin.name, "role": "rep", "active": "y"}
    )
    assert page.status_code == 200
    with ctx() as session:
        assert session.get(User, admin.id).role.value == "admin"
