"""The titles picker (crm/pickers.py): the JSON endpoint behind the search box, and the deal
and lead forms that pick titles: they render only the chosen titles (ticked boxes), validate
the posted ids on the server, keep what was typed, and work without JavaScript (type, save,
tick, save)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from crm.companies.models import Company
from crm.db_types import utcnow
from crm.deals.models import Deal
from crm.enums import Genre
from crm.leads.models import Lead
from crm.pickers import MATCH_LIMIT
from crm.titles.models import Title
from tests.picker_checks import assert_fixed_number_of_queries, assert_login_required, picker_json

FILLERS = 50
KEEP = "Keep me 保留"
RAINBOW = "Rainbow Chicks · 彩虹小鸡 · 52 × 11'"
RAINBOW_HTML = RAINBOW.replace("'", "&#39;")  # as the page carries it


@pytest.fixture
def world(ctx, make_user, stages):
    rep = make_user(name="Li Na")
    with ctx() as s:
        studio = Company(name_en="Hangzhou Thunder Animation", name_zh="杭州雷霆动画", country="CN")
        rainbow = Title(name_en="Rainbow Chicks", name_zh="彩虹小鸡", genre=Genre.ANIMATION, episodes=52,
                        episode_minutes=11)
        lake = Title(name_en="West Lake Stories", genre=Genre.DOCUMENTARY)
        panda = Title(name_zh="熊猫邮递员", genre=Genre.ANIMATION, episode_minutes=90)
        old = Title(name_en="Old Show", name_zh="旧节目", genre=Genre.DRAMA, archived_at=utcnow())
        s.add_all([studio, rainbow, lake, panda, old])
        s.add_all(Title(name_en=f"Filler Title {n:02d}", name_zh=f"填充节目{n:02d}", genre=Genre.DRAMA)
                  for n in range(FILLERS))
        s.commit()
        ids = {"studio": studio.id, "rainbow": rainbow.id, "lake": lake.id, "panda": panda.id, "old": old.id}
    return {"rep": rep, **ids}


def _json(client, q):
    return picker_json(client, "/pickers/titles", q)


def _fillers_listed(page: str) -> int:
    return len(re.findall(r"Filler Title \d\d", page))


def _ticked(page: str, name: str = "title_ids") -> list[str]:
    return re.findall(rf'<input type="checkbox" name="{name}" value="(\d+)" checked>', page)


def _unticked(page: str, name: str = "title_ids") -> list[str]:
    return re.findall(rf'<input type="checkbox" name="{name}" value="(\d+)">', page)


# ---- the endpoint ---------------------------------------------------------------

@pytest.mark.parametrize("q", ["Rainbow", "rainbow chi", "彩虹", "caihong", "caihong xiaoji", "chxj"])
def test_finds_a_title_by_english_chinese_and_pinyin(client, login, world, q):
    login(world["rep"])
    items = _json(client, q)["items"]
    assert [i["id"] for i in items] == [world["rainbow"]]
    assert items[0] == {"id": world["rainbow"], "name": "Rainbow Chicks", "other": "彩虹小鸡",
                        "format": "52 × 11'", "label": RAINBOW}


def test_names_in_the_users_language(client, login, world):
    login(world["rep"])
    client.post("/language", data={"lang": "zh"})
    item = _json(client, "caihong")["items"][0]
    assert (item["name"], item["other"], item["format"]) == ("彩虹小鸡", "Rainbow Chicks", "52 × 11'")
    assert item["label"] == "彩虹小鸡 · Rainbow Chicks · 52 × 11'"
    panda = _json(client, "xiongmao")["items"][0]  # a Chinese name only, a film-length format
    assert (panda["name"], panda["other"], panda["format"]) == ("熊猫邮递员", "", "90'")
    lake = _json(client, "west lake")["items"][0]  # an English name only: shown as it is
    assert (lake["name"], lake["other"], lake["format"]) == ("West Lake Stories", "", "")


def test_archived_titles_are_not_offered(client, login, world):
    login(world["rep"])
    assert _json(client, "Old Show")["items"] == []
    assert _json(client, "旧节目")["items"] == []


def test_at_most_a_page_of_matches(client, login, world):
    login(world["rep"])
    answer = _json(client, "filler")
    assert len(answer["items"]) == MATCH_LIMIT and answer["more"] is True
    assert [i["name"] for i in answer["items"]][:2] == ["Filler Title 00", "Filler Title 01"]
    assert _json(client, "filler title 4")["more"] is False
    assert _json(client, "") == {"items": [], "more": False}
    assert _json(client, "%_*")["items"] == []


def test_login_required(client, world):
    assert_login_required(client, "/pickers/titles?q=rainbow")


def test_a_fixed_number_of_queries_whatever_the_number_of_matches(client, login, world, count_queries):
    login(world["rep"])
    assert_fixed_number_of_queries(client, "/pickers/titles", count_queries, "caihong", "filler")


# ---- the forms ------------------------------------------------------------------

def _deal(world, title_ids, **extra):
    """A distribution deal's form data; ``title_ids`` as ticked boxes."""
    return {
        "name_en": KEEP, "company_id": world["studio"], "title_ids": title_ids, "amount": "100000",
        "currency": "USD", "regulatory_status": "not_needed", "territories": "HK", "media": ["svod"],
        "exclusive": "y", "licence_start": "2026-01-01", "licence_end": "2026-12-31", "fee_kind": "flat_fee",
        **extra,
    }


