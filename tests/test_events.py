"""Events: create/edit/archive/delete in both languages, validation that keeps
input, attending companies, and the schedule grid and list on the event's clock."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.companies.models import Company
from crm.enums import MeetingStatus
from crm.events.models import Event
from crm.events.services import EventError, create_event, is_timezone
from crm.meetings.models import Meeting

UTC = dt.UTC
_n = itertools.count(1)

FORM = {
    "name_en": "MIP China 2017", "name_zh": "MIP中国国际内容峰会", "city": "Hangzhou", "venue": "Hangzhou Marriott",
    "country": "CN", "timezone": "Asia/Shanghai", "start_date": "2017-05-23", "end_date": "2017-05-25",
    "website": "https://www.mipchina.com", "notes": "Partnership Forum: 400 one-to-one meetings",
}


@pytest.fixture
def event_id(ctx, make_company):
    studio = make_company(name_en="Hangzhou Thunder Animation", name_zh="杭州雷霆动画")
    with ctx() as s:
        event = Event(name_en="MIP China 2017", name_zh="MIP中国国际内容峰会", timezone="Asia/Shanghai",
                      start_date=dt.date(2017, 5, 23), end_date=dt.date(2017, 5, 25), venue="Marriott",
                      companies=[s.get(Company, studio.id)])
        s.add(event)
        s.commit()
        return event.id


def _add_meeting(ctx, owner_id, event_id, company_name, location, starts_at, status=MeetingStatus.SCHEDULED):
    with ctx() as s:
        company = Company(name_en=company_name)
        meeting = Meeting(event_id=event_id, owner_id=owner_id, company=company, location=location,
                          starts_at=starts_at, status=status)
        s.add_all([company, meeting])
        s.commit()
        return meeting.id


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_create_edit_archive_restore_an_event(client, login, make_user, make_company, ctx, lang):
    user = make_user()
    organiser = make_company(name_en="Zhejiang MegaMedia", name_zh="浙江华麦网络技术有限公司")
    login(user)
    client.post("/language", data={"lang": lang})
    assert client.get("/events/new").status_code == 200
    response = client.post("/events/new", data=FORM | {"organiser_id": str(organiser.id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    with ctx() as s:
        event = s.scalars(sa.select(Event)).one()
        event_id = event.id
        assert event.organiser_id == organiser.id and event.timezone == "Asia/Shanghai"
        assert event.end_date == dt.date(2017, 5, 25)
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert "MIP中国国际内容峰会" in page
    assert ("浙江华麦网络技术有限公司" if lang == "zh" else "Zhejiang MegaMedia") in page  # the organiser

    edit = client.get(f"/events/{event_id}/edit").get_data(as_text=True)
    assert 'value="Hangzhou Marriott"' in edit
    response = client.post(f"/events/{event_id}/edit", data=FORM | {"venue": "West Lake", "timezone": "Europe/Paris",
                                                                   "organiser_id": ""})
    assert response.status_code == 302
    with ctx() as s:
        event = s.get(Event, event_id)
        assert (event.venue, event.timezone, event.organiser_id) == ("West Lake", "Europe/Paris", None)
        actions = s.scalars(sa.select(AuditEntry.action).where(AuditEntry.entity_type == "events")).all()
        assert actions == ["create", "update"]

    assert client.post(f"/events/{event_id}/archive").status_code == 302
    assert "MIP China 2017" not in client.get("/events/").get_data(as_text=True)
    assert client.post(f"/events/{event_id}/restore").status_code == 302
    assert "MIP China 2017" in client.get("/events/").get_data(as_text=True)


def test_archive_is_post_only(client, login, make_user, event_id):
    login(make_user())
    assert client.get(f"/events/{event_id}/archive").status_code == 405


def test_end_before_start_and_bad_zone_keep_the_input(client, login, make_user, ctx):
    login(make_user())
    response = client.post("/events/new", data=FORM | {"end_date": "2017-05-20", "timezone": "Asia/Hangzhou"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The last day cannot be before the first day." in page
    assert "Enter a time zone from the IANA list" in page
    assert 'value="Asia/Hangzhou"' in page and 'value="2017-05-20"' in page
    assert 'value="MIP中国国际内容峰会"' in page and "Partnership Forum: 400 one-to-one meetings" in page
    with ctx() as s:
        assert s.scalar(sa.select(sa.func.count(Event.id))) == 0


def test_a_name_is_required(client, login, make_user):
    login(make_user())
    page = client.post("/events/new", data=FORM | {"name_en": "", "name_zh": ""}).get_data(as_text=True)
    assert "Enter an English or a Chinese name (or both)." in page


def test_validation_errors_use_the_ui_language(client, login, make_user):
    """The error is rendered through gettext: the Chinese page shows the catalogue's text
    (English until the lead adds the translation) and never a hard-coded string."""
    login(make_user())
    client.post("/language", data={"lang": "zh"})
    page = client.post("/events/new", data=FORM | {"timezone": "Nowhere/Land"}).get_data(as_text=True)
    assert 'lang="zh-Hans"' in page
    assert 'value="Nowhere/Land"' in page
    assert "has-error" in page


def test_service_refuses_bad_input_without_a_request(app, make_user):
    user = make_user()
    with app.app_context():
        with pytest.raises(EventError) as exc:
            create_event(user, name_en="X", timezone="Asia/Shanghai", start_date=dt.date(2024, 5, 2),
                         end_date=dt.date(2024, 5, 1))
        assert exc.value.field == "end_date"
        with pytest.raises(EventError):
            create_event(user, name_en="X", timezone="../etc/passwd", start_date=dt.date(2024, 5, 1),
                         end_date=dt.date(2024, 5, 1))
    assert is_timezone("Asia/Shanghai") and is_timezone("UTC")
    assert not is_timezone("Asia/Hangzhou") and not is_timezone("") and not is_timezone("/etc/localtime")


def test_add_and_remove_attending_companies(client, login, make_user, make_company, ctx, event_id):
    login(make_user())
    broadcaster = make_company(name_en="Zhejiang Satellite TV", name_zh="浙江卫视")
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert 'name="company_id-search"' in page and "Zhejiang Satellite TV" not in page  # searched for, not listed
    assert client.get(f"/events/{event_id}/attendees").status_code == 405  # no change on GET
    response = client.post(f"/events/{event_id}/attendees", data={"company_id": str(broadcaster.id)})
    assert response.status_code == 302
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert "Zhejiang Satellite TV" in page
    with ctx() as s:
        assert broadcaster.id in {c.id for c in s.get(Event, event_id).companies}
    client.post(f"/events/{event_id}/attendees/{broadcaster.id}/remove")
    with ctx() as s:
        assert broadcaster.id not in {c.id for c in s.get(Event, event_id).companies}
        assert len(s.get(Event, event_id).companies) == 1


def test_attendance_needs_csrf(app, client, login, make_user, make_company, event_id):
    login(make_user())
    company = make_company()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/events/{event_id}/attendees", data={"company_id": str(company.id)})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400


def test_schedule_grid_has_time_slots_by_tables_on_the_event_clock(client, login, make_user, ctx, event_id):
    rep = make_user(timezone="Europe/Paris")
    login(rep)
    # 01:30Z = 09:30 Hangzhou; 02:00Z = 10:00. Tables sort naturally (2 before 10).
    a = _add_meeting(ctx, rep.id, event_id, "Millimages", "Table 10", dt.datetime(2017, 5, 23, 1, 30, tzinfo=UTC),
                     MeetingStatus.HELD)
    b = _add_meeting(ctx, rep.id, event_id, "SBS", "Table 2", dt.datetime(2017, 5, 23, 1, 30, tzinfo=UTC))
    c = _add_meeting(ctx, rep.id, event_id, "Talpa", "Table 2", dt.datetime(2017, 5, 23, 2, 0, tzinfo=UTC),
                     MeetingStatus.CANCELLED)
    d = _add_meeting(ctx, rep.id, event_id, "Alibaba", None, dt.datetime(2017, 5, 24, 6, 0, tzinfo=UTC))
    page = client.get(f"/events/{event_id}?view=grid").get_data(as_text=True)
    assert "schedule-grid" in page
    first_day = page[page.index("Tuesday, May 23, 2017"):page.index("Wednesday, May 24, 2017")]
    header = first_day[first_day.index("<thead>"):first_day.index("</thead>")]
    assert header.index("Table 2") < header.index("Table 10")
    rows = first_day[first_day.index("<tbody>"):].split("<tr>")[1:]
    assert len(rows) == 2
    nine_thirty, ten = rows
    assert "9:30\u202fAM" in nine_thirty and "10:00\u202fAM" in ten
    cells = nine_thirty.split("<td")[1:]
    assert "SBS" in cells[0] and "Millimages" in cells[1] and "Held" in cells[1]
    assert f"/meetings/{a}" in cells[1] and f"/meetings/{b}" in cells[0]
    cells = ten.split("<td")[1:]
    assert "Talpa" in cells[0] and "Cancelled" in cells[0] and "Millimages" not in ten
    assert f"/meetings/{c}/outcome" in ten  # log the outcome from the grid
    second_day = page[page.index("Wednesday, May 24, 2017"):]
    assert "No table" in second_day and f"/meetings/{d}" in second_day and "2:00\u202fPM" in second_day


def test_schedule_list_view_is_kept_in_the_url(client, login, make_user, ctx, event_id):
    rep = make_user()
    login(rep)
    meeting = _add_meeting(ctx, rep.id, event_id, "Millimages", "Table 7", dt.datetime(2017, 5, 23, 1, 30, tzinfo=UTC))
    page = client.get(f"/events/{event_id}?view=list").get_data(as_text=True)
    assert "schedule-grid" not in page and "Table 7" in page and "Millimages" in page
    assert f"/meetings/{meeting}/outcome?next=/events/{event_id}?view%3Dlist" in page
    assert 'href="/events/1?view=grid"'.replace("1", str(event_id)) in page
    assert "schedule-grid" in client.get(f"/events/{event_id}?view=bogus").get_data(as_text=True)


def test_schedule_shows_only_the_reps_own_meetings(client, login, make_user, ctx, event_id):
    rep, other = make_user(), make_user()
    _add_meeting(ctx, rep.id, event_id, "Mine Studio", "Table 1", dt.datetime(2017, 5, 23, 1, 30, tzinfo=UTC))
    _add_meeting(ctx, other.id, event_id, "Secret Studio", "Table 2", dt.datetime(2017, 5, 23, 1, 30, tzinfo=UTC))
    login(rep)
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    schedule = page[page.index('class="card flush schedule"'):]
    assert "Mine Studio" in schedule and "Secret Studio" not in schedule


def test_event_page_uses_a_fixed_number_of_queries(client, login, make_user, ctx, event_id, count_queries):
    rep = make_user()
    login(rep)

    def add(count):
        for _ in range(count):
            n = next(_n)
            _add_meeting(ctx, rep.id, event_id, f"Studio {n}", f"Table {n % 7}",
                         dt.datetime(2017, 5, 23, 1 + n % 20, 0, tzinfo=UTC))

    add(2)
    for view in ("grid", "list"):
        with count_queries() as few:
            assert client.get(f"/events/{event_id}?view={view}").status_code == 200
        add(8)
        with count_queries() as many:
            page = client.get(f"/events/{event_id}?view={view}")
        assert page.status_code == 200
        assert many.count == few.count, many.statements


def test_only_admins_delete_and_never_with_dependents(client, login, make_user, ctx, event_id):
    rep, admin = make_user(), make_user(role="admin")
    login(rep)
    assert client.get(f"/events/{event_id}/delete").status_code == 403
    assert client.post(f"/events/{event_id}/delete").status_code == 403
    meeting = _add_meeting(ctx, rep.id, event_id, "Millimages", "Table 1", dt.datetime(2017, 5, 23, 1, 30, tzinfo=UTC))
    client.post("/logout")
    login(admin)
    page = client.get(f"/events/{event_id}/delete").get_data(as_text=True)
    assert "cannot be deleted" in page and "1 meeting" in page
    response = client.post(f"/events/{event_id}/delete")
    assert response.status_code == 409
    with ctx() as s:
        assert s.get(Event, event_id) is not None
        s.delete(s.get(Meeting, meeting))
        s.commit()
    assert "Delete for good" in client.get(f"/events/{event_id}/delete").get_data(as_text=True)
    assert client.post(f"/events/{event_id}/delete").status_code == 302
    with ctx() as s:
        assert s.get(Event, event_id) is None
        assert s.scalar(sa.select(AuditEntry).where(AuditEntry.action == "delete")).entity_id == event_id
