"""Company pages and services: create, edit, duplicates, archive/restore, merge,
admin delete, list filters/sorting/export, notes and the audit trail."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.companies.duplicates import find_duplicate_companies
from crm.companies.models import Company, Contact
from crm.companies.services import AddressBookError, merge_companies
from crm.enums import CompanyKind, Genre
from crm.events.models import Event
from crm.leads.models import Lead
from crm.meetings.models import Meeting
from crm.tasks.models import Note, Task
from crm.titles.models import Title

_n = itertools.count(1)

VALID = {
    "name_en": "Hangzhou Thunder Animation",
    "name_zh": "杭州雷霆动画",
    "legal_name_en": "Hangzhou Thunder Animation Co., Ltd.",
    "legal_name_zh": "杭州雷霆动画有限公司",
    "kind": "animation_studio",
    "country": "CN",
    "city": "Hangzhou",
    "address_en": "West Lake District",
    "address_zh": "西湖区",
    "website": "https://thunder.example.cn",
    "notes": "Met at MIP China 2017.",
}


def audit(ctx, action, entity_type="companies"):
    with ctx() as s:
        return s.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action, AuditEntry.entity_type == entity_type)
        ).all()


def get_company(ctx, **where):
    with ctx() as s:
        company = s.scalar(sa.select(Company).filter_by(**where))
        if company is not None:
            s.expunge(company)
        return company


@pytest.fixture
def rep(make_user, login):
    user = make_user("rep")
    login(user)
    return user


# -- create and edit ---------------------------------------------------------

def test_create_company_in_english(client, rep, ctx):
    response = client.post("/companies/new", data=VALID)
    assert response.status_code == 302
    company = get_company(ctx, name_en="Hangzhou Thunder Animation")
    assert response.headers["Location"].endswith(f"/companies/{company.id}")
    assert company.name_zh == "杭州雷霆动画" and company.kind == CompanyKind.ANIMATION_STUDIO
    assert company.country == "CN" and company.legal_name_zh == "杭州雷霆动画有限公司"
    page = client.get(f"/companies/{company.id}").get_data(as_text=True)
    assert "Hangzhou Thunder Animation" in page and "杭州雷霆动画" in page and "西湖区" not in page
    entry = audit(ctx, "create")[0]
    assert entry.user_id == rep.id and entry.entity_id == company.id and entry.changes["name_zh"] == "杭州雷霆动画"


def test_create_company_in_chinese_round_trips_chinese_data(client, rep, ctx):
    client.post("/language", data={"lang": "zh"})
    data = dict(VALID, name_en="", city="杭州", notes="在杭州见面。")
    response = client.post("/companies/new", data=data)
    assert response.status_code == 302
    company = get_company(ctx, name_zh="杭州雷霆动画")
    assert company.name_en is None and company.city == "杭州" and company.notes == "在杭州见面。"
    page = client.get(f"/companies/{company.id}").get_data(as_text=True)
    assert "杭州雷霆动画" in page and "在杭州见面。" in page and "西湖区" in page
    edit = client.get(f"/companies/{company.id}/edit").get_data(as_text=True)
    assert 'value="杭州雷霆动画"' in edit


def test_a_name_is_required_and_the_form_keeps_what_was_typed(client, rep, ctx):
    data = dict(VALID, name_en="", name_zh="", city="Lyon 里昂")
    response = client.post("/companies/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter an English or a Chinese name (or both)." in page
    assert 'value="Lyon 里昂"' in page and "杭州雷霆动画有限公司" in page
    with ctx() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Company)) == 0


@pytest.mark.parametrize(("field", "value", "message"), [
    ("website", "javascript:alert(1)", "Enter a web address starting with http:// or https://"),
    ("website", "www.example.com", "Enter a web address starting with http:// or https://"),
    ("country", "XX", "Choose a country from the list."),
    ("kind", "spaceship", "Not a valid choice"),
])
def test_invalid_fields_get_an_error_next_to_them(client, rep, ctx, field, value, message):
    response = client.post("/companies/new", data=dict(VALID, **{field: value}))
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="field has-error' in page
    assert 'value="Hangzhou Thunder Animation"' in page
    assert get_company(ctx, name_en="Hangzhou Thunder Animation") is None


def test_new_company_button_and_form(client, rep):
    assert 'href="/companies/new"' in client.get("/companies/").get_data(as_text=True)
    page = client.get("/companies/new").get_data(as_text=True)
    assert 'name="name_zh"' in page and '<option value="CN">' in page


def test_edit_company(client, rep, ctx, make_company):
    company = make_company(name_en="Millimages", country="FR")
    assert f'href="/companies/{company.id}/edit"' in client.get(f"/companies/{company.id}").get_data(as_text=True)
    form = client.get(f"/companies/{company.id}/edit").get_data(as_text=True)
    assert 'value="Millimages"' in form
    response = client.post(f"/companies/{company.id}/edit", data=dict(
        name_en="Millimages", name_zh="米利玛吉", kind="distributor", country="FR", city="Paris",
        website="http://www.millimages.com"))
    assert response.status_code == 302
    saved = get_company(ctx, id=company.id)
    assert saved.name_zh == "米利玛吉" and saved.kind == CompanyKind.DISTRIBUTOR and saved.city == "Paris"
    [entry] = audit(ctx, "update")
    assert entry.changes["name_zh"] == [None, "米利玛吉"] and entry.changes["kind"] == ["other", "distributor"]


def test_edit_errors_keep_input(client, rep, ctx, make_company):
    company = make_company(name_en="Millimages")
    response = client.post(f"/companies/{company.id}/edit",
                           data={"name_en": "Millimages SA", "website": "ftp://files", "kind": "other"})
    page = response.get_data(as_text=True)
    assert "Enter a web address" in page and 'value="Millimages SA"' in page and 'value="ftp://files"' in page
    assert get_company(ctx, id=company.id).name_en == "Millimages"


def test_csrf_is_required_to_create(app, client, rep):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/companies/new", data=VALID)
        assert response.status_code in (200, 400)
        assert "Hangzhou" not in client.get("/companies/").get_data(as_text=True)
        assert client.post("/companies/1/archive").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# -- duplicates --------------------------------------------------------------

def test_duplicate_names_match_across_legal_forms_and_languages(app, make_company):
    thunder = make_company(name_en="Hangzhou Thunder Animation", name_zh="杭州雷霆动画")
    make_company(name_en="Thunder Games")
    with app.app_context():
        assert [c.id for c in find_duplicate_companies("Hangzhou Thunder Animation Co., Ltd.", None)] == [thunder.id]
        assert [c.id for c in find_duplicate_companies(None, "杭州雷霆动画有限公司")] == [thunder.id]
        assert [c.id for c in find_duplicate_companies("hangzhou  thunder animation", None)] == [thunder.id]
        assert find_duplicate_companies("Hangzhou Thunder Animation", None, exclude_id=thunder.id) == []
        assert find_duplicate_companies("Thunder", None) == []


def test_duplicate_warning_then_create_anyway(client, rep, ctx, make_company):
    existing = make_company(name_en="Millimages", name_zh="米利玛吉")
    data = {"name_en": "Millimages S.A.", "kind": "distributor", "country": "FR"}
    response = client.post("/companies/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Possible duplicate" in page and f'href="/companies/{existing.id}"' in page
    assert "Open the existing one" in page and "Create anyway" in page
    assert f'name="confirm_duplicates" type="hidden" value="{existing.id}"' in page
    assert get_company(ctx, name_en="Millimages S.A.") is None
    # "Create anyway" resubmits with the hidden confirmation.
    response = client.post("/companies/new", data=dict(data, confirm_duplicates=str(existing.id)))
    assert response.status_code == 302
    assert get_company(ctx, name_en="Millimages S.A.") is not None


def test_a_new_duplicate_warns_again_despite_an_old_confirmation(client, rep, ctx, make_company):
    make_company(name_en="Millimages")
    other = make_company(name_en="Zhejiang MegaMedia")
    response = client.post("/companies/new", data={"name_en": "Millimages", "kind": "other",
                                                   "confirm_duplicates": str(other.id)})
    assert "Possible duplicate" in response.get_data(as_text=True)


def test_editing_into_a_duplicate_name_warns(client, rep, ctx, make_company):
    make_company(name_en="Millimages")
    company = make_company(name_en="Milimages")
    response = client.post(f"/companies/{company.id}/edit", data={"name_en": "Millimages", "kind": "other"})
    assert "Possible duplicate" in response.get_data(as_text=True)
    # Saving without renaming does not warn about itself.
    response = client.post(f"/companies/{company.id}/edit", data={"name_en": "Milimages", "kind": "other",
                                                                   "city": "Paris"})
    assert response.status_code == 302


# -- archive, restore, delete ------------------------------------------------

def test_archive_and_restore(client, rep, ctx, make_company):
    company = make_company(name_en="Old Studio")
    assert client.get(f"/companies/{company.id}/archive").status_code == 405  # no state change on GET
    response = client.post(f"/companies/{company.id}/archive", follow_redirects=True)
    assert "Company Old Studio archived." in response.get_data(as_text=True)
    assert get_company(ctx, id=company.id).archived_at is not None
    assert "Old Studio" not in client.get("/companies/").get_data(as_text=True)
    assert "Old Studio" in client.get("/companies/?archived=1").get_data(as_text=True)
    assert "Old Studio" in client.get("/companies/?archived=all").get_data(as_text=True)
    page = client.get(f"/companies/{company.id}").get_data(as_text=True)
    assert f'action="/companies/{company.id}/restore"' in page
    assert "Company Old Studio restored." in client.post(f"/companies/{company.id}/restore",
                                                         follow_redirects=True).get_data(as_text=True)
    assert get_company(ctx, id=company.id).archived_at is None
    assert "Old Studio" in client.get("/companies/").get_data(as_text=True)
    assert "Old Studio" not in client.get("/companies/?archived=1").get_data(as_text=True)
    assert [e.entity_id for e in audit(ctx, "archive")] == [company.id]
    assert [e.entity_id for e in audit(ctx, "restore")] == [company.id]


@pytest.mark.parametrize("role", ["rep", "manager"])
def test_only_admins_delete(client, make_user, login, make_company, role):
    company = make_company()
    login(make_user(role))
    assert client.get(f"/companies/{company.id}/delete").status_code == 403
    assert client.post(f"/companies/{company.id}/delete").status_code == 403
    assert f"/companies/{company.id}/delete" not in client.get(f"/companies/{company.id}").get_data(as_text=True)


def test_admin_deletes_after_confirmation(client, make_user, login, make_company, ctx):
    company = make_company(name_en="Typo Studio")
    login(make_user("admin"))
    assert f"/companies/{company.id}/delete" in client.get(f"/companies/{company.id}").get_data(as_text=True)
    page = client.get(f"/companies/{company.id}/delete").get_data(as_text=True)
    assert "Delete for good" in page
    assert get_company(ctx, id=company.id) is not None  # GET changes nothing
    response = client.post(f"/companies/{company.id}/delete")
    assert response.status_code == 302
    assert get_company(ctx, id=company.id) is None
    [entry] = audit(ctx, "delete")
    assert entry.entity_id == company.id and entry.changes["name_en"] == "Typo Studio"


def test_delete_is_refused_while_records_depend_on_the_company(client, make_user, login, make_company, make_deal,
                                                               ctx):
    company = make_company(name_en="Busy Studio")
    admin = make_user("admin")
    with ctx() as s:
        s.add_all([Contact(company_id=company.id, name_en=f"Person {i}") for i in range(3)])
        s.commit()
    make_deal(admin, company=company)
    make_deal(admin, company=company)
    login(admin)
    page = client.get(f"/companies/{company.id}/delete").get_data(as_text=True)
    assert "3 contacts" in page and "2 deals" in page and "Delete for good" not in page
    response = client.post(f"/companies/{company.id}/delete")
    assert response.status_code == 409
    assert "3 contacts and 2 deals depend on it" in response.get_data(as_text=True)
    assert get_company(ctx, id=company.id) is not None
    assert audit(ctx, "delete") == []


# -- merge -------------------------------------------------------------------

@pytest.fixture
def duplicate_pair(ctx, make_user, make_deal):
    """A target company and a duplicate source with one of every linked record."""
    owner = make_user("rep")
    with ctx() as s:
        target = Company(name_en="Millimages", country="FR", kind=CompanyKind.OTHER)
        source = Company(name_en="Millimages SA", name_zh="米利玛吉", website="https://millimages.example",
                         kind=CompanyKind.DISTRIBUTOR, notes="Paris office")
        both = Event(name_en="MIP China", start_date=dt.date(2017, 5, 23), end_date=dt.date(2017, 5, 25),
                     companies=[target, source])
        only_source = Event(name_en="MIPCOM", start_date=dt.date(2017, 10, 16), end_date=dt.date(2017, 10, 19),
                            companies=[source], organiser=source)
        contact = Contact(company=source, name_en="Claire")
        s.add_all([target, source, both, only_source, contact])
        s.flush()
        s.add_all([
            Lead(owner_id=owner.id, company_id=source.id, summary="Rainbow Chicks"),
            Meeting(owner_id=owner.id, company_id=source.id, starts_at=dt.datetime(2017, 5, 24, 2, tzinfo=dt.UTC)),
            Task(owner_id=owner.id, company_id=source.id, subject="Send screeners"),
            Note(author_id=owner.id, company_id=source.id, body="Likes animation"),
            Title(name_en="Rainbow Chicks", genre=Genre.ANIMATION, rights_holder_id=source.id),
        ])
        s.commit()
        ids = SimpleNamespace(target=target.id, source=source.id, both=both.id, only_source=only_source.id,
                              contact=contact.id, owner=owner)
    ids.deal = make_deal(owner, company=SimpleNamespace(id=ids.source)).id
    return ids


def test_merge_moves_everything_and_archives_the_duplicate(app, ctx, duplicate_pair, make_user):
    ids = duplicate_pair
    manager = make_user("manager")
    with ctx() as s:
        moved = merge_companies(s.get(Company, ids.source), s.get(Company, ids.target), manager, "127.0.0.1")
        s.commit()
    assert moved == {"contacts": 1, "deals": 1, "leads": 1, "meetings": 1, "tasks": 1, "notes": 1, "titles": 1,
                     "events_organised": 1, "events_attended": 2}
    from crm.deals.models import Deal
    from crm.events.models import event_companies

    with ctx() as s:
        for model, column in ((Contact, "company_id"), (Deal, "company_id"), (Lead, "company_id"),
                              (Meeting, "company_id"), (Task, "company_id"), (Note, "company_id"),
                              (Title, "rights_holder_id"), (Event, "organiser_id")):
            assert s.scalar(sa.select(sa.func.count()).where(getattr(model, column) == ids.source)) == 0, model
            assert s.scalar(sa.select(sa.func.count()).where(getattr(model, column) == ids.target)) == 1, model
        attended = set(s.scalars(sa.select(event_companies.c.event_id).where(event_companies.c.company_id
                                                                             == ids.target)))
        assert attended == {ids.both, ids.only_source}
        assert s.scalar(sa.select(sa.func.count()).where(event_companies.c.company_id == ids.source)) == 0
        source, target = s.get(Company, ids.source), s.get(Company, ids.target)
        assert source.archived_at is not None and target.archived_at is None
        # Blanks on the target are filled from the duplicate; its own values stay.
        assert target.name_en == "Millimages" and target.name_zh == "米利玛吉" and target.country == "FR"
        assert target.website == "https://millimages.example" and target.kind == CompanyKind.DISTRIBUTOR
        assert target.notes == "Paris office"
    assert [e.entity_id for e in audit(ctx, "merge")] == [ids.target]
    assert [e.entity_id for e in audit(ctx, "merge_into")] == [ids.source]


def test_merge_refuses_itself_and_archived_targets(app, ctx, make_company, make_user):
    user = make_user("manager")
    a = make_company()
    b = make_company(archived_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    with ctx() as s:
        with pytest.raises(AddressBookError):
            merge_companies(s.get(Company, a.id), s.get(Company, a.id), user)
        with pytest.raises(AddressBookError):
            merge_companies(s.get(Company, a.id), s.get(Company, b.id), user)


def test_merge_pages_are_for_managers(client, login, make_user, ctx, duplicate_pair):
    ids = duplicate_pair
    login(ids.owner)
    assert client.get(f"/companies/{ids.source}/merge?into={ids.target}").status_code == 403
    assert client.post(f"/companies/{ids.source}/merge", data={"into": ids.target}).status_code == 403
    client.post("/logout")
    login(make_user("manager"))
    detail = client.get(f"/companies/{ids.target}").get_data(as_text=True)
    assert "Possible duplicates" in detail and f"/companies/{ids.target}/merge?into={ids.source}" in detail
    page = client.get(f"/companies/{ids.source}/merge?into={ids.target}").get_data(as_text=True)
    assert "1 contact" in page and "1 deal" in page
    assert get_company(ctx, id=ids.source).archived_at is None  # GET changes nothing
    response = client.post(f"/companies/{ids.source}/merge", data={"into": ids.target})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/companies/{ids.target}")
    assert get_company(ctx, id=ids.source).archived_at is not None
    assert "Claire" in client.get(f"/companies/{ids.target}").get_data(as_text=True)


def test_merge_search_finds_a_target(client, login, make_user, make_company):
    source = make_company(name_en="Thunder Anim")
    target = make_company(name_en="Hangzhou Thunder Animation")
    login(make_user("admin"))
    page = client.get(f"/companies/{source.id}/merge?q=Hangzhou").get_data(as_text=True)
    assert f"/companies/{source.id}/merge?into={target.id}" in page


# -- notes and activity ------------------------------------------------------

def test_add_note_shows_on_the_timeline(client, rep, ctx, make_company):
    company = make_company()
    assert client.get(f"/companies/{company.id}/notes").status_code == 405
    response = client.post(f"/companies/{company.id}/notes", data={"body": "  想要第二季。 "})
    assert response.status_code == 302
    page = client.get(f"/companies/{company.id}").get_data(as_text=True)
    assert "想要第二季。" in page and 'class="timeline activity"' in page
    with ctx() as s:
        note = s.scalar(sa.select(Note))
        assert note.company_id == company.id and note.author_id == rep.id and note.body == "想要第二季。"
    assert audit(ctx, "create", "notes")[0].entity_id == note.id


def test_empty_note_is_an_error_next_to_the_field(client, rep, ctx, make_company):
    company = make_company()
    response = client.post(f"/companies/{company.id}/notes", data={"body": "  "})
    assert response.status_code == 400
    assert "Write the note first." in response.get_data(as_text=True)
    with ctx() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Note)) == 0


# -- list: filters, sorting, export, query counts ----------------------------

@pytest.fixture
def catalogue(make_company):
    return {
        "thunder": make_company(name_en="Hangzhou Thunder Animation", name_zh="杭州雷霆动画", country="CN",
                                kind=CompanyKind.ANIMATION_STUDIO),
        "milli": make_company(name_en="Millimages", country="FR", kind=CompanyKind.DISTRIBUTOR),
        "zj": make_company(name_en="Zhejiang Satellite TV", name_zh="浙江卫视", country="CN",
                           kind=CompanyKind.BROADCASTER),
        "evil": make_company(name_en="=HYPERLINK(\"http://x\")", country="US", kind=CompanyKind.OTHER),
    }


def _rows(page: str, names: list[str]) -> list[str]:
    """``names`` in the order they appear on ``page``."""
    return sorted((n for n in names if n in page), key=page.index)


NAMES = ["Hangzhou Thunder Animation", "Millimages", "Zhejiang Satellite TV"]


def test_filters_are_in_the_url(client, rep, catalogue):
    page = client.get("/companies/?country=CN").get_data(as_text=True)
    assert _rows(page, NAMES) == ["Hangzhou Thunder Animation", "Zhejiang Satellite TV"]
    page = client.get("/companies/?country=CN&kind=broadcaster").get_data(as_text=True)
    assert _rows(page, NAMES) == ["Zhejiang Satellite TV"]
    page = client.get("/companies/?q=浙江").get_data(as_text=True)
    assert _rows(page, NAMES) == ["Zhejiang Satellite TV"]
    assert '<option value="CN" selected>' in client.get("/companies/?country=cn").get_data(as_text=True)
    # Unknown values are ignored rather than failing.
    page = client.get("/companies/?country=ZZZ&kind=nope&archived=maybe&sort=password").get_data(as_text=True)
    assert _rows(page, NAMES) == NAMES


def test_sorting_by_clickable_headers(client, rep, catalogue):
    page = client.get("/companies/").get_data(as_text=True)
    assert _rows(page, NAMES) == NAMES
    assert 'href="/companies/?sort=-name"' in page  # sorted by name: clicking again reverses
    page = client.get("/companies/?sort=-name").get_data(as_text=True)
    assert _rows(page, NAMES) == list(reversed(NAMES))
    page = client.get("/companies/?sort=country&country=CN").get_data(as_text=True)
    assert "country=CN" in page.split('class="sort-link')[1].split(">")[0]  # headers keep the filters
    page = client.get("/companies/?sort=-country").get_data(as_text=True)
    assert _rows(page, NAMES)[-1] == "Hangzhou Thunder Animation"  # FR before CN descending
    assert _rows(page, NAMES)[0] == "Millimages"
    page = client.get("/companies/?sort=kind").get_data(as_text=True)
    assert _rows(page, NAMES) == ["Hangzhou Thunder Animation", "Zhejiang Satellite TV", "Millimages"]
    assert client.get("/companies/?sort=-created").status_code == 200


def test_csv_export_is_the_filtered_sorted_list(client, rep, catalogue):
    page = client.get("/companies/?country=CN&sort=-name").get_data(as_text=True)
    assert "/companies/export?fmt=csv&amp;country=CN&amp;sort=-name" in page
    response = client.get("/companies/export?fmt=csv&country=CN&sort=-name")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="companies.csv"' in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["ID", "English name", "Chinese name"]
    assert [r[1] for r in rows[1:]] == ["Zhejiang Satellite TV", "Hangzhou Thunder Animation"]
    assert rows[2][2] == "杭州雷霆动画" and rows[2][5] == "Animation studio" and rows[2][7] == "China"


def test_export_is_not_limited_to_one_page(app, client, rep, ctx):
    with ctx() as s:
        s.add_all([Company(name_en=f"Studio {i:03d}") for i in range(60)])
        s.commit()
    assert "Page 1 of 2" in client.get("/companies/").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(client.get("/companies/export?fmt=csv").get_data().decode("utf-8-sig"))))
    assert len(rows) == 61


def test_export_neutralises_formulas_csv_and_xlsx(client, rep, catalogue):
    rows = list(csv.reader(io.StringIO(
        client.get("/companies/export?fmt=csv&country=US").get_data().decode("utf-8-sig"))))
    assert rows[1][1] == "'=HYPERLINK(\"http://x\")"

    from openpyxl import load_workbook

    response = client.get("/companies/export?fmt=xlsx&kind=other")
    assert 'filename="companies.xlsx"' in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][1] == "English name"
    assert values[1][1] == "'=HYPERLINK(\"http://x\")"
    assert len(values) == 2


def test_export_in_chinese_has_translated_labels_and_chinese_data(client, rep, catalogue):
    client.post("/language", data={"lang": "zh"})
    rows = list(csv.reader(io.StringIO(
        client.get("/companies/export?fmt=csv&kind=broadcaster").get_data().decode("utf-8-sig"))))
    assert rows[1][1:3] == ["Zhejiang Satellite TV", "浙江卫视"] and rows[1][7] == "中国"


def test_unknown_export_format_is_404(client, rep):
    assert client.get("/companies/export?fmt=pdf").status_code == 404


def _add_companies(ctx, count):
    with ctx() as s:
        for _ in range(count):
            n = next(_n)
            s.add(Company(name_en=f"Listed {n}", name_zh=f"公司{n}", country="FR", kind=CompanyKind.PRODUCER))
        s.commit()


@pytest.mark.parametrize("url", ["/companies/?sort=-country&country=FR&kind=producer&q=Listed",
                                 "/companies/export?fmt=csv", "/companies/export?fmt=xlsx"])
def test_fixed_query_count(client, rep, ctx, count_queries, url):
    _add_companies(ctx, 2)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _add_companies(ctx, 10)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert many.count == few.count, many.statements


def test_detail_page_query_count_does_not_grow(client, rep, ctx, count_queries, make_company):
    company = make_company()

    def add(count):
        with ctx() as s:
            for i in range(count):
                s.add(Contact(company_id=company.id, name_en=f"P{i}"))
                s.add(Note(author_id=rep.id, company_id=company.id, body=f"note {i}"))
                s.add(Meeting(owner_id=rep.id, company_id=company.id,
                              starts_at=dt.datetime(2024, 1, 1, 9, i, tzinfo=dt.UTC)))
            s.commit()

    add(2)
    with count_queries() as few:
        assert client.get(f"/companies/{company.id}").status_code == 200
    add(10)
    with count_queries() as many:
        assert client.get(f"/companies/{company.id}").status_code == 200
    assert many.count == few.count, many.statements
