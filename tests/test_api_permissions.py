"""The authorisation matrix: every operation × anonymous, rep (own record), rep (another
rep's record), manager, admin → the expected status. Same rules as the UI: the address
book is shared; another rep's deal or lead is a 404 (not 403), so ids do not leak."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crm.auth.models import User
from crm.extensions import db

ROLES = ("anonymous", "rep_own", "rep_other", "manager", "admin")

TERMS = {"territories": ["WW"], "media": ["svod"]}

# (method, url template, body, expected status per role in ROLES order)
OK_FOR_ALL = {
    "GET": (401, 200, 200, 200, 200),
    "POST": (401, 201, 201, 201, 201),
    "PATCH": (401, 200, 200, 200, 200),
    "DELETE": (401, 204, 204, 204, 204),
}
OWNED = {
    "GET": (401, 200, 404, 200, 200),
    "POST": (401, 200, 404, 200, 200),
    "POST201": (401, 201, 404, 201, 201),
    "PATCH": (401, 200, 404, 200, 200),
    "DELETE": (401, 204, 404, 204, 204),
}
ADMIN_ONLY = {
    "GET": (401, 403, 403, 403, 200),
    "POST": (401, 403, 403, 403, 201),
    "PATCH": (401, 403, 403, 403, 200),
    "DELETE": (401, 403, 403, 403, 204),
}
MATRIX = [
    ("GET", "/api/v1/companies", None, OK_FOR_ALL["GET"]),
    ("POST", "/api/v1/companies", {"name_zh": "浙江卫视"}, OK_FOR_ALL["POST"]),
    ("GET", "/api/v1/companies/{company}", None, OK_FOR_ALL["GET"]),
    ("PATCH", "/api/v1/companies/{company}", {"city": "Hangzhou"}, OK_FOR_ALL["PATCH"]),
    ("DELETE", "/api/v1/companies/{company}", None, OK_FOR_ALL["DELETE"]),
    ("GET", "/api/v1/contacts", None, OK_FOR_ALL["GET"]),
    ("POST", "/api/v1/contacts", {"name_en": "Ada"}, OK_FOR_ALL["POST"]),
    ("GET", "/api/v1/contacts/{contact}", None, OK_FOR_ALL["GET"]),
    ("PATCH", "/api/v1/contacts/{contact}", {"phone": "+86 571"}, OK_FOR_ALL["PATCH"]),
    ("DELETE", "/api/v1/contacts/{contact}", None, OK_FOR_ALL["DELETE"]),
    ("GET", "/api/v1/deals", None, OK_FOR_ALL["GET"]),
    ("POST", "/api/v1/deals", {"deal_type": "distribution", "name_en": "New", "company_id": "{company}",
                               "currency": "USD", "terms": TERMS}, OK_FOR_ALL["POST"]),
    ("POST", "/api/v1/deals", {"deal_type": "distribution", "name_en": "Given", "company_id": "{company}",
                               "currency": "USD", "terms": TERMS, "owner_id": "{owner}"},
     # owner_id is the "other" rep: the owner rep may not give a deal away; "other" names themselves.
     (401, 403, 201, 201, 201)),
    ("GET", "/api/v1/deals/{deal}", None, OWNED["GET"]),
    ("PATCH", "/api/v1/deals/{deal}", {"version": 1, "notes": "Screener sent"}, OWNED["PATCH"]),
    ("DELETE", "/api/v1/deals/{deal}", None, OWNED["DELETE"]),
    ("POST", "/api/v1/deals/{deal}/stage", {"stage": "offer", "version": 1}, OWNED["POST"]),
    ("GET", "/api/v1/deals/{deal}/history", None, OWNED["GET"]),
    ("GET", "/api/v1/leads", None, OK_FOR_ALL["GET"]),
    ("POST", "/api/v1/leads", {"company_id": "{company}"}, OK_FOR_ALL["POST"]),
    ("GET", "/api/v1/leads/{lead}", None, OWNED["GET"]),
    ("PATCH", "/api/v1/leads/{lead}", {"summary": "Formats"}, OWNED["PATCH"]),
    ("DELETE", "/api/v1/leads/{lead}", None, OWNED["DELETE"]),
    ("POST", "/api/v1/leads/{lead}/convert", {"currency": "CNY"}, OWNED["POST201"]),
    ("GET", "/api/v1/meetings", None, OK_FOR_ALL["GET"]),
    ("POST", "/api/v1/meetings", {"starts_at": "2017-05-24T10:00:00+08:00", "company_id": "{company}"},
     OK_FOR_ALL["POST"]),
    ("GET", "/api/v1/meetings/{meeting}", None, OWNED["GET"]),
    ("PATCH", "/api/v1/meetings/{meeting}", {"status": "held"}, OWNED["PATCH"]),
    ("DELETE", "/api/v1/meetings/{meeting}", None, OWNED["DELETE"]),
    ("GET", "/api/v1/exchange-rates", None, ADMIN_ONLY["GET"]),
    ("POST", "/api/v1/exchange-rates", {"base": "USD", "currency": "EUR", "rate_date": "2017-05-24",
                                        "rate": "0.8937"}, ADMIN_ONLY["POST"]),
    ("GET", "/api/v1/exchange-rates/{rate}", None, ADMIN_ONLY["GET"]),
    ("PATCH", "/api/v1/exchange-rates/{rate}", {"rate": "6.9"}, ADMIN_ONLY["PATCH"]),
    ("DELETE", "/api/v1/exchange-rates/{rate}", None, ADMIN_ONLY["DELETE"]),
    ("GET", "/api/v1/rights/availability?title_id={title}&territories=WW&media=svod", None, OK_FOR_ALL["GET"]),
    ("POST", "/api/v1/deals/{deal}/term-sheets", {"language": "en"}, OWNED["POST201"]),
    ("GET", "/api/v1/deals/{deal}/term-sheets", None, OWNED["GET"]),
    ("GET", "/api/v1/term-sheets/{sheet}/pdf", None, OWNED["GET"]),
    ("GET", "/api/v1/titles", None, OK_FOR_ALL["GET"]),
    ("POST", "/api/v1/titles", {"name_en": "Panda Rangers", "genre": "animation"}, OK_FOR_ALL["POST"]),
    ("GET", "/api/v1/titles/{title}", None, OK_FOR_ALL["GET"]),
    ("PATCH", "/api/v1/titles/{title}", {"year": 2017}, OK_FOR_ALL["PATCH"]),
    ("DELETE", "/api/v1/titles/{title}", None, OK_FOR_ALL["DELETE"]),
    ("GET", "/api/v1/events", None, OK_FOR_ALL["GET"]),
    ("POST", "/api/v1/events", {"name_en": "MIPCOM", "timezone": "Europe/Paris", "start_date": "2017-10-16",
                                "end_date": "2017-10-19"}, OK_FOR_ALL["POST"]),
    ("GET", "/api/v1/events/{event}", None, OK_FOR_ALL["GET"]),
    ("PATCH", "/api/v1/events/{event}", {"venue": "Palais"}, OK_FOR_ALL["PATCH"]),
    ("DELETE", "/api/v1/events/{event}", None, OK_FOR_ALL["DELETE"]),
    ("GET", "/api/v1/tasks", None, OK_FOR_ALL["GET"]),
    ("POST", "/api/v1/tasks", {"subject": "Call back"}, OK_FOR_ALL["POST"]),
    ("POST", "/api/v1/tasks", {"subject": "On the deal", "deal_id": "{deal}"}, (401, 201, 422, 201, 201)),
    ("GET", "/api/v1/tasks/{task}", None, OWNED["GET"]),
    ("PATCH", "/api/v1/tasks/{task}", {"done": True}, OWNED["PATCH"]),
    ("DELETE", "/api/v1/tasks/{task}", None, OWNED["DELETE"]),
    ("GET", "/api/v1/stages", None, OK_FOR_ALL["GET"]),
    ("GET", "/api/v1/stages/{stage}", None, OK_FOR_ALL["GET"]),
    ("GET", "/api/v1/pipeline/summary", None, OK_FOR_ALL["GET"]),
    ("GET", "/api/v1/notes?subject_type=deal&subject_id={deal}", None, OWNED["GET"]),
    ("POST", "/api/v1/notes", {"subject_type": "deal", "subject_id": "{deal}", "body": "Screener sent"},
     OWNED["POST201"]),
    ("POST", "/api/v1/notes", {"subject_type": "company", "subject_id": "{company}", "body": "Met"},
     OK_FOR_ALL["POST"]),
    ("PUT", "/api/v1/events/{event}/attendees/{company}", None, (401, 204, 204, 204, 204)),
    ("DELETE", "/api/v1/events/{event}/attendees/{company}", None, (401, 204, 204, 204, 204)),
    ("GET", "/api/v1/pipeline/summary?owner={owner}", None, (401, 403, 403, 200, 200)),
]


def _fill(value, ids):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.fixture
def world(app, make_user, make_company, stages):
    """An owner rep with a deal (with terms) and a lead; another rep; a manager; an admin; a token each."""
    from crm.api.tokens import create_token
    from crm.companies.models import Contact
    from crm.deals.services import create_deal_with_terms
    from crm.events.models import Event
    from crm.leads.services import create_lead
    from crm.meetings.services import create_meeting
    from crm.rates.models import ExchangeRate
    from crm.tasks.services import create_task
    from crm.termsheets.models import TermSheet
    from crm.titles.models import Title

    users = {role: make_user(role) for role in ("rep", "manager", "admin")}
    users["other"] = make_user("rep")
    company = make_company(name_en="Zhejiang Huamai")
    with app.app_context():
        owner = db.session.get(User, users["rep"].id)
        deal = create_deal_with_terms(owner, deal_type="distribution", terms=TERMS, values={
            "name_en": "Rainbow Chicks", "company_id": company.id, "currency": "EUR", "amount": Decimal("1000")})
        lead = create_lead(owner=owner, company_id=company.id, summary="Animation")
        contact = Contact(name_en="Ada", company_id=company.id)
        rate = ExchangeRate(base="USD", currency="CNY", rate_date=dt.date(2017, 5, 24), rate=Decimal("6.8852"))
        title = Title(name_en="Rainbow Chicks", genre="animation")
        event = Event(name_en="MIP China", timezone="Asia/Shanghai", start_date=dt.date(2017, 5, 23),
                      end_date=dt.date(2017, 5, 25))
        db.session.add_all([contact, rate, title, event])
        task = create_task(owner=owner, subject="Send screeners")
        meeting = create_meeting(owner, owner=owner, company_id=company.id,
                                 starts_at=dt.datetime(2017, 5, 23, 1, 30, tzinfo=dt.UTC))
        sheet = TermSheet(deal_id=deal.id, number=1, language="en", deal_version=deal.version, sha256="0" * 64,
                          size_bytes=4, content=b"%PDF")
        db.session.add(sheet)
        db.session.flush()
        tokens = {}
        for key, user in users.items():
            tokens[key] = create_token(db.session.get(User, user.id), "matrix")[1]
        db.session.commit()
        ids = {"company": company.id, "deal": deal.id, "lead": lead.id, "contact": contact.id,
               "meeting": meeting.id, "rate": rate.id, "title": title.id, "sheet": sheet.id,
               "event": event.id, "task": task.id,
               "stage": stages[("distribution", "lead")], "owner": users["other"].id}
    return ids, tokens


@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
@pytest.mark.parametrize(("method", "url", "body", "expected"), MATRIX,
                         ids=[f"{m} {u}" + (" (owner_id)" if b and "owner_id" in b else "") for m, u, b, _ in MATRIX])
def test_authorisation_matrix(client, world, method, url, body, expected, role_index):
    ids, tokens = world
    role = ROLES[role_index]
    token = {"anonymous": None, "rep_own": tokens["rep"], "rep_other": tokens["other"],
             "manager": tokens["manager"], "admin": tokens["admin"]}[role]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    kwargs = {"json": _fill(body, ids)} if body is not None else {}
    response = client.open(url.format(**ids), method=method, headers=headers, **kwargs)
    assert response.status_code == expected[role_index], (role, response.get_data(as_text=True))
    if response.status_code >= 400:
        assert response.is_json and response.get_json()["status"] == response.status_code


def test_lists_show_a_rep_only_their_own(client, world):
    ids, tokens = world

    def total(token, url):
        return client.get(url, headers={"Authorization": f"Bearer {token}"}).get_json()["total"]

    for url in ("/api/v1/deals", "/api/v1/leads", "/api/v1/meetings", "/api/v1/tasks"):
        assert total(tokens["rep"], url) == 1
        assert total(tokens["other"], url) == 0
        assert total(tokens["manager"], url) == 1
        assert total(tokens["admin"], url) == 1
    # A rep's owner filter is ignored: they still see only their own.
    assert total(tokens["other"], f"/api/v1/deals?owner_id={ids['owner']}") == 0


def test_the_matrix_covers_every_operation_of_the_spec(client):
    """A new API operation without a row above fails here."""
    import re

    spec = client.get("/api/v1/openapi.json").get_json()
    in_spec = {(method.upper(), re.sub(r"\{[^}]+\}", "{}", path))
               for path, operations in spec["paths"].items() for method in operations
               if method in ("get", "post", "patch", "put", "delete")}
    in_matrix = {(method, re.sub(r"\{[^}]+\}", "{}", url.split("?")[0])) for method, url, _b, _e in MATRIX}
    assert in_spec - in_matrix == set()
