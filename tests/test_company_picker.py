"""The company picker (crm/pickers.py): the JSON endpoint behind the search box, and every
form that picks a company: it renders only the chosen company, validates the posted id on
the server, keeps what was typed, and works without JavaScript (type, save, choose, save)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from crm.companies.models import Company
from crm.companies.models import Contact as ContactModel
from crm.db_types import utcnow
from crm.deals.models import Deal
from crm.events.models import Event
from crm.leads.models import Lead
from crm.meetings.models import Meeting
from crm.pickers import MATCH_LIMIT
from crm.titles.models import Title
from tests.picker_checks import assert_fixed_number_of_queries, assert_login_required, picker_json

FILLERS = 50
KEEP = "Keep me 保留"


@pytest.fixture
def world(ctx, make_user, stages):
    rep = make_user(name="Li Na")
    with ctx() as s:
        studio = Company(name_en="Hangzhou Thunder Animation", name_zh="杭州雷霆动画", country="CN")
        millimages = Company(name_en="Millimages", country="FR")
        old = Company(name_en="Old Studio", name_zh="旧工作室", country="CN", archived_at=utcnow())
        s.add_all([studio, millimages, old])
        s.add_all(Company(name_en=f"Filler Company {n:02d}", name_zh=f"填充公司{n:02d}") for n in range(FILLERS))
        event = Event(name_en="MIP China 2017", timezone="Asia/Shanghai", start_date=dt.date(2017, 5, 23),
                      end_date=dt.date(2017, 5, 25))
        s.add(event)
        s.commit()
        ids = {"studio": studio.id, "millimages": millimages.id, "old": old.id, "event": event.id}
    return {"rep": rep, **ids}


def _json(client, q, headers=None):
    return picker_json(client, "/pickers/companies", q, headers)


# ---- the endpoint ---------------------------------------------------------------

@pytest.mark.parametrize("q", ["leiting", "ltdh", "雷霆", "Thunder", "hangzhou lei"])
def test_finds_a_company_by_english_chinese_pinyin_and_initials(client, login, world, q):
    login(world["rep"])
    items = _json(client, q)["items"]
    assert [i["id"] for i in items] == [world["studio"]]
    assert items[0] == {"id": world["studio"], "name": "Hangzhou Thunder Animation", "other": "杭州雷霆动画",
                        "country": "China", "label": "Hangzhou Thunder Animation · 杭州雷霆动画"}


def test_names_and_country_in_the_users_language(client, login, world):
    login(world["rep"])
    client.post("/language", data={"lang": "zh"})
    item = _json(client, "leiting")["items"][0]
    assert (item["name"], item["other"], item["country"]) == ("杭州雷霆动画", "Hangzhou Thunder Animation", "中国")
    millimages = _json(client, "milli")["items"][0]
    assert (millimages["name"], millimages["other"], millimages["country"]) == ("Millimages", "", "法国")


def test_archived_companies_are_not_offered(client, login, world):
    login(world["rep"])
    assert _json(client, "Old Studio")["items"] == []
    assert _json(client, "旧工作室")["items"] == []


def test_at_most_a_page_of_matches_and_names_starting_with_the_query_first(client, login, world, make_company):
    login(world["rep"])
    answer = _json(client, "filler")
    assert len(answer["items"]) == MATCH_LIMIT and answer["more"] is True
    assert [i["name"] for i in answer["items"]][:2] == ["Filler Company 00", "Filler Company 01"]
    assert _json(client, "filler company 4")["more"] is False
    make_company(name_en="A Thunder Story")  # contains the word; the name starting with it comes first
    make_company(name_en="Thunderbird Films")
    assert [i["name"] for i in _json(client, "thunder")["items"]] == [
        "Thunderbird Films", "A Thunder Story", "Hangzhou Thunder Animation"]


def test_empty_or_punctuation_query_finds_nothing(client, login, world):
    login(world["rep"])
    assert _json(client, "") == {"items": [], "more": False}
    assert _json(client, "%_*")["items"] == []


def test_login_required(client, world):
    assert_login_required(client, "/pickers/companies?q=leiting")


def test_a_fixed_number_of_queries_whatever_the_number_of_matches(client, login, world, count_queries):
    login(world["rep"])
    assert_fixed_number_of_queries(client, "/pickers/companies", count_queries, "leiting", "filler")


# ---- the forms ------------------------------------------------------------------

def _coproduction(world, company_id, partner_id=None):
    return {
        "name_en": KEEP, "company_id": company_id, "amount": "100000", "currency": "EUR",
        "regulatory_status": "not_needed", "working_title": "Panda Detectives", "budget": "2000000",
        "budget_currency": "EUR", "official_status": "none",
        "partners-0-company_id": world["studio"], "partners-0-financing_share": "60", "partners-0-ip_share": "60",
        "partners-0-contribution": "cash",
        "partners-1-company_id": partner_id or world["millimages"], "partners-1-financing_share": "40",
        "partners-1-ip_share": "40", "partners-1-contribution": "services",
    }


def _saved_deal(s):
    deal = s.scalars(sa.select(Deal).order_by(Deal.id.desc())).first()
    return deal


# name: (form URL, data with the company id, the company field's name, what the saved record's company is)
FORMS = {
    "deal": ("/deals/new?type=coproduction", lambda w, c: _coproduction(w, c), "company_id",
             lambda s: _saved_deal(s).company_id),
    "co-production partner": ("/deals/new?type=coproduction", lambda w, c: _coproduction(w, w["studio"], c),
                              "partners-1-company_id",
                              lambda s: sorted(p.company_id for p in _saved_deal(s).coproduction.partners)[-1]),
    "lead": ("/leads/new", lambda w, c: {"company_id": c, "source": "inbound", "summary": KEEP}, "company_id",
             lambda s: s.scalars(sa.select(Lead)).one().company_id),
    "meeting": ("/meetings/new", lambda w, c: {
        "company_id": c, "user_ids": [w["rep"].id], "start_date": "2017-05-24", "start_time": "09:30",
        "duration_minutes": "30", "status": "scheduled", "notes": KEEP}, "company_id",
        lambda s: s.scalars(sa.select(Meeting)).one().company_id),
    "event": ("/events/new", lambda w, c: {
        "name_en": KEEP, "timezone": "Asia/Shanghai", "start_date": "2018-05-23", "end_date": "2018-05-25",
        "organiser_id": c}, "organiser_id",
        lambda s: s.scalars(sa.select(Event).order_by(Event.id.desc())).first().organiser_id),
    "contact": ("/contacts/new", lambda w, c: {"name_en": KEEP, "company_id": c}, "company_id",
                lambda s: s.scalars(sa.select(ContactModel)).one().company_id),
    "title": ("/titles/new", lambda w, c: {"name_en": KEEP, "genre": "animation", "status": "completed",
                                           "rights_holder_id": c}, "rights_holder_id",
              lambda s: s.scalars(sa.select(Title)).one().rights_holder_id),
}


def _fillers_listed(page: str) -> int:
    return len(re.findall(r"Filler Company \d\d", page))


def _option_values(page: str, name: str) -> list[str]:
    select = re.search(rf'<select id="[^"]*" name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select named {name}"
    return re.findall(r'value="([^"]*)"', select.group(1))


@pytest.mark.parametrize("url", [
    "/deals/new?type=coproduction", "/deals/new?type=distribution", "/deals/new?type=format", "/leads/new",
    "/meetings/new", "/events/new", "/contacts/new", "/titles/new",
])
def test_forms_do_not_list_every_company(client, login, world, url):
    login(world["rep"])
    page = client.get(url).get_data(as_text=True)
    assert _fillers_listed(page) == 0 and "Millimages" not in page
    assert 'class="picker"' in page and "js/company-picker.js" in page


def test_event_page_does_not_list_every_company_to_add(client, login, world):
    login(world["rep"])
    page = client.get(f"/events/{world['event']}").get_data(as_text=True)
    assert _fillers_listed(page) == 0 and 'name="company_id-search"' in page


def test_coproduction_edit_form_shows_only_the_chosen_companies(client, login, world, ctx):
    login(world["rep"])
    assert client.post("/deals/new?type=coproduction", data=_coproduction(world, world["studio"])).status_code == 302
    with ctx() as s:
        deal_id = _saved_deal(s).id
    page = client.get(f"/deals/{deal_id}/edit").get_data(as_text=True)
    assert _fillers_listed(page) == 0
    assert _option_values(page, "company_id") == ["", str(world["studio"])]
    assert _option_values(page, "partners-1-company_id") == ["", str(world["millimages"])]
    assert f'<option selected value="{world["millimages"]}">Millimages</option>' in page
    assert 'value="Hangzhou Thunder Animation"' in page  # the text box shows the chosen name
    assert _option_values(page, "partners-2-company_id") == [""]  # empty rows: nothing listed


@pytest.mark.parametrize("form", FORMS)
def test_a_valid_id_saves(client, login, world, ctx, form):
    url, data, _field, saved = FORMS[form]
    login(world["rep"])
    response = client.post(url, data=data(world, world["millimages"]))
    assert response.status_code == 302, response.get_data(as_text=True)
    with ctx() as s:
        assert saved(s) == world["millimages"]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("bad", ["unknown", "archived", "not a number"])
def test_a_bad_id_is_refused_and_the_typed_values_are_kept(client, login, world, ctx, form, bad):
    url, data, field, _saved = FORMS[form]
    login(world["rep"])
    company_id = {"unknown": "999999", "archived": world["old"], "not a number": "12abc"}[bad]
    response = client.post(url, data=data(world, company_id))
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400)
    message = "Old Studio is archived: choose another company." if bad == "archived" else (
        "Choose a company from the list.")
    assert message in page and KEEP in page
    assert _fillers_listed(page) == 0
    with ctx() as s:
        for model in (Deal, Lead, Meeting, Title, ContactModel):
            assert s.scalar(sa.select(sa.func.count()).select_from(model)) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(Event)) == 1  # the fixture's


def test_the_error_is_in_the_users_language(client, login, world):
    login(world["rep"])
    client.post("/language", data={"lang": "zh"})
    page = client.post("/contacts/new", data={"name_en": KEEP, "company_id": "999999"}).get_data(as_text=True)
    assert "请从列表中选择公司。" in page
    assert KEEP in page


def test_an_archived_company_stays_on_its_records_edit_form(client, login, world, ctx):
    login(world["rep"])
    assert client.post("/titles/new", data=FORMS["title"][1](world, world["studio"])).status_code == 302
    with ctx() as s:
        title = s.scalars(sa.select(Title)).one()
        s.get(Company, world["studio"]).archived_at = utcnow()
        s.commit()
        title_id = title.id
    data = {"name_en": "Renamed", "genre": "animation", "status": "completed",
            "rights_holder_id": world["studio"]}
    assert client.post(f"/titles/{title_id}/edit", data=data).status_code == 302
    # ...but not on another record.
    page = client.post("/titles/new", data=FORMS["title"][1](world, world["studio"])).get_data(as_text=True)
    assert "Hangzhou Thunder Animation is archived: choose another company." in page


# ---- without JavaScript: type, save, choose, save ------------------------------------

def test_no_js_one_match_is_offered_then_saved(client, login, world, ctx):
    login(world["rep"])
    data = {"company_id": "", "company_id-search": "leiting", "company_id-shown": "", "source": "inbound",
            "summary": KEEP}
    response = client.post("/leads/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200  # the lead form answers 200 with errors
    assert "One company matches “leiting”: check it is the one you mean, then save again." in page
    assert f'<option selected value="{world["studio"]}">Hangzhou Thunder Animation · 杭州雷霆动画</option>' in page
    assert 'name="company_id-search"' in page and 'value="leiting"' in page and KEEP in page
    with ctx() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Lead)) == 0
    # Saving again as the page came back (the box unchanged, the match chosen) saves it.
    data |= {"company_id": world["studio"], "company_id-shown": "leiting"}
    assert client.post("/leads/new", data=data).status_code == 302
    with ctx() as s:
        assert s.scalars(sa.select(Lead)).one().company_id == world["studio"]


def test_no_js_several_matches_are_listed_to_choose_from(client, login, world, ctx):
    login(world["rep"])
    data = {**_coproduction(world, world["studio"]), "partners-1-company_id": "",
            "partners-1-company_id-search": "filler company 1", "partners-1-company_id-shown": ""}
    response = client.post("/deals/new?type=coproduction", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Several companies match “filler company 1”: choose one in the list, then save again." in page
    assert _fillers_listed(page) == 10
    assert len(_option_values(page, "partners-1-company_id")) == 11  # the blank one and the ten matches
    select = page.split('name="partners-1-company_id"')[1].split("</select>")[0]
    assert select.count("selected") == 1 and '<option selected value="">' in select  # none chosen for the user
    # With JavaScript on, this picker keeps its list of matches in view (picker-step); the others hide theirs.
    assert page.count('class="picker picker-step"') == 1


def test_no_js_text_without_a_chosen_company_is_searched_again(client, login, world, ctx):
    login(world["rep"])
    data = {"name_en": KEEP, "company_id": "", "company_id-search": "ltdh", "company_id-shown": "ltdh"}
    page = client.post("/contacts/new", data=data).get_data(as_text=True)
    assert "One company matches “ltdh”" in page  # not saved without a company while the box names one
    with ctx() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(ContactModel)) == 0


def test_no_js_no_match_says_so(client, login, world):
    login(world["rep"])
    data = {"name_en": KEEP, "company_id": "", "company_id-search": "Nowhere Films", "company_id-shown": ""}
    page = client.post("/contacts/new", data=data).get_data(as_text=True)
    assert "No company matches “Nowhere Films”. Check the spelling, or create the company first." in page


def test_search_step_ignores_archived_companies(client, login, world):
    login(world["rep"])
    data = {"name_en": KEEP, "company_id": "", "company_id-search": "Old Studio", "company_id-shown": ""}
    page = client.post("/contacts/new", data=data).get_data(as_text=True)
    assert "No company matches “Old Studio”" in page


def test_text_box_as_shown_lets_the_chosen_id_decide_and_an_emptied_box_clears(client, login, world, ctx):
    login(world["rep"])
    # What the script posts after a choice: the id, the name in the box, the same name as "shown".
    data = {"name_en": KEEP, "company_id": world["millimages"], "company_id-search": "Millimages",
            "company_id-shown": "Millimages"}
    assert client.post("/contacts/new", data=data).status_code == 302
    with ctx() as s:
        contact = s.scalars(sa.select(ContactModel)).one()
        assert contact.company_id == world["millimages"]
        contact_id = contact.id
    # Emptying the box (the select still holding the old id) removes the company.
    data |= {"company_id-search": ""}
    assert client.post(f"/contacts/{contact_id}/edit", data=data).status_code == 302
    with ctx() as s:
        assert s.get(ContactModel, contact_id).company_id is None


def test_attendee_search_step_shows_the_event_page(client, login, world, ctx):
    login(world["rep"])
    url = f"/events/{world['event']}/attendees"
    response = client.post(url, data={"company_id": "", "company_id-search": "ltdh", "company_id-shown": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "One company matches “ltdh”" in page and f'<option selected value="{world["studio"]}">' in page
    response = client.post(url, data={"company_id": world["studio"], "company_id-search": "ltdh",
                                      "company_id-shown": "ltdh"})
    assert response.status_code == 302
    with ctx() as s:
        assert [c.id for c in s.get(Event, world["event"]).companies] == [world["studio"]]
    response = client.post(url, data={"company_id": world["old"]})
    assert response.status_code == 400 and "Old Studio is archived" in response.get_data(as_text=True)


def test_label_points_at_the_search_box_and_aria_wiring(client, login, world):
    login(world["rep"])
    page = client.get("/leads/new").get_data(as_text=True)
    assert '<label for="company_id-search">Company</label>' in page
    assert re.search(r'<input type="text" id="company_id-search" name="company_id-search" value=""'
                     r'[^>]*aria-describedby="company_id-help"', page)
    assert 'role="status"' in page and 'data-url="/pickers/companies"' in page
    # Partner rows have no <label>: the box carries the column's name.
    page = client.get("/deals/new?type=coproduction").get_data(as_text=True)
    assert re.search(r'id="partners-0-company_id-search"[^>]*aria-label="Partner"', page)


def test_conflict_table_names_the_companies(app, world, make_deal, make_user, ctx):
    """The table of "their value / your value" after a concurrent edit shows company names, not ids."""
    deal = make_deal(world["rep"], name_en="Original")
    with ctx() as s:
        s.get(Deal, deal.id).company_id = world["studio"]
        s.commit()
    clients = []
    for user in (world["rep"], make_user(role="manager")):
        c = app.test_client()
        assert c.post("/login", data={"email": user.email, "password": "correct horse battery"}).status_code == 302
        clients.append(c)
    alice, bob = clients
    page = alice.get(f"/deals/{deal.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    base = {"name_en": "Original", "amount": "100000", "currency": "USD", "regulatory_status": "not_needed",
            "territories": "WW", "media": ["svod"], "fee_kind": "flat_fee", "version": version,
            "owner_id": world["rep"].id}
    assert alice.post(f"/deals/{deal.id}/edit", data={**base, "company_id": world["millimages"]}).status_code == 302
    response = bob.post(f"/deals/{deal.id}/edit", data={**base, "company_id": world["studio"]})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert ("<tr><td>Counterpart company</td><td>Millimages</td>"
            "<td>Hangzhou Thunder Animation · 杭州雷霆动画</td></tr>") in page