def _lead(world, title_ids, **extra):
    return {"company_id": world["studio"], "source": "inbound", "summary": KEEP, "title_ids": title_ids, **extra}


def _saved_titles(ctx, model):
    with ctx() as s:
        record = s.scalars(sa.select(model).order_by(model.id.desc())).first()
        return None if record is None else sorted(t.id for t in record.titles)


# name: (form URL, form data from (world, title ids), the model saved, the status of a refused form)
FORMS = {
    "deal": ("/deals/new?type=distribution", _deal, Deal, 400),
    "lead": ("/leads/new", _lead, Lead, 200),
}


@pytest.mark.parametrize("url", ["/deals/new?type=coproduction", "/deals/new?type=distribution",
                                 "/deals/new?type=format", "/leads/new"])
def test_forms_do_not_list_every_title(client, login, world, url):
    login(world["rep"])
    page = client.get(url).get_data(as_text=True)
    assert _fillers_listed(page) == 0 and "彩虹小鸡" not in page and "West Lake" not in page
    assert 'class="picker picker-multi"' in page and 'data-url="/pickers/titles"' in page
    assert "js/company-picker.js" in page
    assert not re.search(r'<select[^>]*name="title_ids"', page) and _ticked(page) == []


@pytest.mark.parametrize("form", FORMS)
def test_edit_forms_show_only_the_chosen_titles(client, login, world, ctx, form):
    url, data, model, _status = FORMS[form]
    login(world["rep"])
    chosen = [world["rainbow"], world["panda"]]
    assert client.post(url, data=data(world, chosen)).status_code == 302
    with ctx() as s:
        record_id = s.scalars(sa.select(model.id).order_by(model.id.desc())).first()
    edit = f"/{'deals' if form == 'deal' else 'leads'}/{record_id}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert _fillers_listed(page) == 0 and "West Lake" not in page
    assert sorted(_ticked(page)) == sorted(str(i) for i in chosen) and _unticked(page) == []
    assert f"> {RAINBOW_HTML}</label>" in page and "熊猫邮递员 · 90&#39;" in page


@pytest.mark.parametrize("form", FORMS)
def test_valid_ids_save(client, login, world, ctx, form):
    url, data, model, _status = FORMS[form]
    login(world["rep"])
    response = client.post(url, data=data(world, [world["rainbow"], world["lake"]]))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _saved_titles(ctx, model) == sorted([world["rainbow"], world["lake"]])


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("bad", ["unknown", "archived", "not a number"])
def test_a_bad_id_is_refused_and_the_typed_values_are_kept(client, login, world, ctx, form, bad):
    url, data, model, status = FORMS[form]
    login(world["rep"])
    bad_id = {"unknown": "999999", "archived": world["old"], "not a number": "12abc"}[bad]
    response = client.post(url, data=data(world, [world["rainbow"], bad_id]))
    page = response.get_data(as_text=True)
    assert response.status_code == status
    message = "Old Show is archived: untick it or choose another title." if bad == "archived" else (
        "Choose titles from the list.")
    assert message in page and KEEP in page
    assert _fillers_listed(page) == 0
    assert str(world["rainbow"]) in _ticked(page)  # the valid choice is kept
    assert _saved_titles(ctx, model) is None


