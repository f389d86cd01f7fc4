"""The audit log page: admins only, filters, escaping, export (itself audited), both languages."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from crm.extensions import db


def _entries(app, *specs):
    from crm.audit.models import AuditEntry

    with app.app_context():
        for action, user_id, at, changes in specs:
            db.session.add(AuditEntry(action=action, user_id=user_id, at=at, changes=changes, ip="203.0.113.9"))
        db.session.commit()


def test_only_admins_see_the_audit_log(client, make_user, login):
    login(make_user("manager"))
    assert client.get("/admin/audit").status_code == 403


def test_filters_and_escaping(app, client, make_user, login):
    admin, rep = make_user("admin"), make_user("rep")
    now = dt.datetime.now(dt.UTC)
    _entries(app, ("update", rep.id, now, {"name": '<script>alert(1)</script>'}),
             ("login_failed", None, now - dt.timedelta(days=3), {"email": "intruder@example.com"}))
    login(admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "Failed sign-in" in page and "intruder@example.com" in page
    only_rep = client.get(f"/admin/audit?user={rep.id}").get_data(as_text=True)
    assert "intruder@example.com" not in only_rep and "alert(1)" in only_rep
    failed = client.get("/admin/audit?action=login_failed").get_data(as_text=True)
    assert "intruder@example.com" in failed and "alert(1)" not in failed
    today = dt.date.today().isoformat()
    recent = client.get(f"/admin/audit?from={today}&to={today}").get_data(as_text=True)
    assert "intruder@example.com" not in recent


def test_export_neutralises_formulas_and_is_audited(app, client, make_user, login):
    from crm.audit.models import AuditEntry

    admin = make_user("admin")
    _entries(app, ("update", admin.id, dt.datetime.now(dt.UTC), {"name": "=HYPERLINK(\"http://x\")"}))
    login(admin)
    response = client.get("/admin/audit?fmt=csv&action=update")
    body = response.get_data().decode("utf-8-sig")
    assert response.mimetype == "text/csv" and "name: =HYPERLINK" in body
    assert ",=HYPERLINK" not in body  # a cell never starts with a formula
    with app.app_context():
        export = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "export")).one()
        assert export.changes["list"] == "audit" and export.user_id == admin.id


def test_audit_log_in_chinese(client, make_user, login):
    login(make_user("admin"))
    client.post("/language", data={"lang": "zh"})
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "审计日志" in page
