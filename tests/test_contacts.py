"""Contact pages: create, edit, duplicates, archive/restore, admin delete, list
filters/sorting/export, notes and the audit trail."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.companies.models import Company, Contact
from crm.leads.models import Lead
from crm.meetings.models import Meeting
from crm.tasks.models import Note

_n = itertools.count(1)


def get_contact(ctx, **where):
    with ctx() as s:
        contact = s.scalar(sa.select(Contact).filter_by(**where))
        if contact is not None:
            s.expunge(contact)
        return contact


def audit(ctx, action, entity_type="contacts"):
    with ctx() as s:
        return s.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action, AuditEntry.entity_type == entity_type)
        ).all()


@pytest.fixture
def rep(make_user, login):
    user = make_user("rep")
    login(user)
    return user


@pytest.fixture
def studio(make_company):
    return make_company(name_en="Hangzhou Thunder Animation", name_zh="杭州雷霆动画", country="CN")


def valid(studio, **overrides):
    data = {
        "name_en": "Wang Lei", "name_zh": "王磊", "job_title_en": "Head of Sales", "job_title_zh": "销售总监",
        "company_id": str(studio.id), "email": "Wang.Lei@Thunder.example.cn", "phone": "+86 571 8888 0000",
        "wechat_id": "wanglei_tv", "languages": ["zh", "en"], "notes": "Likes animal shows.",
    }
    data.update(overrides)
    return data


def test_create_contact(client, rep, ctx, studio):
    assert 'href="/contacts/new"' in client.get("/contacts/").get_data(as_text=True)
    form = client.get(f"/contacts/new?company={studio.id}").get_data(as_text=True)
    assert f'<option selected value="{studio.id}">' in form
    response = client.post("/contacts/new", data=valid(studio))
    assert response.status_code == 302
    contact = get_contact(ctx, name_en="Wang Lei")
    assert contact.company_id == studio.id and contact.email == "wang.lei@thunder.example.cn"
    assert contact.languages == "zh en" and contact.job_title_zh == "销售总监"
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "Head of Sales" in page and "Chinese and English" in page and "Hangzhou Thunder Animation" in page
    entry = audit(ctx, "create")[0]
    assert entry.entity_id == contact.id and entry.user_id == rep.id and entry.changes["name_zh"] == "王磊"


def test_create_contact_in_chinese_without_company(client, rep, ctx, studio):
    client.post("/language", data={"lang": "zh"})
    data = valid(studio, name_en="", company_id="", email="", wechat_id="李娜微信", languages=["zh"],
                 notes="在西湖游船上认识。")
    assert client.post("/contacts/new", data=data).status_code == 302
    contact = get_contact(ctx, name_zh="王磊")
    assert contact.company_id is None and contact.name_en is None and contact.email is None
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "王磊" in page and "销售总监" in page and "在西湖游船上认识。" in page and "李娜微信" in page
    assert 'value="王磊"' in client.get(f"/contacts/{contact.id}/edit").get_data(as_text=True)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"name_en": "", "name_zh": ""}, "Enter an English or a Chinese name (or both)."),
    ({"email": "not-an-email"}, "Enter a valid email address."),
    ({"company_id": "999999"}, "Choose a company from the list."),
    ({"languages": ["tlh"]}, "not a valid choice"),
])
def test_validation_errors_keep_input(client, rep, ctx, studio, overrides, message):
    response = client.post("/contacts/new", data=valid(studio, **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page and 'class="field has-error' in page
    assert 'value="wanglei_tv"' in page and 'value="+86 571 8888 0000"' in page
    assert "Likes animal shows." in page
    with ctx() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Contact)) == 0


def test_edit_contact(client, rep, ctx, studio, make_company):
    other = make_company(name_en="Millimages")
    with ctx() as s:
        contact = Contact(name_en="Claire", company_id=studio.id, languages="fr")
        s.add(contact)
        s.commit()
        contact_id = contact.id
    detail = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert f'href="/contacts/{contact_id}/edit"' in detail
    form = client.get(f"/contacts/{contact_id}/edit").get_data(as_text=True)
    assert 'value="Claire"' in form and '<option selected value="fr">' in form
    response = client.post(f"/contacts/{contact_id}/edit", data={
        "name_en": "Claire Dupont", "company_id": str(other.id), "languages": ["fr", "en"]})
    assert response.status_code == 302
    contact = get_contact(ctx, id=contact_id)
    assert contact.name_en == "Claire Dupont" and contact.company_id == other.id and contact.languages == "fr en"
    [entry] = audit(ctx, "update")
    assert entry.changes["company_id"] == [studio.id, other.id]
    # Clearing the company and every language.
    client.post(f"/contacts/{contact_id}/edit", data={"name_en": "Claire Dupont", "company_id": ""})
    contact = get_contact(ctx, id=contact_id)
    assert contact.company_id is None and contact.languages is None


def test_duplicate_email_warns_then_create_anyway(client, rep, ctx, studio):
    with ctx() as s:
        s.add(Contact(name_en="Lei Wang", email="wang.lei@thunder.example.cn"))
        s.commit()
        existing = s.scalar(sa.select(Contact.id))
    response = client.post("/contacts/new", data=valid(studio))
    page = response.get_data(as_text=True)
    assert "Possible duplicate" in page and f'href="/contacts/{existing}"' in page
    assert "Open the existing one" in page and "Create anyway" in page
    assert 'value="Wang Lei"' in page  # what was typed is kept
    assert get_contact(ctx, name_en="Wang Lei") is None
    response = client.post("/contacts/new", data=valid(studio, confirm_duplicates=str(existing)))
    assert response.status_code == 302
    assert get_contact(ctx, name_en="Wang Lei") is not None


def test_duplicate_wechat_warns(client, rep, ctx, studio):
    with ctx() as s:
        s.add(Contact(name_zh="王磊", wechat_id="wanglei_tv"))
        s.commit()
    page = client.post("/contacts/new", data=valid(studio, email="")).get_data(as_text=True)
    assert "Possible duplicate" in page


def test_archive_and_restore(client, rep, ctx, studio):
    with ctx() as s:
        s.add(Contact(name_en="Gone Person"))
        s.commit()
        contact_id = s.scalar(sa.select(Contact.id))
    assert client.get(f"/contacts/{contact_id}/archive").status_code == 405
    page = client.post(f"/contacts/{contact_id}/archive", follow_redirects=True).get_data(as_text=True)
    assert "Contact Gone Person archived." in page and f'action="/contacts/{contact_id}/restore"' in page
    assert "Gone Person" not in client.get("/contacts/").get_data(as_text=True)
    assert "Gone Person" in client.get("/contacts/?archived=1").get_data(as_text=True)
    client.post(f"/contacts/{contact_id}/restore")
    assert get_contact(ctx, id=contact_id).archived_at is None
    assert "Gone Person" in client.get("/contacts/").get_data(as_text=True)
    assert len(audit(ctx, "archive")) == 1 and len(audit(ctx, "restore")) == 1


@pytest.mark.parametrize("role", ["rep", "manager"])
def test_only_admins_delete(client, make_user, login, ctx, role):
    with ctx() as s:
        s.add(Contact(name_en="Someone"))
        s.commit()
        contact_id = s.scalar(sa.select(Contact.id))
    login(make_user(role))
    assert client.get(f"/contacts/{contact_id}/delete").status_code == 403
    assert client.post(f"/contacts/{contact_id}/delete").status_code == 403
    assert get_contact(ctx, id=contact_id) is not None


def test_admin_deletes_a_contact_and_their_meeting_attendance(client, make_user, login, ctx):
    admin = make_user("admin")
    with ctx() as s:
        contact = Contact(name_en="Typo Person")
        meeting = Meeting(owner_id=admin.id, starts_at=dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC),
                          contacts=[contact])
        s.add_all([contact, meeting])
        s.commit()
        contact_id, meeting_id = contact.id, meeting.id
    login(admin)
    assert "Delete for good" in client.get(f"/contacts/{contact_id}/delete").get_data(as_text=True)
    assert client.post(f"/contacts/{contact_id}/delete").status_code == 302
    assert get_contact(ctx, id=contact_id) is None
    with ctx() as s:
        assert s.get(Meeting, meeting_id).contacts == []
    assert audit(ctx, "delete")[0].entity_id == contact_id


def test_delete_refused_with_dependents(client, make_user, login, ctx, studio):
    admin = make_user("admin")
    with ctx() as s:
        contact = Contact(name_en="Busy Person", company_id=studio.id)
        s.add(contact)
        s.flush()
        s.add(Lead(owner_id=admin.id, company_id=studio.id, contact_id=contact.id))
        s.add(Note(author_id=admin.id, contact_id=contact.id, body="hello"))
        s.add(Note(author_id=admin.id, contact_id=contact.id, body="again"))
        s.commit()
        contact_id = contact.id
    login(admin)
    response = client.post(f"/contacts/{contact_id}/delete")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "1 lead" in page and "2 notes" in page and "depend on it" in page
    assert get_contact(ctx, id=contact_id) is not None


def test_add_note(client, rep, ctx):
    with ctx() as s:
        s.add(Contact(name_en="Noted"))
        s.commit()
        contact_id = s.scalar(sa.select(Contact.id))
    assert client.post(f"/contacts/{contact_id}/notes", data={"body": "Send the 52 × 11' screener"}).status_code == 302
    page = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert "Send the 52 × 11&#39; screener" in page
    response = client.post(f"/contacts/{contact_id}/notes", data={"body": ""})
    assert response.status_code == 400 and "Write the note first." in response.get_data(as_text=True)
    with ctx() as s:
        assert s.scalar(sa.select(Note.contact_id)) == contact_id


# -- list --------------------------------------------------------------------

@pytest.fixture
def people(ctx, make_company):
    thunder = make_company(name_en="Hangzhou Thunder Animation", name_zh="杭州雷霆动画")
    milli = make_company(name_en="Millimages")
    with ctx() as s:
        s.add_all([
            Contact(name_en="Wang Lei", name_zh="王磊", company_id=thunder.id, email="b@thunder.example",
                    wechat_id="wanglei_tv"),
            Contact(name_en="Claire Martin", company_id=milli.id, email="c@millimages.example"),
            Contact(name_en="Adam Free", email="a@free.example"),
            Contact(name_en="@SUM(A1)", company_id=milli.id),
        ])
        s.commit()
    return {"thunder": thunder, "milli": milli}


NAMES = ["Adam Free", "Claire Martin", "Wang Lei"]


def _rows(page: str, names=NAMES) -> list[str]:
    return sorted((n for n in names if n in page), key=page.index)


def test_search_and_filters(client, rep, people):
    assert _rows(client.get("/contacts/?q=wanglei_tv").get_data(as_text=True)) == ["Wang Lei"]
    assert _rows(client.get("/contacts/?q=王磊").get_data(as_text=True)) == ["Wang Lei"]
    assert _rows(client.get("/contacts/?q=c@millimages").get_data(as_text=True)) == ["Claire Martin"]
    page = client.get(f"/contacts/?company={people['milli'].id}").get_data(as_text=True)
    assert _rows(page) == ["Claire Martin"] and "Millimages" in page
    assert _rows(client.get("/contacts/?company_q=雷霆").get_data(as_text=True)) == ["Wang Lei"]
    company_page = client.get(f"/companies/{people['thunder'].id}").get_data(as_text=True)
    assert f"/contacts/?company={people['thunder'].id}" in company_page
    assert f"/contacts/new?company={people['thunder'].id}" in company_page


def test_sorting(client, rep, people):
    assert _rows(client.get("/contacts/").get_data(as_text=True)) == NAMES
    assert _rows(client.get("/contacts/?sort=-name").get_data(as_text=True)) == list(reversed(NAMES))
    assert _rows(client.get("/contacts/?sort=email").get_data(as_text=True)) == ["Adam Free", "Wang Lei",
                                                                                 "Claire Martin"]
    # By company name (no company first), then by id.
    assert _rows(client.get("/contacts/?sort=company").get_data(as_text=True)) == ["Adam Free", "Wang Lei",
                                                                                   "Claire Martin"]
    assert 'href="/contacts/?sort=-company"' in client.get("/contacts/?sort=company").get_data(as_text=True)


def test_export_csv_and_xlsx(client, rep, people):
    response = client.get(f"/contacts/export?fmt=csv&company={people['milli'].id}&sort=-name")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["ID", "English name", "Chinese name"]
    assert [r[1] for r in rows[1:]] == ["Claire Martin", "'@SUM(A1)"]
    assert rows[1][5] == "Millimages"

    from openpyxl import load_workbook

    response = client.get("/contacts/export?fmt=xlsx&q=王磊")
    values = list(load_workbook(io.BytesIO(response.get_data())).active.iter_rows(values_only=True))
    assert len(values) == 2
    assert values[1][1:3] == ("Wang Lei", "王磊") and values[1][5:7] == ("Hangzhou Thunder Animation", "杭州雷霆动画")


def _add_contacts(ctx, count):
    with ctx() as s:
        for _ in range(count):
            n = next(_n)
            company = Company(name_en=f"Firm {n}")
            s.add_all([company, Contact(name_en=f"Listed {n}", company=company, email=f"l{n}@example.com")])
        s.commit()


@pytest.mark.parametrize("url", ["/contacts/?sort=-company&q=Listed", "/contacts/?company_q=Firm&sort=email",
                                 "/contacts/export?fmt=csv", "/contacts/export?fmt=xlsx"])
def test_fixed_query_count(client, rep, ctx, count_queries, url):
    _add_contacts(ctx, 2)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _add_contacts(ctx, 10)
    with count_queries() as many:
        response = client.get(url)
    assert response.status_code == 200
    assert many.count == few.count, many.statements


def test_contact_list_shows_twelve_rows(client, rep, ctx):
    _add_contacts(ctx, 12)
    assert client.get("/contacts/").get_data(as_text=True).count("Listed ") >= 12