def test_the_error_is_in_the_users_language(client, login, world):
    login(world["rep"])
    client.post("/language", data={"lang": "zh"})
    page = client.post("/leads/new", data=_lead(world, [world["old"]])).get_data(as_text=True)
    assert "旧节目" in page and KEEP in page and "Old Show is archived" not in page


@pytest.mark.parametrize("form", FORMS)
def test_an_archived_title_stays_on_its_records_edit_form(client, login, world, ctx, form):
    url, data, model, status = FORMS[form]
    login(world["rep"])
    assert client.post(url, data=data(world, [world["rainbow"], world["lake"]])).status_code == 302
    with ctx() as s:
        record = s.scalars(sa.select(model).order_by(model.id.desc())).first()
        record_id, version = record.id, getattr(record, "version", None)
        s.get(Title, world["rainbow"]).archived_at = utcnow()
        s.commit()
    edit = f"/{'deals' if form == 'deal' else 'leads'}/{record_id}/edit"
    extra = {"version": version} if version is not None else {}
    page = client.get(edit).get_data(as_text=True)
    assert str(world["rainbow"]) in _ticked(page)
    response = client.post(edit, data=data(world, [world["rainbow"]], **extra))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _saved_titles(ctx, model) == [world["rainbow"]]
    # ...but not on another record.
    page = client.post(url, data=data(world, [world["rainbow"]])).get_data(as_text=True)
    assert "Rainbow Chicks is archived: untick it or choose another title." in page


# ---- without JavaScript: type, save, tick, save ---------------------------------------

def _search(text, shown=""):
    return {"title_ids-search": text, "title_ids-shown": shown}


@pytest.mark.parametrize("form", FORMS)
def test_no_js_one_match_is_offered_ticked_then_saved(client, login, world, ctx, form):
    url, data, model, status = FORMS[form]
    login(world["rep"])
    posted = data(world, [world["lake"]], **_search("caihong"))
    response = client.post(url, data=posted)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert "One title matches “caihong” and is ticked: check it is the one you mean, then save again." in page
    assert sorted(_ticked(page)) == sorted([str(world["lake"]), str(world["rainbow"])])
    assert 'name="title_ids-search"' in page and 'value="caihong"' in page and KEEP in page
    assert _saved_titles(ctx, model) is None
    # Saving again as the page came back (the box unchanged, the boxes ticked) saves both.
    posted = data(world, [world["lake"], world["rainbow"]], **_search("caihong", "caihong"))
    assert client.post(url, data=posted).status_code == 302
    assert _saved_titles(ctx, model) == sorted([world["lake"], world["rainbow"]])


@pytest.mark.parametrize("form", FORMS)
def test_no_js_several_matches_are_listed_to_tick(client, login, world, ctx, form):
    url, data, model, status = FORMS[form]
    login(world["rep"])
    response = client.post(url, data=data(world, [], **_search("filler title 1")))
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert "Several titles match “filler title 1”: tick the ones you mean, then save again." in page
    assert _fillers_listed(page) == 10 and len(_unticked(page)) == 10 and _ticked(page) == []
    assert "Titles matching “filler title 1”: tick the ones to add" in page
    # Tick two of them and save as the page came back.
    ticked = _unticked(page)[:2]
    assert client.post(url, data=data(world, ticked, **_search("filler title 1", "filler title 1"))).status_code == 302
    assert _saved_titles(ctx, model) == sorted(int(i) for i in ticked)


def test_no_js_more_matches_than_a_page_say_so(client, login, world):
    login(world["rep"])
    page = client.post("/leads/new", data=_lead(world, [], **_search("filler"))).get_data(as_text=True)
    assert len(_unticked(page)) == MATCH_LIMIT and "More titles match: type more of the name." in page


def test_no_js_no_match_says_so_and_archived_titles_are_not_offered(client, login, world):
    login(world["rep"])
    for text in ("Nowhere Show", "Old Show"):
        page = client.post("/leads/new", data=_lead(world, [], **_search(text))).get_data(as_text=True)
        assert f"No title matches “{text}”. Check the spelling, or create the title first." in page
        assert _unticked(page) == []


def test_no_js_offered_matches_come_back_with_another_error(client, login, world, ctx):
    """After the search step, an error elsewhere shows the same matches again, ticked or not."""
    login(world["rep"])
    data = _deal(world, [], **_search("filler title 1", "filler title 1"), amount="not money")
    page = client.post("/deals/new?type=distribution", data=data).get_data(as_text=True)
    assert "Enter an amount" in page and len(_unticked(page)) == 10
    assert "Several titles match" not in page


