"""Titles (the shared catalogue): CRUD in both languages, validation keeping input,
list filters/sort/export, deals scoped on the detail page, archive and admin delete."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa

from crm.companies.models import Company
from crm.deals.models import Deal
from crm.enums import Genre, TitleStatus
from crm.titles.models import Title


@pytest.fixture
def studio(ctx):
    with ctx() as s:
        company = Company(name_en="Millimages", name_zh="米利图像", country="FR")
        s.add(company)
        s.commit()
        return company.id


def _title(ctx, **fields):
    fields.setdefault("genre", Genre.ANIMATION)
    with ctx() as s:
        title = Title(**fields)
        s.add(title)
        s.commit()
        return title.id


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_create_and_edit_title(client, login, make_user, ctx, studio, lang):
    login(make_user())
    client.post("/language", data={"lang": lang})
    assert client.get("/titles/new").status_code == 200
    response = client.post("/titles/new", data={
        "name_en": "Rainbow Chicks", "name_zh": "彩虹小鸡", "genre": "animation", "episodes": "52",
        "episode_minutes": "11", "status": "completed", "year": "2017", "rights_holder_id": studio,
        "synopsis_en": "Seven chicks.", "synopsis_zh": "七只小鸡。"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with ctx() as s:
        title = s.scalar(sa.select(Title))
        assert (title.name_zh, title.episodes, title.episode_minutes, title.year, title.rights_holder_id) == (
            "彩虹小鸡", 52, 11, 2017, studio)
        title_id = title.id
    page = client.get(f"/titles/{title_id}").get_data(as_text=True)
    assert "52 × 11&#39;" in page
    assert ("彩虹小鸡" if lang == "zh" else "Rainbow Chicks") in page
    assert ("七只小鸡。" if lang == "zh" else "Seven chicks.") in page
    response = client.post(f"/titles/{title_id}/edit", data={
        "name_en": "", "name_zh": "彩虹小鸡", "genre": "documentary", "episodes": "", "episode_minutes": "26",
        "status": "in_production", "year": "", "rights_holder_id": ""})
    assert response.status_code == 302
    with ctx() as s:
        title = s.get(Title, title_id)
        assert title.name_en is None and title.genre == Genre.DOCUMENTARY and title.episodes is None
        assert title.episode_minutes == 26 and title.status == TitleStatus.IN_PRODUCTION
        assert title.rights_holder_id is None
    assert 'value="26"' in client.get(f"/titles/{title_id}/edit").get_data(as_text=True)


def test_validation_errors_keep_input(client, login, make_user, ctx):
    login(make_user())
    response = client.post("/titles/new", data={
        "name_en": "", "name_zh": "", "genre": "animation", "episodes": "0", "episode_minutes": "eleven",
        "status": "completed", "year": "17", "synopsis_en": "Keep my synopsis"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("Enter a whole number above zero.") == 2
    assert "Enter a year between 1900 and 2100." in page
    assert 'value="eleven"' in page and "Keep my synopsis" in page
    response = client.post("/titles/new", data={"name_en": " ", "name_zh": "", "genre": "animation",
                                                 "status": "completed", "episodes": "-3"})
    page = response.get_data(as_text=True)
    assert "Enter an English or a Chinese name (or both)." in page
    assert 'value="-3"' in page
    with ctx() as s:
        assert s.scalar(sa.select(sa.func.count(Title.id))) == 0


def test_list_filters_sort_search_and_export(client, login, make_user, ctx, studio):
    _title(ctx, name_en="Rainbow Chicks", name_zh="彩虹小鸡", episodes=52, episode_minutes=11,
           rights_holder_id=studio, status=TitleStatus.COMPLETED, year=2017)
    _title(ctx, name_en="West Lake", genre=Genre.DOCUMENTARY, status=TitleStatus.IN_PRODUCTION, year=2024)
    _title(ctx, name_en="=cmd|' /C calc'!A0", genre=Genre.DRAMA, year=2001)
    login(make_user())

    def shown(query):
        page = client.get(f"/titles/?{query}").get_data(as_text=True)
        return {n for n in ("Rainbow Chicks", "West Lake", "calc") if n in page}

    assert shown("") == {"Rainbow Chicks", "West Lake", "calc"}
    assert shown("q=彩虹") == {"Rainbow Chicks"}
    assert shown("genre=documentary") == {"West Lake"}
    assert shown("status=in_production") == {"West Lake"}
    assert shown(f"rights_holder={studio}") == {"Rainbow Chicks"}
    page = client.get("/titles/?sort=-year").get_data(as_text=True)
    assert page.index("West Lake") < page.index("Rainbow Chicks") < page.index("calc")
    rows = list(csv.reader(io.StringIO(client.get("/titles/export.csv?genre=animation").get_data(
        as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 2 and rows[1][2] == "彩虹小鸡" and rows[1][4] == "52" and rows[1][8] == "Millimages"
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/titles/export.xlsx?genre=drama").data)).active
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(values) == 1 and values[0][1].startswith("'=")


def test_detail_shows_only_deals_the_user_may_see(client, login, make_user, make_deal, ctx):
    rep, other = make_user(), make_user()
    title_id = _title(ctx, name_en="Shared show")
    mine, theirs = make_deal(rep, name_en="My deal on it"), make_deal(other, name_en="Their deal on it")
    with ctx() as s:
        title = s.get(Title, title_id)
        for deal_id in (mine.id, theirs.id):
            s.get(Deal, deal_id).titles = [title]
        s.commit()
    login(rep)
    page = client.get(f"/titles/{title_id}").get_data(as_text=True)
    assert "My deal on it" in page and "Their deal on it" not in page


def test_archive_restore_and_admin_delete(client, login, make_user, make_deal, ctx):
    rep, admin = make_user(), make_user(role="admin")
    title_id = _title(ctx, name_en="Archivable show")
    login(rep)
    assert client.get(f"/titles/{title_id}/archive").status_code == 405
    client.post(f"/titles/{title_id}/archive")
    assert "Archivable show" not in client.get("/titles/").get_data(as_text=True)
    assert "Archivable show" in client.get("/titles/?archived=1").get_data(as_text=True)
    client.post(f"/titles/{title_id}/restore")
    assert "Archivable show" in client.get("/titles/").get_data(as_text=True)
    assert client.get(f"/titles/{title_id}/delete").status_code == 403
    assert client.post(f"/titles/{title_id}/delete").status_code == 403
    deal = make_deal(rep)
    with ctx() as s:
        s.get(Deal, deal.id).titles = [s.get(Title, title_id)]
        s.commit()
    client.post("/logout")
    login(admin)
    response = client.post(f"/titles/{title_id}/delete")
    assert response.status_code == 409
    assert "1 deal on this title" in response.get_data(as_text=True)
    with ctx() as s:
        s.get(Deal, deal.id).titles = []
        s.commit()
    assert client.post(f"/titles/{title_id}/delete").status_code == 302
    with ctx() as s:
        assert s.get(Title, title_id) is None


def test_list_uses_a_fixed_number_of_queries(client, login, make_user, ctx, count_queries):
    login(make_user())

    def add(n):
        with ctx() as s:
            for i in range(n):
                company = Company(name_en=f"Holder {i}")
                s.add(company)
                s.flush()
                s.add(Title(name_en=f"Show {i}", genre=Genre.DRAMA, rights_holder_id=company.id))
            s.commit()

    add(2)
    with count_queries() as few:
        client.get("/titles/?sort=rights_holder")
    add(10)
    with count_queries() as many:
        page = client.get("/titles/?sort=rights_holder").get_data(as_text=True)
    assert page.count("Show ") >= 12
    assert many.count == few.count, many.statements
