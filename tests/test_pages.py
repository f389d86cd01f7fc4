"""Read pages of the address book, events, meetings, leads and titles: access,
scoping, bilingual names, event-local times and fixed query counts."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest

from crm.companies.models import Company, Contact
from crm.db_types import utcnow
from crm.enums import CompanyKind, Genre, LeadSource, LeadStatus, MeetingStatus
from crm.events.models import Event
from crm.leads.models import Lead
from crm.meetings.models import Meeting
from crm.titles.models import Title

UTC = dt.UTC
_n = itertools.count(1)

LIST_URLS = ["/companies/", "/contacts/", "/events/", "/meetings/", "/leads/", "/titles/"]


@pytest.fixture
def world(ctx, make_user, make_deal):
    """The MIP China story in miniature: two reps, a manager, one studio, its
    contact, the event, a meeting and a lead for each rep, a title, two deals."""
    rep = make_user(name="Li Na", timezone="Europe/Paris")
    other = make_user(name="Tom Other")
    manager = make_user(role="manager", name="Mia Manager")
    with ctx() as s:
        studio = Company(name_en="Hangzhou Thunder Animation", name_zh="杭州雷霆动画", country="CN", city="Hangzhou",
                         kind=CompanyKind.ANIMATION_STUDIO, website="javascript:alert(1)")
        organiser = Company(name_en="Zhejiang MegaMedia", name_zh="浙江华麦网络技术有限公司", country="CN")
        contact = Contact(company=studio, name_en="Wang Lei", name_zh="王磊", job_title_en="Head of Sales",
                          email="wang@example.cn", wechat_id="wanglei_tv", languages="zh en")
        event = Event(name_en="MIP China 2017", name_zh="MIP中国国际内容峰会", city="Hangzhou",
                      timezone="Asia/Shanghai", start_date=dt.date(2017, 5, 23), end_date=dt.date(2017, 5, 25),
                      organiser=organiser, companies=[studio, organiser])
        title = Title(name_en="Rainbow Chicks", name_zh="彩虹小鸡", genre=Genre.ANIMATION, episodes=52,
                      episode_minutes=11, rights_holder=studio, synopsis_en="Seven chicks.", synopsis_zh="七只小鸡。")
        s.add_all([studio, organiser, contact, event, title])
        s.flush()
        # 01:30 UTC is 09:30 in Hangzhou and 03:30 in Paris (the rep's zone);
        # 17:00 UTC on the 23rd is already 01:00 on the 24th in Hangzhou.
        mine = Meeting(event=event, owner_id=rep.id, company=studio, contacts=[contact], location="Table 12",
                       starts_at=dt.datetime(2017, 5, 23, 1, 30, tzinfo=UTC), interest_level=4,
                       next_step="Send screeners", notes="Wants 52 x 11' animation")
        late = Meeting(event=event, owner_id=rep.id, company=organiser,
                       starts_at=dt.datetime(2017, 5, 23, 17, 0, tzinfo=UTC))
        theirs = Meeting(event=event, owner_id=other.id, company=studio, location="Secret table 99",
                         starts_at=dt.datetime(2017, 5, 24, 2, 0, tzinfo=UTC))
        my_lead = Lead(owner_id=rep.id, company=studio, contact=contact, event=event, meeting=mine,
                       source=LeadSource.MEETING, summary="Global distribution of Rainbow Chicks", titles=[title])
        their_lead = Lead(owner_id=other.id, company=studio, event=event, summary="Their secret lead")
        s.add_all([mine, late, theirs, my_lead, their_lead])
        s.commit()
        ids = {"studio": studio.id, "contact": contact.id, "event": event.id, "title": title.id,
               "meeting": mine.id, "their_meeting": theirs.id, "lead": my_lead.id, "their_lead": their_lead.id}
    studio_stub = SimpleNamespace(id=ids["studio"])
    make_deal(rep, company=studio_stub, name_en="Rainbow Chicks worldwide")
    make_deal(other, company=studio_stub, name_en="Their hidden deal")
    return {"rep": rep, "other": other, "manager": manager, **ids}


@pytest.mark.parametrize("url", LIST_URLS + ["/companies/1", "/contacts/1", "/events/1", "/meetings/1",
                                             "/leads/1", "/titles/1"])
def test_pages_require_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_every_page_renders_for_a_rep(client, login, world):
    login(world["rep"])
    expected = {
        "/companies/": "Hangzhou Thunder Animation",
        "/contacts/": "wanglei_tv",
        "/events/": "MIP China 2017",
        "/meetings/": "Table 12",
        "/leads/": "Global distribution of Rainbow Chicks",
        "/titles/": "Rainbow Chicks",
        f"/companies/{world['studio']}": "Wang Lei",
        f"/contacts/{world['contact']}": "Head of Sales",
        f"/events/{world['event']}": "Zhejiang MegaMedia",
        f"/meetings/{world['meeting']}": "Send screeners",
        f"/leads/{world['lead']}": "Rainbow Chicks",
        f"/titles/{world['title']}": "Seven chicks.",
    }
    for url, text in expected.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.get_data(as_text=True), url


def test_names_follow_the_active_language(client, login, world):
    login(world["rep"])
    page = client.get("/companies/").get_data(as_text=True)
    assert page.index("Hangzhou Thunder Animation") < page.index("杭州雷霆动画")
    client.post("/language", data={"lang": "zh"})
    page = client.get("/companies/").get_data(as_text=True)
    assert page.index("杭州雷霆动画") < page.index("Hangzhou Thunder Animation")
    page = client.get(f"/titles/{world['title']}").get_data(as_text=True)
    assert "七只小鸡。" in page and "Seven chicks." not in page


def test_rep_cannot_open_another_reps_meeting_or_lead(client, login, world):
    login(world["rep"])
    assert client.get(f"/meetings/{world['their_meeting']}").status_code == 404
    assert client.get(f"/leads/{world['their_lead']}").status_code == 404
    assert client.get("/meetings/999999").status_code == 404


def test_manager_opens_everyones_meeting_and_lead(client, login, world):
    login(world["manager"])
    assert client.get(f"/meetings/{world['their_meeting']}").status_code == 200
    assert client.get(f"/leads/{world['their_lead']}").status_code == 200


def test_lists_and_related_records_are_scoped(client, login, world):
    login(world["rep"])
    company = client.get(f"/companies/{world['studio']}").get_data(as_text=True)
    assert "Rainbow Chicks worldwide" in company
    assert "Their hidden deal" not in company
    assert "Their secret lead" not in company
    assert "Secret table 99" not in client.get(f"/events/{world['event']}").get_data(as_text=True)
    assert "Their secret lead" not in client.get("/leads/").get_data(as_text=True)
    assert "Tom Other" not in client.get("/meetings/").get_data(as_text=True)
    assert "Their hidden deal" not in client.get(f"/titles/{world['title']}").get_data(as_text=True)


def test_manager_sees_every_deal_with_the_company(client, login, world):
    login(world["manager"])
    company = client.get(f"/companies/{world['studio']}").get_data(as_text=True)
    assert "Rainbow Chicks worldwide" in company and "Their hidden deal" in company


def test_event_schedule_uses_the_event_time_zone_and_local_days(client, login, world):
    login(world["rep"])  # the rep's own zone is Europe/Paris
    page = client.get(f"/events/{world['event']}").get_data(as_text=True)
    assert "9:30\u202fAM" in page  # Hangzhou time, not 3:30 AM Paris time
    assert "Table 12" in page
    assert "Tuesday, May 23, 2017" in page
    assert "Wednesday, May 24, 2017" in page  # 17:00 UTC on the 23rd is the 24th in Hangzhou
    assert "May 23\u2009–\u200925, 2017" in page  # Babel puts thin spaces round the dash


def test_meeting_detail_shows_outcome_and_both_clocks(client, login, world):
    login(world["rep"])
    page = client.get(f"/meetings/{world['meeting']}").get_data(as_text=True)
    assert "Send screeners" in page and "Wang Lei" in page and "Li Na" in page
    assert "4 of 5" in page
    assert "3:30\u202fAM" in page and "9:30\u202fAM" in page


def test_unsafe_website_is_not_a_link(client, login, world):
    login(world["rep"])
    page = client.get(f"/companies/{world['studio']}").get_data(as_text=True)
    assert 'href="javascript:' not in page


def test_title_shows_trade_format(client, login, world):
    login(world["rep"])
    page = client.get("/titles/").get_data(as_text=True)
    assert "52 × 11&#39;" in page and "Rainbow Chicks" in page


def test_company_filter_is_in_the_url_and_literal(client, login, world):
    login(world["rep"])
    assert "Zhejiang MegaMedia" not in client.get("/companies/?q=thunder").get_data(as_text=True)
    assert "Hangzhou Thunder Animation" in client.get("/companies/?q=thunder").get_data(as_text=True)
    assert "Hangzhou Thunder Animation" in client.get("/companies/?q=雷霆").get_data(as_text=True)
    assert "No companies match" in client.get("/companies/?q=%25").get_data(as_text=True)
    assert "Zhejiang MegaMedia" not in client.get("/companies/?kind=animation_studio").get_data(as_text=True)


def test_meeting_filters(client, login, world, ctx):
    login(world["rep"])
    with ctx() as s:
        s.get(Meeting, world["meeting"]).status = MeetingStatus.HELD
        s.commit()
    held = client.get("/meetings/?status=held").get_data(as_text=True)
    assert "Table 12" in held and "Zhejiang MegaMedia" not in held
    assert "Table 12" in client.get(f"/meetings/?event={world['event']}").get_data(as_text=True)
    assert "Table 12" not in client.get(f"/meetings/?event={world['event'] + 1000}").get_data(as_text=True)
    assert "Table 12" not in client.get("/meetings/?when=upcoming").get_data(as_text=True)
    assert client.get("/meetings/?status=bogus").status_code == 200


def test_lead_status_filter(client, login, world):
    login(world["manager"])
    assert "Their secret lead" in client.get("/leads/?status=new").get_data(as_text=True)
    assert "Their secret lead" not in client.get("/leads/?status=qualified").get_data(as_text=True)


def test_archived_records_are_hidden_from_lists(client, login, world, ctx):
    login(world["rep"])
    with ctx() as s:
        for model, key in ((Company, "studio"), (Contact, "contact"), (Event, "event"), (Meeting, "meeting"),
                           (Lead, "lead"), (Title, "title")):
            s.get(model, world[key]).archived_at = utcnow()
        s.commit()
    assert "Hangzhou Thunder Animation" not in client.get("/companies/").get_data(as_text=True)
    assert "Wang Lei" not in client.get("/contacts/").get_data(as_text=True)
    assert "MIP China 2017" not in client.get("/events/").get_data(as_text=True)
    assert "Table 12" not in client.get("/meetings/").get_data(as_text=True)
    assert "Global distribution" not in client.get("/leads/").get_data(as_text=True)
    assert "Rainbow Chicks" not in client.get("/titles/").get_data(as_text=True)
    # Still reachable from old records, marked as archived.
    assert client.get(f"/companies/{world['studio']}").status_code == 200


def _add_rows(ctx, owner_id: int, count: int) -> None:
    """``count`` rows of every kind, each with its own related records, so a lazy
    load per row would show up as extra queries."""
    with ctx() as s:
        for _ in range(count):
            n = next(_n)
            company = Company(name_en=f"Studio {n}", name_zh=f"工作室{n}", country="FR")
            organiser = Company(name_en=f"Organiser {n}")
            contact = Contact(company=company, name_en=f"Person {n}", email=f"p{n}@example.com")
            event = Event(name_en=f"Market {n}", start_date=dt.date(2024, 4, 1), end_date=dt.date(2024, 4, 3),
                          timezone="Europe/Paris", organiser=organiser, companies=[company])
            meeting = Meeting(event=event, owner_id=owner_id, company=company, contacts=[contact],
                              starts_at=dt.datetime(2024, 4, 1, 8, n % 60, tzinfo=UTC))
            lead = Lead(owner_id=owner_id, company=company, contact=contact, event=event,
                        status=LeadStatus.QUALIFIED, summary=f"Lead {n}")
            title = Title(name_en=f"Show {n}", genre=Genre.DOCUMENTARY, episodes=6, episode_minutes=52,
                          rights_holder=company)
            s.add_all([company, organiser, contact, event, meeting, lead, title])
        s.commit()


@pytest.mark.parametrize(("url", "marker"), [
    ("/companies/", "Studio "), ("/contacts/", "Person "), ("/events/", "Market "), ("/meetings/", "Studio "),
    ("/leads/", "Lead "), ("/titles/", "Show "),
])
def test_list_pages_use_a_fixed_number_of_queries(client, login, make_user, ctx, count_queries, url, marker):
    rep = make_user()
    login(rep)
    _add_rows(ctx, rep.id, 2)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _add_rows(ctx, rep.id, 10)
    with count_queries() as many:
        page = client.get(url)
    assert page.status_code == 200
    assert page.get_data(as_text=True).count(marker) >= 12
    assert many.count == few.count, many.statements


def test_contact_languages_are_named_in_the_ui_language(client, login, world):
    login(world["rep"])
    assert "Chinese and English" in client.get(f"/contacts/{world['contact']}").get_data(as_text=True)
    client.post("/language", data={"lang": "zh"})
    assert "中文和英语" in client.get(f"/contacts/{world['contact']}").get_data(as_text=True)