def test_a_box_emptied_and_boxes_unticked_save_no_titles(client, login, world, ctx):
    login(world["rep"])
    assert client.post("/leads/new", data=_lead(world, [world["rainbow"]])).status_code == 302
    with ctx() as s:
        lead_id = s.scalars(sa.select(Lead.id)).one()
    # What the browser sends once the only box is unticked: no title_ids at all.
    assert client.post(f"/leads/{lead_id}/edit", data=_lead(world, [], **_search(""))).status_code == 302
    assert _saved_titles(ctx, Lead) == []


def test_label_points_at_the_search_box_and_aria_wiring(client, login, world):
    login(world["rep"])
    for url in ("/leads/new", "/deals/new?type=format"):
        page = client.get(url).get_data(as_text=True)
        assert '<label for="title_ids-search">Titles</label>' in page
        assert re.search(r'<input type="text" id="title_ids-search" name="title_ids-search" value=""'
                         r'[^>]*aria-describedby="title_ids-help"', page)
        assert 'aria-label="Chosen titles (untick to remove)"' in page
    page = client.post("/leads/new", data=_lead(world, ["999999"])).get_data(as_text=True)
    assert re.search(r'id="title_ids-search"[^>]*aria-describedby="title_ids-help title_ids-err"', page)
    assert re.search(r'id="title_ids-search"[^>]*aria-invalid="true"', page)


def test_chinese_page_strings(client, login, world):
    login(world["rep"])
    client.post("/language", data={"lang": "zh"})
    page = client.post("/leads/new", data=_lead(world, [world["rainbow"]], **_search("filler title 1")))
    page = page.get_data(as_text=True)
    assert "彩虹小鸡 · Rainbow Chicks · 52 × 11&#39;" in page and "填充节目10 · Filler Title 10" in page


# ---- rights warnings after choosing titles ------------------------------------------

def test_rights_warning_after_saving_a_deals_titles(client, login, world, ctx):
    """A licence over a signed exclusive grant: choosing the title in the picker (no-JS step
    included) and saving still warns, on create and on edit."""
    from crm.rights.services import add_grant

    with ctx() as s:
        add_grant(world["rainbow"], "GREATER_CHINA", ["svod"], dt.date(2025, 1, 1), dt.date(2030, 12, 31), True)
        s.commit()
    login(world["rep"])
    url = "/deals/new?type=distribution"
    assert client.post(url, data=_deal(world, [], **_search("caihong"))).status_code == 400
    response = client.post(url, data=_deal(world, [world["rainbow"]], **_search("caihong", "caihong")),
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "flash-warning" in page and "Rainbow Chicks" in page
    # A deal saved without the title, then edited to add it.
    assert client.post(url, data=_deal(world, [world["lake"]], name_en="Second")).status_code == 302
    with ctx() as s:
        deal = s.scalars(sa.select(Deal).where(Deal.name_en == "Second")).one()
        deal_id, version = deal.id, deal.version
    page = client.get(f"/deals/{deal_id}").get_data(as_text=True)
    assert "flash-warning" not in page
    response = client.post(f"/deals/{deal_id}/edit", data=_deal(world, [world["lake"], world["rainbow"]],
                                                                 name_en="Second", version=version),
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "flash-warning" in page and "Rainbow Chicks" in page


def test_conflict_table_names_the_titles(app, world, make_user, ctx, client, login):
    login(world["rep"])
    assert client.post("/deals/new?type=distribution", data=_deal(world, [world["lake"]])).status_code == 302
    with ctx() as s:
        deal = s.scalars(sa.select(Deal)).one()
        deal_id, version = deal.id, deal.version
    other = app.test_client()
    manager = make_user(role="manager")
    assert other.post("/login", data={"email": manager.email, "password": "correct horse battery"}).status_code == 302
    assert other.post(f"/deals/{deal_id}/edit", data=_deal(world, [world["rainbow"]], version=version,
                                                           owner_id=world["rep"].id)).status_code == 302
    response = client.post(f"/deals/{deal_id}/edit", data=_deal(world, [world["panda"]], version=version))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert f"<tr><td>Titles</td><td>{RAINBOW_HTML}</td><td>熊猫邮递员 · 90&#39;</td></tr>" in page
