"""Access control over the whole URL map (ASVS 8.2): every browser route × anonymous, the
owning rep, another rep, a manager and an admin. A route missing from RULES fails the
test, so a new page cannot ship without a stated rule. (The JSON API has its own matrix:
tests/test_api_permissions.py.)

Rules: PUBLIC — no sign-in; SIGNED_IN — any signed-in user (shared address book, own pages);
OWNED — records with an owner: another rep gets 404, as if it did not exist; PRIVATE — like
OWNED but managers and admins get 404 too (an upload is its uploader's alone); MANAGER — managers
and admins, reps get 403; ADMIN — admins only, others 403. Anonymous users are sent to sign in.
POST routes are only checked on their refusals (nothing is changed by a refused request).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from crm.extensions import db

PUBLIC, SIGNED_IN, OWNED, PRIVATE, MANAGER, ADMIN = "public", "signed_in", "owned", "private", "manager", "admin"
# Query arguments a route needs to find its record.
QUERY = {"deals.pipeline_column": lambda ids: {"type": "distribution", "stage": ids["stage_id"]}}
# The owner's GET is not checked: the fixture has no such record (an import never run has no result).
NO_RECORD = {"imports.result", "imports.result_report", "imports.preview_report"}

RULES = {
    "static": PUBLIC, "auth.login": PUBLIC, "main.set_language": PUBLIC, "health.healthz": PUBLIC,
    "auth.logout": SIGNED_IN, "auth.preferences": SIGNED_IN, "main.dashboard": SIGNED_IN,
    "developer.tokens": SIGNED_IN, "developer.revoke": OWNED,
    "dashboards.index": SIGNED_IN, "dashboards.export": SIGNED_IN, "search.index": SIGNED_IN,
    "rights.index": SIGNED_IN, "tasks.add_note": SIGNED_IN, "pickers.companies": SIGNED_IN,
    "pickers.titles": SIGNED_IN,
    # The shared address book: companies, contacts, titles, events.
    "companies.index": SIGNED_IN, "companies.detail": SIGNED_IN, "companies.create": SIGNED_IN,
    "companies.edit": SIGNED_IN, "companies.archive": SIGNED_IN, "companies.restore": SIGNED_IN,
    "companies.add_note": SIGNED_IN, "companies.export": SIGNED_IN, "companies.merge": MANAGER,
    "companies.delete": ADMIN,
    "contacts.index": SIGNED_IN, "contacts.detail": SIGNED_IN, "contacts.create": SIGNED_IN,
    "contacts.edit": SIGNED_IN, "contacts.archive": SIGNED_IN, "contacts.restore": SIGNED_IN,
    "contacts.add_note": SIGNED_IN, "contacts.export": SIGNED_IN, "contacts.delete": ADMIN,
    "titles.index": SIGNED_IN, "titles.detail": SIGNED_IN, "titles.create": SIGNED_IN, "titles.edit": SIGNED_IN,
    "titles.archive": SIGNED_IN, "titles.restore": SIGNED_IN, "titles.export": SIGNED_IN, "titles.delete": ADMIN,
    "events.index": SIGNED_IN, "events.detail": SIGNED_IN, "events.create": SIGNED_IN, "events.edit": SIGNED_IN,
    "events.archive": SIGNED_IN, "events.restore": SIGNED_IN, "events.add_company": SIGNED_IN,
    "events.remove_company": SIGNED_IN, "events.delete": ADMIN,
    # Owned records.
    "deals.index": SIGNED_IN, "deals.create": SIGNED_IN, "deals.pipeline": SIGNED_IN,
    "deals.pipeline_column": SIGNED_IN, "deals.forecast_page": SIGNED_IN,
    "deals.detail": OWNED, "deals.edit": OWNED, "deals.archive": OWNED, "deals.restore": OWNED, "deals.move": OWNED,
    "termsheets.create": OWNED, "termsheets.preview": OWNED, "termsheets.download": OWNED,
    "leads.index": SIGNED_IN, "leads.create": SIGNED_IN, "leads.export": SIGNED_IN,
    "leads.detail": OWNED, "leads.edit": OWNED, "leads.archive": OWNED, "leads.restore": OWNED,
    "leads.convert": OWNED, "leads.qualify": OWNED, "leads.disqualify": OWNED, "leads.requalify": OWNED,
    "leads.delete": ADMIN,
    "meetings.index": SIGNED_IN, "meetings.create": SIGNED_IN, "meetings.export": SIGNED_IN,
    "meetings.export_ics": SIGNED_IN, "meetings.company_contacts": SIGNED_IN,
    "meetings.detail": OWNED, "meetings.edit": OWNED, "meetings.archive": OWNED, "meetings.restore": OWNED,
    "meetings.add_note": OWNED, "meetings.outcome": OWNED, "meetings.delete": ADMIN,
    "tasks.index": SIGNED_IN, "tasks.create": SIGNED_IN,
    "tasks.edit": OWNED, "tasks.archive": OWNED, "tasks.restore": OWNED, "tasks.complete": OWNED,
    "tasks.reopen": OWNED,
    "imports.index": SIGNED_IN, "imports.upload": SIGNED_IN, "imports.template": SIGNED_IN,
    "imports.preview": PRIVATE, "imports.cancel": PRIVATE, "imports.preview_report": PRIVATE,
    "imports.result": PRIVATE, "imports.result_report": PRIVATE,
    # Administration.
    "admin.users": ADMIN, "admin.create": ADMIN, "admin.edit": ADMIN, "admin.audit": ADMIN,
    "admin.stages": ADMIN, "admin.stage_create": ADMIN, "admin.stage_edit": ADMIN, "admin.stage_delete": ADMIN,
    "admin.stage_move": ADMIN, "admin.rates": ADMIN, "admin.rate_create": ADMIN, "admin.rate_edit": ADMIN,
    "admin.rate_delete": ADMIN,
}


def _browser_rules(app):
    return [r for r in app.url_map.iter_rules() if not r.rule.startswith("/api/")]


def test_every_route_has_a_rule(app):
    endpoints = {r.endpoint for r in _browser_rules(app)}
    assert endpoints - RULES.keys() == set(), "new routes need an access rule in RULES"
    assert RULES.keys() - endpoints == set(), "RULES names routes that no longer exist"


@pytest.fixture
def world(app, client, make_user, make_company, make_deal, stages, login):
    """Rep A's records of every kind (and the admin's), plus the users who will ask for them."""
    from crm.api.tokens import create_token
    from crm.auth.models import User
    from crm.companies.models import Contact
    from crm.deals.models import Deal
    from crm.enums import Role
    from crm.events.models import Event
    from crm.leads.models import Lead
    from crm.meetings.models import Meeting
    from crm.rates.models import ExchangeRate
    from crm.tasks.models import Task
    from crm.termsheets.services import generate
    from crm.titles.models import Title

    owner, other = make_user("rep"), make_user("rep")
    manager, admin = make_user("manager"), make_user("admin")
    company = make_company(name_zh="上海星光影视")
    deal = make_deal(owner, company=company)
    ids = {"company_id": company.id, "deal_id": deal.id, "user_id": owner.id, "kind": "companies",
           "name": "stages", "fmt": "csv", "filename": "css/app.css", "stage_id": stages[("distribution", "lead")]}
    with app.test_request_context():
        start = dt.datetime(2017, 5, 24, 1, 0, tzinfo=dt.UTC)
        event = Event(name_en="MIP China", start_date=dt.date(2017, 5, 23), end_date=dt.date(2017, 5, 25),
                      timezone="Asia/Shanghai")
        title = Title(name_en="Panda Postman", genre="animation")
        db.session.add_all([event, title])
        db.session.flush()
        meeting = Meeting(owner_id=owner.id, company_id=company.id, event_id=event.id, starts_at=start,
                          location="Table 12")
        lead = Lead(owner_id=owner.id, company_id=company.id, event_id=event.id, summary="Panda Postman")
        task = Task(owner_id=owner.id, subject="Follow up", due_on=dt.date(2026, 12, 1))
        rate = ExchangeRate(base="USD", currency="CNY", rate_date=dt.date(2017, 5, 24), rate=Decimal("6.88"))
        contact = Contact(name_en="Ada", company_id=company.id)
        db.session.add_all([meeting, lead, task, rate, contact])
        db.session.flush()
        sheet = generate(db.session.get(Deal, deal.id), "en", db.session.get(User, owner.id))
        token, _raw = create_token(db.session.get(User, owner.id), "script")
        db.session.commit()
        ids.update(event_id=event.id, title_id=title.id, meeting_id=meeting.id, lead_id=lead.id, task_id=task.id,
                   rate_id=rate.id, sheet_id=sheet.id, token_id=token.id, contact_id=contact.id)
        assert Role(manager.role) == Role.MANAGER
    login(owner)
    csv = "name_en,name_zh\nStarlight,星光\n".encode()
    upload = client.post("/import/companies/", data={"file": (io.BytesIO(csv), "c.csv")},
                         content_type="multipart/form-data")
    assert upload.status_code == 302, upload.get_data(as_text=True)[:500]
    ids["token"] = upload.location.rstrip("/").split("/")[-1]
    client.post("/logout")
    return {"owner": owner, "other": other, "manager": manager, "admin": admin, "ids": ids}


def _url(app, rule, ids) -> str:
    with app.test_request_context():
        from flask import url_for

        query = QUERY[rule.endpoint](ids) if rule.endpoint in QUERY else {}
        return url_for(rule.endpoint, **{arg: ids[arg] for arg in rule.arguments}, **query)


def _as(client, login, user):
    client.post("/logout")
    if user is not None:
        login(user)


def test_access_matrix(app, client, login, world):
    ids = world["ids"]
    problems = []
    rules = sorted(_browser_rules(app), key=lambda r: r.rule)
    for who in ("anonymous", "other", "manager", "admin", "owner"):
        user = None if who == "anonymous" else world[who]
        for rule in rules:
            kind = RULES[rule.endpoint]
            url = _url(app, rule, ids)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                expected = _expected(kind, who, method)
                if rule.endpoint in NO_RECORD and who == "owner":
                    expected = None
                if expected is None:
                    continue  # an allowed POST is never sent: it would change the records under test
                _as(client, login, user)
                response = client.open(url, method=method, data={})
                status = response.status_code
                response.close()
                ok = status in expected if isinstance(expected, tuple) else expected(status, response)
                if not ok:
                    problems.append(f"{who:9} {method:4} {rule.rule} ({rule.endpoint}, {kind}) -> {status}")
    assert problems == [], "\n".join(problems)


def _to_login(status, response):
    return status == 302 and "/login" in response.location


def _expected(kind, who, method):
    """The statuses allowed for this kind of route, user and method (None: not checked)."""
    if kind == PUBLIC:
        return None if who != "anonymous" else (lambda s, r: s < 500 and not _to_login(s, r))
    if who == "anonymous":
        return _to_login
    denied = (kind == ADMIN and who != "admin") or (kind == MANAGER and who not in ("manager", "admin"))
    if denied:
        return (403,)
    if (kind == OWNED and who == "other") or (kind == PRIVATE and who != "owner"):
        return (404,)
    if method != "GET":
        return None  # allowed: not sent here (the feature tests exercise it)
    return (200, 302)  # owners, and managers and admins for every rep's records
