"""Notes and event attendees over the API: the same visibility rules as the UI."""

from __future__ import annotations

import datetime as dt

import pytest

from crm.extensions import db


@pytest.fixture
def api(app, make_user, make_company, make_deal):
    from crm.api.tokens import create_token
    from crm.auth.models import User
    from crm.events.models import Event

    owner, other = make_user("rep"), make_user("rep")
    company = make_company(name_zh="浙江卫视")
    deal = make_deal(owner, company=company)
    with app.app_context():
        event = Event(name_en="MIP China", timezone="Asia/Shanghai", start_date=dt.date(2017, 5, 23),
                      end_date=dt.date(2017, 5, 25))
        db.session.add(event)
        tokens = {n: create_token(db.session.get(User, u.id), "t")[1] for n, u in (("owner", owner), ("other", other))}
        db.session.commit()
        event_id = event.id

    def call(who, method, url, **kwargs):
        return getattr(app.test_client(), method)(url, headers={"Authorization": f"Bearer {tokens[who]}"}, **kwargs)

    return call, {"deal": deal.id, "company": company.id, "event": event_id}


def test_notes_on_own_deal_and_shared_company(api):
    call, ids = api
    created = call("owner", "post", "/api/v1/notes",
                   json={"subject_type": "deal", "subject_id": ids["deal"], "body": "样片已寄出 Screener sent"})
    assert created.status_code == 201 and created.get_json()["subject_type"] == "deal"
    listed = call("owner", "get", f"/api/v1/notes?subject_type=deal&subject_id={ids['deal']}").get_json()
    assert [n["body"] for n in listed["items"]] == ["样片已寄出 Screener sent"] and listed["total"] == 1
    shared = call("other", "post", "/api/v1/notes",
                  json={"subject_type": "company", "subject_id": ids["company"], "body": "Met at MIP China"})
    assert shared.status_code == 201  # the address book is shared


def test_another_reps_deal_is_404_for_notes(api):
    call, ids = api
    assert call("other", "get", f"/api/v1/notes?subject_type=deal&subject_id={ids['deal']}").status_code == 404
    posted = call("other", "post", "/api/v1/notes",
                  json={"subject_type": "deal", "subject_id": ids["deal"], "body": "x"})
    assert posted.status_code == 404 and posted.is_json


def test_empty_note_is_422(api):
    call, ids = api
    response = call("owner", "post", "/api/v1/notes",
                    json={"subject_type": "company", "subject_id": ids["company"], "body": "   "})
    assert response.status_code == 422 and "body" in response.get_json()["errors"]


def test_attendees_put_and_delete_are_idempotent(api):
    call, ids = api
    url = f"/api/v1/events/{ids['event']}/attendees/{ids['company']}"
    assert call("owner", "put", url).status_code == 204
    assert call("owner", "put", url).status_code == 204
    assert call("owner", "get", f"/api/v1/events/{ids['event']}").get_json()["company_ids"] == [ids["company"]]
    assert call("other", "delete", url).status_code == 204
    assert call("owner", "get", f"/api/v1/events/{ids['event']}").get_json()["company_ids"] == []
    assert call("owner", "put", f"/api/v1/events/{ids['event']}/attendees/999999").status_code == 404
