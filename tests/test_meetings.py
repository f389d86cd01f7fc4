"""Meetings: create/edit/archive in both languages, times entered on the event's
clock and stored as UTC, ownership, logging an outcome in one step (all or
nothing), the list's search/filters/sort/exports, and the .ics calendar."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from decimal import Decimal

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from crm.audit.models import AuditEntry
from crm.companies.models import Company, Contact
from crm.deals.models import Deal
from crm.enums import DealType, LeadSource, LeadStatus, MeetingStatus
from crm.events.models import Event
from crm.extensions import db
from crm.leads.models import Lead
from crm.meetings.models import Meeting
from crm.meetings.services import (
    DealRequest,
    LeadRequest,
    MeetingError,
    TaskRequest,
    local_to_utc,
    log_outcome,
)
from crm.tasks.models import Note, Task

UTC = dt.UTC
_n = itertools.count(1)


@pytest.fixture
def world(ctx, make_user):
    rep = make_user(name="Li Na", timezone="Europe/Paris")
    other = make_user(name="Tom Other")
    manager = make_user(role="manager", name="Mia Manager")
    admin = make_user(role="admin", name="Ada Admin")
    with ctx() as s:
        studio = Company(name_en="Hangzhou Thunder Animation", name_zh="杭州雷霆动画", country="CN")
        millimages = Company(name_en="Millimages", country="FR")
        wang = Contact(company=studio, name_en="Wang Lei", name_zh="王磊", email="wang@example.cn")
        zhao = Contact(company=studio, name_en="Zhao Min", name_zh="赵敏")
        anne = Contact(company=millimages, name_en="Anne Dupont")
        event = Event(name_en="MIP China 2017", name_zh="MIP中国国际内容峰会", city="Hangzhou", venue="Marriott",
                      timezone="Asia/Shanghai", start_date=dt.date(2017, 5, 23), end_date=dt.date(2017, 5, 25))
        s.add_all([studio, millimages, wang, zhao, anne, event])
        s.flush()
        mine = Meeting(event=event, owner_id=rep.id, company=studio, contacts=[wang], location="Table 12",
                       starts_at=dt.datetime(2017, 5, 23, 1, 30, tzinfo=UTC), notes="Wants 52 x 11'")
        theirs = Meeting(event=event, owner_id=other.id, company=millimages, location="Table 99",
                         starts_at=dt.datetime(2017, 5, 24, 2, 0, tzinfo=UTC))
        s.add_all([mine, theirs])
        s.commit()
        ids = {"studio": studio.id, "millimages": millimages.id, "wang": wang.id, "zhao": zhao.id, "anne": anne.id,
               "event": event.id, "meeting": mine.id, "their_meeting": theirs.id}
    return {"rep": rep, "other": other, "manager": manager, "admin": admin, **ids}


def _form(world, **overrides):
    data = {
        "event_id": str(world["event"]), "company_id": str(world["studio"]), "contact_ids": [str(world["wang"])],
        "user_ids": [str(world["rep"].id)], "start_date": "2017-05-24", "start_time": "09:30",
        "duration_minutes": "30", "location": "Table 5", "status": "scheduled", "notes": "First pitch",
        "interest_level": "3", "next_step": "Send catalogue", "follow_up_date": "2017-06-01",
    }
    data.update(overrides)
    return data


def _newest_meeting(s) -> Meeting:
    return s.scalars(sa.select(Meeting).order_by(Meeting.id.desc()).limit(1)).one()


# --- create / edit / archive -------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_create_edit_archive_restore_a_meeting(client, login, world, ctx, lang):
    login(world["rep"])
    client.post("/language", data={"lang": lang})
    form = client.get(f"/meetings/new?event={world['event']}&company={world['studio']}").get_data(as_text=True)
    assert "王磊" in form and "Asia/Shanghai" in form
    response = client.post("/meetings/new", data=_form(world))
    assert response.status_code == 302, response.get_data(as_text=True)
    with ctx() as s:
        meeting = _newest_meeting(s)
        meeting_id = meeting.id
        assert meeting.starts_at == dt.datetime(2017, 5, 24, 1, 30, tzinfo=UTC)  # 09:30 in Hangzhou
        assert meeting.owner_id == world["rep"].id and [c.id for c in meeting.contacts] == [world["wang"]]
        assert (meeting.location, meeting.interest_level, meeting.follow_up_date) == ("Table 5", 3, dt.date(2017, 6, 1))
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert ("杭州雷霆动画" if lang == "zh" else "Hangzhou Thunder Animation") in page and "Send catalogue" in page

    edit = client.get(f"/meetings/{meeting_id}/edit").get_data(as_text=True)
    assert 'value="09:30"' in edit and 'value="2017-05-24"' in edit  # back on the event's clock
    data = _form(world, start_time="10:15", contact_ids=[str(world["wang"]), str(world["zhao"])], status="held")
    assert client.post(f"/meetings/{meeting_id}/edit", data=data).status_code == 302
    with ctx() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting.starts_at == dt.datetime(2017, 5, 24, 2, 15, tzinfo=UTC)
        assert meeting.status == MeetingStatus.HELD and len(meeting.contacts) == 2
        audit = s.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "meetings",
                                                      AuditEntry.entity_id == meeting_id)).all()
        assert [a.action for a in audit] == ["create", "update"]
        assert "starts_at" in audit[1].changes and "contact_ids" in audit[1].changes

    assert client.post(f"/meetings/{meeting_id}/archive").status_code == 302
    assert "Table 5" not in client.get("/meetings/").get_data(as_text=True)
    assert client.post(f"/meetings/{meeting_id}/restore").status_code == 302
    assert "Table 5" in client.get("/meetings/").get_data(as_text=True)


def test_without_an_event_the_time_is_on_the_users_clock(client, login, world, ctx):
    login(world["rep"])  # Europe/Paris: UTC+2 in June
    page = client.get("/meetings/new").get_data(as_text=True)
    assert "your time zone: Europe/Paris" in page
    response = client.post("/meetings/new", data=_form(world, event_id="", start_date="2024-06-10"))
    assert response.status_code == 302
    with ctx() as s:
        assert _newest_meeting(s).starts_at == dt.datetime(2024, 6, 10, 7, 30, tzinfo=UTC)


def test_local_to_utc():
    from zoneinfo import ZoneInfo

    assert local_to_utc(dt.date(2017, 5, 23), dt.time(9, 30), ZoneInfo("Asia/Shanghai")) == \
        dt.datetime(2017, 5, 23, 1, 30, tzinfo=UTC)


def test_the_event_schedule_shows_the_time_entered(client, login, world):
    login(world["rep"])
    client.post("/meetings/new", data=_form(world, start_time="14:45", location="Table 31"))
    page = client.get(f"/events/{world['event']}?view=list").get_data(as_text=True)
    assert "2:45\u202fPM" in page and "Table 31" in page


def test_bad_input_keeps_what_was_typed(client, login, world, ctx):
    login(world["rep"])
    data = _form(world, company_id="", start_time="25:99", duration_minutes="0", location="Table 77",
                 notes="Typed notes 笔记")
    response = client.post("/meetings/new", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choose the company you are meeting." in page
    assert "Enter a time as HH:MM, e.g. 09:30." in page
    assert "Enter a duration between 1 and 1440 minutes." in page
    assert 'value="Table 77"' in page and "Typed notes 笔记" in page and 'value="25:99"' in page
    with ctx() as s:
        assert s.scalar(sa.select(sa.func.count(Meeting.id))) == 2


def test_contacts_must_work_at_the_meetings_company(client, login, world, ctx):
    login(world["rep"])
    response = client.post("/meetings/new", data=_form(world, contact_ids=[str(world["anne"])]))
    assert response.status_code == 400
    assert "has-error" in response.get_data(as_text=True)
    with ctx() as s:
        assert s.scalar(sa.select(sa.func.count(Meeting.id))) == 2


def test_a_rep_owns_what_they_create_and_a_manager_chooses_the_owner(client, login, world, ctx):
    login(world["rep"])
    client.post("/meetings/new", data=_form(world, owner_id=str(world["other"].id)))
    with ctx() as s:
        meeting = _newest_meeting(s)
        assert meeting.owner_id == world["rep"].id
    client.post("/logout")
    login(world["manager"])
    assert 'name="owner_id"' in client.get("/meetings/new").get_data(as_text=True)
    client.post("/meetings/new", data=_form(world, owner_id=str(world["other"].id), user_ids=[]))
    with ctx() as s:
        meeting = _newest_meeting(s)
        assert meeting.owner_id == world["other"].id
        assert [u.id for u in meeting.users] == [world["other"].id]  # the owner is always on the team


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/meetings/{id}"), ("get", "/meetings/{id}/edit"), ("post", "/meetings/{id}/edit"),
    ("get", "/meetings/{id}/outcome"), ("post", "/meetings/{id}/outcome"), ("post", "/meetings/{id}/notes"),
    ("post", "/meetings/{id}/archive"), ("post", "/meetings/{id}/restore"),
])
def test_a_rep_cannot_touch_another_reps_meeting(client, login, world, ctx, method, url):
    login(world["rep"])
    response = getattr(client, method)(url.format(id=world["their_meeting"]),
                                       data={"status": "held", "body": "hi", "create_lead": "y"})
    assert response.status_code == 404
    with ctx() as s:
        meeting = s.get(Meeting, world["their_meeting"])
        assert meeting.status == MeetingStatus.SCHEDULED and meeting.archived_at is None
        assert s.scalar(sa.select(sa.func.count(Lead.id))) == 0


def test_a_manager_edits_everyones_meetings(client, login, world):
    login(world["manager"])
    assert client.get(f"/meetings/{world['their_meeting']}/edit").status_code == 200


def test_add_a_note_shows_on_the_timeline(client, login, world, ctx):
    login(world["rep"])
    response = client.post(f"/meetings/{world['meeting']}/notes", data={"body": "Screener sent 已发样片"})
    assert response.status_code == 302
    page = client.get(f"/meetings/{world['meeting']}").get_data(as_text=True)
    assert "Screener sent 已发样片" in page
    response = client.post(f"/meetings/{world['meeting']}/notes", data={"body": "  "})
    assert response.status_code == 400 and "Write the note first." in response.get_data(as_text=True)
    with ctx() as s:
        assert s.scalar(sa.select(sa.func.count(Note.id))) == 1


def test_admin_delete_is_refused_while_records_depend_on_the_meeting(client, login, world, ctx):
    login(world["rep"])
    assert client.get(f"/meetings/{world['meeting']}/delete").status_code == 403
    client.post(f"/meetings/{world['meeting']}/notes", data={"body": "A note"})
    client.post("/logout")
    login(world["admin"])
    page = client.get(f"/meetings/{world['meeting']}/delete").get_data(as_text=True)
    assert "cannot be deleted" in page and "1 note" in page
    assert client.post(f"/meetings/{world['meeting']}/delete").status_code == 409
    assert client.post(f"/meetings/{world['their_meeting']}/delete").status_code == 302
    with ctx() as s:
        assert s.get(Meeting, world["meeting"]) is not None and s.get(Meeting, world["their_meeting"]) is None


# --- outcome -----------------------------------------------------------------------------

def test_log_outcome_creates_a_linked_lead_deal_and_task(app, world, stages):
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        user = db.session.get(type(meeting.owner), world["rep"].id)
        result = log_outcome(
            meeting, user, status="held", notes="Loved the pilot", interest_level=5, next_step="Send contract",
            follow_up_date=dt.date(2017, 6, 1),
            lead=LeadRequest(DealType.DISTRIBUTION, "Global distribution of Rainbow Chicks"),
            deal=DealRequest(DealType.DISTRIBUTION, Decimal("250000.00"), "eur"),
            task=TaskRequest("Send the contract draft", dt.date(2017, 6, 2)),
        )
        db.session.commit()
        lead, deal, task = result.lead, result.deal, result.task
        assert meeting.status == MeetingStatus.HELD and meeting.interest_level == 5
        assert (lead.company_id, lead.contact_id, lead.event_id, lead.meeting_id) == (
            world["studio"], world["wang"], world["event"], world["meeting"])
        assert lead.source == LeadSource.MEETING and lead.status == LeadStatus.CONVERTED
        assert lead.summary == "Global distribution of Rainbow Chicks" and lead.owner_id == world["rep"].id
        assert (deal.lead_id, deal.company_id, deal.event_id, deal.meeting_id) == (
            lead.id, world["studio"], world["event"], world["meeting"])
        assert [c.id for c in deal.contacts] == [world["wang"]]
        assert (deal.amount, deal.currency, deal.deal_type) == (Decimal("250000.00"), "EUR", DealType.DISTRIBUTION)
        assert (task.deal_id, task.subject, task.due_on, task.owner_id) == (
            deal.id, "Send the contract draft", dt.date(2017, 6, 2), world["rep"].id)
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "outcome"))
        assert entry.changes["deal_id"] == deal.id and entry.changes["status"] == ["scheduled", "held"]


def test_log_outcome_alone_and_with_a_task_on_the_meeting(app, world):
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        result = log_outcome(meeting, meeting.owner, status="no_show", task=TaskRequest("Reschedule", None))
        db.session.commit()
        assert result.lead is None and result.deal is None
        assert result.task.meeting_id == meeting.id and meeting.status == MeetingStatus.NO_SHOW


@pytest.mark.parametrize("bad", [
    {"status": "scheduled"},
    {"interest_level": 9},
    {"deal": DealRequest(DealType.DISTRIBUTION, Decimal("-1"), "USD")},
    {"deal": DealRequest(DealType.DISTRIBUTION, Decimal("10"), "XYZ")},
    {"deal": DealRequest(None, Decimal("10"), "USD")},
    {"task": TaskRequest("   ", None)},
])
def test_log_outcome_is_all_or_nothing(app, world, stages, bad):
    args = {"status": "held", "notes": "Changed notes", "lead": LeadRequest(None, "Lead"),
            "deal": DealRequest(DealType.FORMAT, Decimal("10"), "USD"), "task": TaskRequest("Call back", None)} | bad
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        with pytest.raises(MeetingError):
            log_outcome(meeting, meeting.owner, **args)
        db.session.commit()
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        assert meeting.status == MeetingStatus.SCHEDULED and meeting.notes == "Wants 52 x 11'"
        for model in (Lead, Deal, Task):
            assert db.session.scalar(sa.select(sa.func.count(model.id))) == 0


def test_outcome_form_from_the_schedule(client, login, world, ctx, stages):
    login(world["rep"])
    back = f"/events/{world['event']}?view=grid"
    form = client.get(f"/meetings/{world['meeting']}/outcome?next={back}").get_data(as_text=True)
    assert "Wants 52 x 11" in form and "Create a deal" in form
    response = client.post(f"/meetings/{world['meeting']}/outcome", data={
        "next": back, "status": "held", "notes": "Great", "interest_level": "4", "next_step": "Screeners",
        "follow_up_date": "", "lead_deal_type": "", "lead_summary": "",
        "create_deal": "y", "deal_type": "distribution", "deal_amount": "120000.50", "deal_currency": "CNY",
        "create_task": "y", "task_subject": "Send screeners", "task_due_on": "2017-06-05",
    })
    assert response.status_code == 302 and response.headers["Location"] == back
    with ctx() as s:
        deal = s.scalars(sa.select(Deal)).one()
        assert (deal.amount, deal.currency, deal.meeting_id) == (Decimal("120000.50"), "CNY", world["meeting"])
        assert s.scalars(sa.select(Task)).one().deal_id == deal.id
        assert s.get(Meeting, world["meeting"]).interest_level == 4
    grid = client.get(back).get_data(as_text=True)
    assert "Held" in grid


def test_outcome_form_errors_keep_everything_typed(client, login, world, ctx, stages):
    login(world["rep"])
    response = client.post(f"/meetings/{world['meeting']}/outcome", data={
        "status": "held", "notes": "Typed 笔记", "next_step": "Typed step", "create_lead": "y",
        "lead_summary": "Typed summary", "create_deal": "y", "deal_type": "format", "deal_amount": "12abc",
        "deal_currency": "USD", "create_task": "y", "task_subject": "", "next": "https://evil.example/",
    })
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter an amount such as 250000 or 250000.50." in page
    assert "Typed 笔记" in page and 'value="Typed step"' in page and 'value="Typed summary"' in page
    assert 'value="12abc"' in page and "evil.example" not in page
    # The amount is fixed but the task subject is still missing: the service refuses, nothing is saved.
    response = client.post(f"/meetings/{world['meeting']}/outcome", data={
        "status": "held", "notes": "Typed 笔记", "create_deal": "y", "deal_type": "format", "deal_amount": "12",
        "deal_currency": "USD", "create_task": "y", "task_subject": "",
    })
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter what needs doing." in page and "Typed 笔记" in page
    with ctx() as s:
        assert s.get(Meeting, world["meeting"]).status == MeetingStatus.SCHEDULED
        assert s.scalar(sa.select(sa.func.count(Lead.id))) == 0


# --- list, exports, calendar ------------------------------------------------------------

def _add_meetings(ctx, owner_id, count, event_id=None):
    with ctx() as s:
        for _ in range(count):
            n = next(_n)
            company = Company(name_en=f"Studio {n}", name_zh=f"工作室{n}")
            contact = Contact(company=company, name_en=f"Person {n}")
            s.add(Meeting(owner_id=owner_id, company=company, contacts=[contact], event_id=event_id,
                          starts_at=dt.datetime(2024, 4, 1, 8, n % 60, tzinfo=UTC), location=f"Room {n}"))
        s.commit()


def test_list_search_filters_and_sort(client, login, world, ctx):
    login(world["manager"])
    page = client.get("/meetings/?q=雷霆").get_data(as_text=True)
    assert "Table 12" in page and "Table 99" not in page
    page = client.get("/meetings/?q=millim").get_data(as_text=True)
    assert "Table 99" in page and "Table 12" not in page
    page = client.get(f"/meetings/?owner={world['other'].id}").get_data(as_text=True)
    assert "Table 99" in page and "Table 12" not in page
    page = client.get("/meetings/?from=2017-05-24&to=2017-05-24").get_data(as_text=True)
    assert "Table 99" in page and "Table 12" not in page
    page = client.get("/meetings/?sort=company").get_data(as_text=True)
    assert page.index("Table 12") < page.index("Table 99")  # Hangzhou… before Millimages
    page = client.get("/meetings/?sort=-company").get_data(as_text=True)
    assert page.index("Table 99") < page.index("Table 12")
    page = client.get("/meetings/?sort=start").get_data(as_text=True)
    assert page.index("Table 12") < page.index("Table 99")
    assert client.get("/meetings/?sort=bogus&from=nonsense").status_code == 200


def test_a_rep_cannot_filter_to_someone_elses_meetings(client, login, world):
    login(world["rep"])
    page = client.get(f"/meetings/?owner={world['other'].id}").get_data(as_text=True)
    assert "Table 99" not in page and "Table 12" in page


def test_csv_and_xlsx_export_exactly_the_filtered_list(client, login, world):
    login(world["manager"])
    response = client.get("/meetings/export.csv?q=millim")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Start" and len(rows) == 2 and rows[1][3] == "Millimages" and rows[1][6] == "Table 99"
    response = client.get("/meetings/export.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    assert client.get("/meetings/export.pdf").status_code == 404


def test_rep_export_has_only_their_meetings(client, login, world):
    login(world["rep"])
    text = client.get("/meetings/export.csv").get_data(as_text=True)
    assert "Table 12" in text and "Table 99" not in text


def test_ics_export_parses_with_utc_times_and_only_the_users_meetings(client, login, world, ctx):
    with ctx() as s:
        s.add(Meeting(owner_id=world["rep"].id, company_id=world["millimages"], status=MeetingStatus.CANCELLED,
                      starts_at=dt.datetime(2017, 6, 1, 12, 0, tzinfo=UTC), duration_minutes=45))
        s.commit()
    login(world["rep"])
    client.post("/language", data={"lang": "zh"})
    response = client.get("/meetings/export.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    cal = Calendar.from_ical(response.data)
    events = sorted(cal.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    assert len(events) == 2  # not the other rep's meeting
    first, cancelled = events
    assert first.decoded("dtstart") == dt.datetime(2017, 5, 23, 1, 30, tzinfo=UTC)
    assert first.decoded("dtend") == dt.datetime(2017, 5, 23, 2, 0, tzinfo=UTC)
    assert "杭州雷霆动画" in str(first["summary"])  # the company in the user's language
    assert str(first["uid"]) == f"meeting-{world['meeting']}@localhost"
    assert "Marriott" in str(first["location"]) and "Table 12" in str(first["location"])
    assert "Wants 52 x 11'" in str(first["description"])
    assert str(cancelled["status"]) == "CANCELLED" and str(first["status"]) == "CONFIRMED"
    assert cancelled.decoded("dtend") - cancelled.decoded("dtstart") == dt.timedelta(minutes=45)
    # The list's filters apply, and UIDs are stable between downloads.
    again = Calendar.from_ical(client.get("/meetings/export.ics?status=cancelled").data)
    assert [str(e["uid"]) for e in again.walk("VEVENT")] == [str(cancelled["uid"])]


def test_event_page_and_list_link_to_the_calendar(client, login, world):
    login(world["rep"])
    assert "/meetings/export.ics" in client.get("/meetings/").get_data(as_text=True)
    assert f"/meetings/export.ics?event={world['event']}" in client.get(f"/events/{world['event']}").get_data(
        as_text=True)


@pytest.mark.parametrize("url", ["/meetings/", "/meetings/?sort=company&q=Studio", "/meetings/export.csv",
                                 "/meetings/export.ics"])
def test_list_and_exports_use_a_fixed_number_of_queries(client, login, make_user, ctx, count_queries, url):
    rep = make_user()
    login(rep)
    _add_meetings(ctx, rep.id, 2)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _add_meetings(ctx, rep.id, 10)
    with count_queries() as many:
        response = client.get(url)
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("Studio ") >= 12
    assert many.count == few.count, many.statements


def test_contacts_json_lists_the_companys_contacts(client, login, world):
    login(world["rep"])
    rows = client.get(f"/meetings/contacts.json?company={world['studio']}").get_json()
    assert {r["id"] for r in rows} == {world["wang"], world["zhao"]}
    assert client.get("/meetings/contacts.json?company=abc").get_json() == []
