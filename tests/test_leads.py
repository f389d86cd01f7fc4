"""Leads: create/edit in both languages, duplicates, qualification, conversion,
ownership, list filters/sort/export and query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from crm.companies.models import Company, Contact
from crm.db_types import utcnow
from crm.deals.models import Deal
from crm.enums import DealType, Genre, LeadSource, LeadStatus
from crm.events.models import Event
from crm.leads.models import Lead
from crm.leads.services import LeadError, convert_lead, disqualify_lead
from crm.meetings.models import Meeting
from crm.tasks.models import Note
from crm.titles.models import Title


@pytest.fixture
def world(ctx, make_user, stages):
    rep = make_user(name="Li Na")
    other = make_user(name="Tom Other")
    manager = make_user(role="manager", name="Mia Manager")
    admin = make_user(role="admin", name="Ada Admin")
    with ctx() as s:
        studio = Company(name_en="Hangzhou Thunder Animation", name_zh="杭州雷霆动画", country="CN")
        millimages = Company(name_en="Millimages", country="FR")
        contact = Contact(company=studio, name_en="Wang Lei", name_zh="王磊", email="wang@example.cn")
        outsider = Contact(company=millimages, name_en="Marie Dupont")
        organiser = Company(name_en="Zhejiang MegaMedia")
        event = Event(name_en="MIP China 2017", name_zh="MIP中国", timezone="Asia/Shanghai",
                      start_date=dt.date(2017, 5, 23), end_date=dt.date(2017, 5, 25), organiser=organiser)
        title = Title(name_en="Rainbow Chicks", name_zh="彩虹小鸡", genre=Genre.ANIMATION, episodes=52,
                      episode_minutes=11)
        title2 = Title(name_en="West Lake Stories", genre=Genre.DOCUMENTARY)
        s.add_all([studio, millimages, contact, outsider, organiser, event, title, title2])
        s.flush()
        meeting = Meeting(event=event, owner_id=rep.id, company=studio, contacts=[contact],
                          starts_at=dt.datetime(2017, 5, 23, 1, 30, tzinfo=dt.UTC), location="Table 12")
        their_meeting = Meeting(event=event, owner_id=other.id, company=studio,
                                starts_at=dt.datetime(2017, 5, 23, 2, 30, tzinfo=dt.UTC))
        s.add_all([meeting, their_meeting])
        s.commit()
        ids = dict(studio=studio.id, millimages=millimages.id, contact=contact.id, outsider=outsider.id,
                   event=event.id, title=title.id, title2=title2.id, meeting=meeting.id,
                   their_meeting=their_meeting.id)
    return dict(rep=rep, other=other, manager=manager, admin=admin, **ids)


def _lead(ctx, owner, company_id, **fields):
    with ctx() as s:
        titles = fields.pop("titles", [])
        lead = Lead(owner_id=owner.id, company_id=company_id, **fields)
        lead.titles = [s.get(Title, t) for t in titles]
        s.add(lead)
        s.commit()
        return lead.id


def _form(world, **overrides):
    data = {"company_id": world["studio"], "contact_id": world["contact"], "source": "meeting",
            "event_id": world["event"], "meeting_id": world["meeting"], "deal_type": "distribution",
            "genre": "animation", "title_ids": [world["title"], world["title2"]],
            "summary": "Global distribution of Rainbow Chicks", "notes": "Wants 52 x 11'"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_create_and_edit_lead(client, login, world, ctx, lang):
    login(world["rep"])
    client.post("/language", data={"lang": lang})
    form_page = client.get(f"/leads/new?meeting_id={world['meeting']}").get_data(as_text=True)
    # Prefilled from the meeting: company, event and contact chosen.
    assert f'<option selected value="{world["contact"]}">' in form_page
    assert "杭州雷霆动画" in form_page
    response = client.post("/leads/new", data=_form(world, summary="雷霆动画全球发行"))
    assert response.status_code == 302, response.get_data(as_text=True)
    with ctx() as s:
        lead = s.scalar(sa.select(Lead))
        assert (lead.owner_id, lead.company_id, lead.contact_id, lead.event_id, lead.meeting_id) == (
            world["rep"].id, world["studio"], world["contact"], world["event"], world["meeting"])
        assert lead.source == LeadSource.MEETING and lead.deal_type == DealType.DISTRIBUTION
        assert lead.genre == Genre.ANIMATION and lead.status == LeadStatus.NEW
        assert {t.id for t in lead.titles} == {world["title"], world["title2"]}
        lead_id = lead.id
    page = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert "雷霆动画全球发行" in page and "彩虹小鸡" in page if lang == "zh" else "Rainbow Chicks" in page
    response = client.post(f"/leads/{lead_id}/edit", data=_form(world, summary="Edited", title_ids=[world["title"]],
                                                                 genre="", deal_type="format"))
    assert response.status_code == 302
    with ctx() as s:
        lead = s.get(Lead, lead_id)
        assert lead.summary == "Edited" and lead.genre is None and lead.deal_type == DealType.FORMAT
        assert [t.id for t in lead.titles] == [world["title"]]
    edit_page = client.get(f"/leads/{lead_id}/edit").get_data(as_text=True)
    assert 'value="Edited"' in edit_page


def test_form_errors_keep_input(client, login, world):
    login(world["rep"])
    response = client.post("/leads/new", data=_form(world, company_id="", summary="Keep this text"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose the company." in page and "Keep this text" in page
    # A contact from another company is refused next to the field.
    response = client.post("/leads/new", data=_form(world, contact_id=world["outsider"], meeting_id="",
                                                    summary="Still here"))
    page = response.get_data(as_text=True)
    assert "Still here" in page
    assert "Not a valid choice" in page or "does not work at the chosen company" in page


def test_contact_must_belong_to_company_in_service(app, world):
    from crm.leads.services import create_lead

    with app.app_context():
        from crm.auth.models import User
        from crm.extensions import db

        rep = db.session.get(User, world["rep"].id)
        with pytest.raises(LeadError) as info:
            create_lead(owner=rep, company_id=world["studio"], contact_id=world["outsider"])
        assert info.value.field == "contact_id"


def test_duplicate_open_lead_warns_before_saving(client, login, world, ctx):
    _lead(ctx, world["rep"], world["studio"], summary="Existing lead")
    login(world["rep"])
    page = client.post("/leads/new", data=_form(world, summary="Second try")).get_data(as_text=True)
    assert "already has an open lead" in page and "Existing lead" in page and "Second try" in page
    with ctx() as s:
        assert s.scalar(sa.select(sa.func.count(Lead.id))) == 1
    response = client.post("/leads/new", data=_form(world, summary="Second try", create_anyway="y"))
    assert response.status_code == 302
    with ctx() as s:
        assert s.scalar(sa.select(sa.func.count(Lead.id))) == 2


def test_no_duplicate_warning_for_another_owner_or_closed_lead(client, login, world, ctx):
    _lead(ctx, world["other"], world["studio"], summary="Their lead")
    _lead(ctx, world["rep"], world["studio"], summary="Dead", status=LeadStatus.DISQUALIFIED)
    login(world["rep"])
    assert client.post("/leads/new", data=_form(world)).status_code == 302


def test_manager_picks_owner_rep_cannot(client, login, world, ctx):
    login(world["manager"])
    assert client.post("/leads/new", data=_form(world, owner_id=world["other"].id, meeting_id="")).status_code == 302
    with ctx() as s:
        assert s.scalar(sa.select(Lead.owner_id)) == world["other"].id
    client.post("/logout")
    login(world["rep"])
    client.post("/leads/new", data=_form(world, owner_id=world["other"].id, summary="Mine"))
    with ctx() as s:
        assert s.scalar(sa.select(Lead.owner_id).where(Lead.summary == "Mine")) == world["rep"].id


def test_rep_cannot_use_another_reps_meeting(client, login, world, ctx):
    login(world["rep"])
    response = client.post("/leads/new", data=_form(world, meeting_id=world["their_meeting"]))
    assert response.status_code == 200
    with ctx() as s:
        assert s.scalar(sa.select(sa.func.count(Lead.id))) == 0


def test_qualify_disqualify_requalify(client, login, world, ctx):
    lead_id = _lead(ctx, world["rep"], world["studio"], summary="Q")
    login(world["rep"])
    client.post(f"/leads/{lead_id}/qualify")
    with ctx() as s:
        assert s.get(Lead, lead_id).status == LeadStatus.QUALIFIED
    response = client.post(f"/leads/{lead_id}/disqualify", data={"reason": "   "})
    assert response.status_code == 400
    assert "Say why the lead is disqualified." in response.get_data(as_text=True)
    with ctx() as s:
        assert s.get(Lead, lead_id).status == LeadStatus.QUALIFIED
    client.post(f"/leads/{lead_id}/disqualify", data={"reason": "Rights already sold in China"})
    with ctx() as s:
        lead = s.get(Lead, lead_id)
        assert lead.status == LeadStatus.DISQUALIFIED and lead.disqualified_reason == "Rights already sold in China"
    assert "Rights already sold in China" in client.get(f"/leads/{lead_id}").get_data(as_text=True)
    client.post(f"/leads/{lead_id}/requalify")
    with ctx() as s:
        lead = s.get(Lead, lead_id)
        assert lead.status == LeadStatus.QUALIFIED and lead.disqualified_reason is None


def test_disqualify_service_requires_reason(app, world, ctx):
    lead_id = _lead(ctx, world["rep"], world["studio"])
    with app.app_context():
        from crm.extensions import db

        with pytest.raises(LeadError):
            disqualify_lead(db.session.get(Lead, lead_id), "")


def test_qualification_needs_post(client, login, world, ctx):
    lead_id = _lead(ctx, world["rep"], world["studio"])
    login(world["rep"])
    for action in ("qualify", "disqualify", "requalify", "archive", "restore"):
        assert client.get(f"/leads/{lead_id}/{action}").status_code == 405


def test_convert_carries_everything_over(client, login, world, ctx):
    lead_id = _lead(ctx, world["rep"], world["studio"], contact_id=world["contact"], event_id=world["event"],
                    meeting_id=world["meeting"], summary="Rainbow Chicks worldwide", deal_type=DealType.DISTRIBUTION,
                    titles=[world["title"]])
    login(world["rep"])
    page = client.get(f"/leads/{lead_id}/convert").get_data(as_text=True)
    assert 'value="Rainbow Chicks worldwide"' in page and 'value="杭州雷霆动画"' in page
    response = client.post(f"/leads/{lead_id}/convert", data={
        "deal_type": "distribution", "name_en": "Rainbow Chicks — global", "name_zh": "彩虹小鸡全球发行",
        "amount": "1,250,000.50", "currency": "EUR", "expected_close_date": "2026-06-30"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with ctx() as s:
        deal = s.scalar(sa.select(Deal))
        assert response.headers["Location"].endswith(f"/deals/{deal.id}")
        assert (deal.company_id, deal.lead_id, deal.event_id, deal.meeting_id, deal.owner_id) == (
            world["studio"], lead_id, world["event"], world["meeting"], world["rep"].id)
        assert [c.id for c in deal.contacts] == [world["contact"]]
        assert [t.id for t in deal.titles] == [world["title"]]
        assert deal.amount == Decimal("1250000.50") and deal.currency == "EUR"
        assert deal.expected_close_date == dt.date(2026, 6, 30)
        assert (deal.name_en, deal.name_zh) == ("Rainbow Chicks — global", "彩虹小鸡全球发行")
        assert s.get(Lead, lead_id).status == LeadStatus.CONVERTED
        deal_id = deal.id
    lead_page = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert f"/deals/{deal_id}" in lead_page and "Rainbow Chicks — global" in lead_page
    # Cannot convert twice.
    again = client.post(f"/leads/{lead_id}/convert", data={"deal_type": "distribution", "name_en": "Again",
                                                          "amount": "1", "currency": "USD"})
    assert again.status_code == 302
    assert "already been converted" in client.get(again.headers["Location"]).get_data(as_text=True)
    with ctx() as s:
        assert s.scalar(sa.select(sa.func.count(Deal.id))) == 1


def test_convert_twice_in_service(app, world, ctx):
    lead_id = _lead(ctx, world["rep"], world["studio"], summary="x")
    with app.app_context():
        from crm.auth.models import User
        from crm.extensions import db

        lead, user = db.session.get(Lead, lead_id), db.session.get(User, world["rep"].id)
        convert_lead(lead, user, currency="USD")
        with pytest.raises(LeadError):
            convert_lead(lead, user, currency="USD")


def test_convert_validation_keeps_input(client, login, world, ctx):
    lead_id = _lead(ctx, world["rep"], world["studio"], summary="x")
    login(world["rep"])
    page = client.post(f"/leads/{lead_id}/convert", data={
        "deal_type": "distribution", "name_en": "", "name_zh": "", "amount": "lots", "currency": "EUR",
        "expected_close_date": "soon"}).get_data(as_text=True)
    assert "Enter an amount such as 250000 or 250000.50." in page
    assert "Enter a date like 2025-03-09." in page
    assert 'value="lots"' in page and 'value="soon"' in page
    assert "The amount cannot be negative." not in page
    page = client.post(f"/leads/{lead_id}/convert", data={
        "deal_type": "distribution", "name_en": "", "name_zh": "", "amount": "-5", "currency": "EUR"}
    ).get_data(as_text=True)
    assert "The amount cannot be negative." in page
    page = client.post(f"/leads/{lead_id}/convert", data={
        "deal_type": "distribution", "name_en": " ", "name_zh": "", "amount": "5", "currency": "EUR"}
    ).get_data(as_text=True)
    assert "Enter an English or a Chinese name (or both)." in page
    with ctx() as s:
        assert s.scalar(sa.select(sa.func.count(Deal.id))) == 0


def test_disqualified_lead_cannot_be_converted(client, login, world, ctx):
    lead_id = _lead(ctx, world["rep"], world["studio"], status=LeadStatus.DISQUALIFIED, disqualified_reason="x")
    login(world["rep"])
    assert "Requalify it first" in client.get(f"/leads/{lead_id}/convert").get_data(as_text=True)
    client.post(f"/leads/{lead_id}/convert", data={"deal_type": "distribution", "name_en": "N", "currency": "USD"})
    with ctx() as s:
        assert s.scalar(sa.select(sa.func.count(Deal.id))) == 0


@pytest.mark.parametrize("method,suffix", [
    ("get", ""), ("get", "/edit"), ("post", "/edit"), ("post", "/qualify"), ("post", "/disqualify"),
    ("post", "/requalify"), ("get", "/convert"), ("post", "/convert"), ("post", "/archive"), ("post", "/restore"),
])
def test_rep_gets_404_for_another_reps_lead(client, login, world, ctx, method, suffix):
    theirs = _lead(ctx, world["other"], world["studio"], summary="Their secret")
    login(world["rep"])
    response = getattr(client, method)(f"/leads/{theirs}{suffix}", data={"reason": "x"})
    assert response.status_code == 404
    with ctx() as s:
        lead = s.get(Lead, theirs)
        assert lead.status == LeadStatus.NEW and lead.archived_at is None


def test_manager_edits_anyones_lead(client, login, world, ctx):
    theirs = _lead(ctx, world["other"], world["studio"], summary="Theirs")
    login(world["manager"])
    assert client.get(f"/leads/{theirs}/edit").status_code == 200
    client.post(f"/leads/{theirs}/qualify")
    with ctx() as s:
        assert s.get(Lead, theirs).status == LeadStatus.QUALIFIED


def test_archive_restore_and_admin_delete(client, login, world, ctx, stages):
    lead_id = _lead(ctx, world["rep"], world["studio"], summary="Archivable")
    login(world["rep"])
    client.post(f"/leads/{lead_id}/archive")
    assert "Archivable" not in client.get("/leads/").get_data(as_text=True)
    assert "Archivable" in client.get("/leads/?archived=1").get_data(as_text=True)
    client.post(f"/leads/{lead_id}/restore")
    assert "Archivable" in client.get("/leads/").get_data(as_text=True)
    assert client.post(f"/leads/{lead_id}/delete").status_code == 403
    client.post("/logout")
    login(world["admin"])
    # A note depends on the lead: delete is refused with a clear message.
    client.post("/notes", data={"subject_type": "lead", "subject_id": lead_id, "body": "Called them"})
    response = client.post(f"/leads/{lead_id}/delete")
    assert response.status_code == 409
    assert "1 note" in response.get_data(as_text=True)
    with ctx() as s:
        s.execute(sa.delete(Note))
        s.commit()
    assert client.get(f"/leads/{lead_id}/delete").status_code == 200
    assert client.post(f"/leads/{lead_id}/delete").status_code == 302
    with ctx() as s:
        assert s.get(Lead, lead_id) is None


def test_detail_shows_timeline_and_note_form(client, login, world, ctx):
    lead_id = _lead(ctx, world["rep"], world["studio"], summary="T")
    login(world["rep"])
    client.post("/notes", data={"subject_type": "lead", "subject_id": lead_id, "body": "Sent screener",
                                "next": f"/leads/{lead_id}"})
    client.post("/tasks/new", data={"subject": "Chase reply", "subject_type": "lead", "subject_id": lead_id})
    page = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert "Sent screener" in page and "Chase reply" in page
    assert 'action="/notes"' in page and 'name="subject_type" value="lead"' in page


# ---- list -------------------------------------------------------------------

def test_list_filters_sort_and_search(client, login, world, ctx):
    a = _lead(ctx, world["rep"], world["studio"], summary="Alpha lead", source=LeadSource.MEETING,
              event_id=world["event"], status=LeadStatus.QUALIFIED)
    b = _lead(ctx, world["rep"], world["millimages"], summary="Beta lead", source=LeadSource.REFERRAL)
    with ctx() as s:
        s.get(Lead, a).created_at = dt.datetime(2017, 5, 24, 3, 0, tzinfo=dt.UTC)
        s.get(Lead, b).created_at = dt.datetime(2024, 1, 10, 3, 0, tzinfo=dt.UTC)
        s.commit()
    _lead(ctx, world["other"], world["studio"], summary="Their lead")
    login(world["rep"])

    def shown(query):
        page = client.get(f"/leads/?{query}").get_data(as_text=True)
        return {name for name in ("Alpha lead", "Beta lead", "Their lead") if name in page}

    assert shown("") == {"Alpha lead", "Beta lead"}
    assert shown("q=雷霆") == {"Alpha lead"}
    assert shown("q=milli") == {"Beta lead"}
    assert shown("status=qualified") == {"Alpha lead"}
    assert shown(f"event={world['event']}") == {"Alpha lead"}
    assert shown("source=referral") == {"Beta lead"}
    assert shown("created_from=2020-01-01") == {"Beta lead"}
    assert shown("created_to=2017-05-24") == {"Alpha lead"}
    assert shown("created_from=bad&source=nonsense") == {"Alpha lead", "Beta lead"}
    assert shown(f"owner={world['other'].id}") == {"Alpha lead", "Beta lead"}  # reps cannot pick an owner
    page = client.get("/leads/?sort=company").get_data(as_text=True)
    assert page.index("Alpha lead") < page.index("Beta lead")
    page = client.get("/leads/?sort=-company").get_data(as_text=True)
    assert page.index("Beta lead") < page.index("Alpha lead")
    client.post("/logout")
    login(world["manager"])
    page_filter = client.get(f"/leads/?owner={world['other'].id}").get_data(as_text=True)
    assert "Their lead" in page_filter and "Alpha lead" not in page_filter


def test_export_is_the_filtered_list(client, login, world, ctx):
    _lead(ctx, world["rep"], world["studio"], summary="=HYPERLINK(\"x\")", status=LeadStatus.QUALIFIED)
    _lead(ctx, world["rep"], world["millimages"], summary="Beta lead")
    _lead(ctx, world["other"], world["studio"], summary="Their lead")
    login(world["rep"])
    response = client.get("/leads/export.csv?status=qualified")
    assert response.headers["Content-Disposition"].endswith('leads.csv"')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 2
    assert rows[1][1] == "'=HYPERLINK(\"x\")" and rows[1][3] == "杭州雷霆动画"
    response = client.get("/leads/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    summaries = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert summaries == {"'=HYPERLINK(\"x\")", "Beta lead"}


def test_list_uses_a_fixed_number_of_queries(client, login, world, ctx, count_queries):
    login(world["manager"])

    def add(n):
        with ctx() as s:
            for i in range(n):
                company = Company(name_en=f"Co {i}")
                contact = Contact(company=company, name_en=f"P {i}")
                s.add_all([company, contact])
                s.flush()
                s.add(Lead(owner_id=world["rep"].id, company_id=company.id, contact_id=contact.id,
                           event_id=world["event"], summary=f"Row {i}"))
            s.commit()

    add(2)
    with count_queries() as few:
        client.get("/leads/?sort=owner")
    add(10)
    with count_queries() as many:
        page = client.get("/leads/?sort=owner").get_data(as_text=True)
    assert page.count("Row ") >= 12
    assert many.count == few.count, many.statements


def test_archived_lead_hidden_from_default_list(client, login, world, ctx):
    _lead(ctx, world["rep"], world["studio"], summary="Gone", archived_at=utcnow())
    login(world["rep"])
    assert "Gone" not in client.get("/leads/").get_data(as_text=True)


def test_changing_company_reloads_the_form_keeping_input(client, login, world):
    login(world["rep"])
    page = client.get(f"/leads/new?refresh=1&company_id={world['studio']}&summary=Typed+text&genre=animation"
                      ).get_data(as_text=True)
    assert 'value="Typed text"' in page
    assert "Wang Lei" in page and "Marie Dupont" not in page
    page = client.get(f"/leads/new?refresh=1&company_id={world['millimages']}").get_data(as_text=True)
    assert "Marie Dupont" in page and "Wang Lei" not in page
