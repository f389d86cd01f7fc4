"""Importing attendee lists and meeting schedules (crm/imports)."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.companies.models import Company, Contact
from crm.events.models import Event, event_companies
from crm.extensions import db
from crm.imports import storage
from crm.imports.mapping import auto_mapping, check_mapping, template_headers
from crm.imports.models import ImportUpload
from crm.imports.parsing import ImportFileError, detect_encoding, read_table
from crm.imports.services import plan_import, report_csv, run_import
from crm.leads.models import Lead
from crm.meetings.models import Meeting


class _MarkedTranslations:
    """Every message looked up through gettext comes back marked, to prove it went through the catalogue."""

    def ugettext(self, s):
        return "⟦" + s

    def ungettext(self, singular, plural, n):
        return "⟦" + (singular if n == 1 else plural)

    gettext, ngettext = ugettext, ungettext


@pytest.fixture
def marked(monkeypatch):
    import flask_babel

    monkeypatch.setattr(flask_babel.Domain, "get_translations", lambda self: _MarkedTranslations())


def csv_bytes(rows, encoding="utf-8", delimiter=",", bom=False) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    data = out.getvalue().encode(encoding)
    return (codecs.BOM_UTF8 + data) if bom else data


def xlsx_bytes(rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def do_import(kind, data, user, filename="file.csv", mode="skip", event=None, mapping=None):
    table = read_table(data, filename)
    mapping = mapping or auto_mapping(kind, table.headers)
    return run_import(kind, table, mapping, user=user, event=event, mode=mode, filename=filename)


def user_in_session(user):
    from crm.auth.models import User

    return db.session.get(User, user.id)


# ---------------------------------------------------------------- parsing


CHINESE_CONTACTS = [
    ["公司名称", "姓名", "职务", "邮箱", "微信号", "国家", "手机"],
    ["杭州雷霆动画", "王小明", "总经理", "wang@thunder.example", "wxm2017", "中国", "13800000000"],
    ["浙江卫视", "李娜", "采购总监", "lina@zjtv.example", "", "CN", ""],
    ["Millimages", "Marc du Pontavice", "CEO", "marc@millimages.example", "", "法国", ""],
]


def test_gb18030_csv_with_chinese_headers_imports(app, make_user):
    user = make_user()
    data = csv_bytes(CHINESE_CONTACTS, encoding="gb18030")
    assert detect_encoding(data) == "gb18030"
    table = read_table(data, "名单.csv")
    assert table.headers[:3] == ["公司名称", "姓名", "职务"]
    with app.app_context():
        result = do_import("contacts", data, user_in_session(user))
        db.session.commit()
        assert result.written and result.created["contacts"] == 3 and result.created["companies"] == 3
        wang = db.session.scalar(sa.select(Contact).where(Contact.email == "wang@thunder.example"))
        assert wang.name_zh == "王小明" and wang.name_en is None and wang.job_title_zh == "总经理"
        assert wang.wechat_id == "wxm2017" and wang.phone == "13800000000"
        assert wang.company.name_zh == "杭州雷霆动画" and wang.company.country == "CN"
        marc = db.session.scalar(sa.select(Contact).where(Contact.email == "marc@millimages.example"))
        assert marc.name_en == "Marc du Pontavice" and marc.company.name_en == "Millimages"
        assert marc.company.country == "FR"  # 法国, by Babel's Chinese territory names


def test_utf8_bom_does_not_reach_the_first_header(app):
    data = csv_bytes([["Company", "Country"], ["Millimages", "FR"]], bom=True)
    with app.app_context():
        table = read_table(data, "list.csv")
        assert table.encoding == "utf-8-sig"
        assert table.headers == ["Company", "Country"]
        assert auto_mapping("companies", table.headers) == ["company", "country"]


def test_utf16_with_bom_and_tab_delimiter(app):
    data = "公司\t国家\r\n浙江卫视\tCN\r\n".encode("utf-16")
    with app.app_context():
        table = read_table(data, "export.txt")
        assert table.delimiter == "\t"
        assert table.headers == ["公司", "国家"] and table.rows[0].values == ["浙江卫视", "CN"]


def test_semicolon_delimited_csv(app, make_user):
    user = make_user()
    data = csv_bytes([["Company name", "Country", "City"], ["Société Générale Films", "France", "Paris"],
                      ["Zhejiang TV", "China", "Hangzhou"]], delimiter=";")
    with app.app_context():
        table = read_table(data, "list.csv")
        assert table.delimiter == ";" and len(table.headers) == 3
        result = do_import("companies", data, user_in_session(user))
        db.session.commit()
        assert result.created["companies"] == 2
        names = set(db.session.scalars(sa.select(Company.name_en)))
        assert names == {"Société Générale Films", "Zhejiang TV"}


def test_cp1252_is_detected(app):
    data = csv_bytes([["Company", "Name"], ["Générale Films", "Jérôme Cartier"]], encoding="cp1252")
    with app.app_context():
        table = read_table(data, "list.csv")
        assert table.rows[0].values == ["Générale Films", "Jérôme Cartier"]


def test_xlsx_import(app, make_user):
    user = make_user()
    data = xlsx_bytes([["Company", "Chinese name", "Country"], ["Rainbow Pictures", "彩虹影业", "HK"],
                       [None, None, None], ["Thunder Animation", "雷霆动画", "cn"]])
    with app.app_context():
        table = read_table(data, "companies.xlsx")
        assert table.format == "xlsx" and [r.number for r in table.rows] == [2, 4]  # empty row 3 skipped
        result = do_import("companies", data, user_in_session(user), filename="companies.xlsx")
        db.session.commit()
        assert result.created["companies"] == 2
        thunder = db.session.scalar(sa.select(Company).where(Company.name_zh == "雷霆动画"))
        assert thunder.name_en == "Thunder Animation" and thunder.country == "CN"


def test_rows_keep_their_file_numbers_and_cells_are_stripped(app):
    data = csv_bytes([["Company ", " Country"], ["", ""], ["  Millimages ", " FR "]])
    with app.app_context():
        table = read_table(data, "x.csv")
        assert table.headers == ["Company", "Country"]
        assert table.rows[0].number == 3 and table.rows[0].values == ["Millimages", "FR"]


@pytest.mark.parametrize("data, filename", [
    (b"%PDF-1.7 something", "list.pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls"),
    (b"", "empty.csv"),
    (b"PK\x03\x04 not really a workbook", "broken.xlsx"),
    (b"Company\r\n", "header-only.csv"),
])
def test_unreadable_files_are_refused_with_a_message(app, marked, data, filename):
    with app.test_request_context(), pytest.raises(ImportFileError) as exc:
        read_table(data, filename)
    assert exc.value.message.startswith("⟦") and len(exc.value.message) > 15  # translated via gettext


def test_too_large_file_is_refused(app):
    with app.app_context(), pytest.raises(ImportFileError) as exc:
        read_table(b"Company\r\n" + b"x\r\n" * 100, "big.csv", max_bytes=50)
    assert "too large" in exc.value.message


# ---------------------------------------------------------------- mapping


def test_auto_mapping_knows_english_and_chinese_headers():
    assert auto_mapping("contacts", ["公司", "姓名", "电子邮件", "微信", "职位", "电话", "国家", "Unknown"]) == [
        "company", "name", "email", "wechat", "title", "phone", "country", ""]
    assert auto_mapping("contacts", ["Company name", "Chinese name", "E-mail", "WeChat ID", "Title"]) == [
        "company", "name_zh", "email", "wechat", "title"]
    assert auto_mapping("companies", ["Name", "中文名", "单位", "Website"]) == ["company", "company_zh", "", "website"]
    headers = ["日期", "开始时间", "时长（分钟）", "桌号", "公司", "联系人", "邮箱", "我方人员"]
    assert auto_mapping("meetings", headers) == [
        "date", "start", "duration", "location", "company", "contacts", "emails", "rep"]


@pytest.mark.parametrize("kind", ["companies", "contacts", "leads", "meetings"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_template_headers_map_back_to_every_field(kind, lang):
    from crm.imports.mapping import KINDS

    assert auto_mapping(kind, template_headers(kind, lang)) == list(KINDS[kind].fields)


def test_mapping_problems(app):
    with app.app_context():
        assert check_mapping("companies", ["company", "country"]) == []
        problems = [str(p) for p in check_mapping("companies", ["country", "country"])]
        assert len(problems) == 2  # chosen twice, and no company name


# ---------------------------------------------------------------- validation and modes

BAD_ROWS = [
    ["Company", "Name", "Email", "Country"],
    ["Good One Ltd", "Alice Martin", "alice@good.example", "GB"],
    ["", "Bob Stone", "bob@nowhere.example", "US"],  # contacts may lack a company: fine
    ["Bad Mail Co", "Carol King", "carol-at-example", "FR"],  # row 4: bad email
    ["Narnia Films", "Dan Brown", "dan@narnia.example", "Narnia"],  # row 5: unknown country
    ["Good Two", "", "nobody@good.example", "CN"],  # row 6: no name
]


def test_skip_mode_imports_good_rows_and_reports_bad_ones(app, make_user):
    user = make_user()
    with app.app_context():
        result = do_import("contacts", csv_bytes(BAD_ROWS), user_in_session(user), mode="skip")
        db.session.commit()
        assert result.written
        assert result.created["contacts"] == 2 and result.skipped_rows == 3
        report = {(p.row, p.column) for p in result.errors}
        assert report == {(4, "Email"), (5, "Country"), (6, "Name")}
        assert all(p.message for p in result.errors)
        # the companies of bad rows are not created
        assert set(db.session.scalars(sa.select(Company.name_en))) == {"Good One Ltd"}
        csv_text = report_csv(result.errors)
        assert "carol-at-example" in csv_text and csv_text.splitlines()[0].lstrip("\ufeff").startswith("Row")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "import")) == 1


def test_reject_mode_writes_nothing(app, make_user):
    user = make_user()
    with app.app_context():
        result = do_import("contacts", csv_bytes(BAD_ROWS), user_in_session(user), mode="reject")
        db.session.commit()
        assert not result.written and result.skipped_rows == 5
        assert len(result.errors) == 3
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Contact)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Company)) == 0


def test_error_messages_come_from_gettext(app, make_user, marked):
    user = make_user()
    with app.test_request_context():
        table = read_table(csv_bytes(BAD_ROWS), "x.csv")
        plan = plan_import("contacts", table, auto_mapping("contacts", table.headers), user=user_in_session(user))
        messages = [p.message for p in plan.errors]
    assert len(messages) == 3 and all(m.startswith("⟦") for m in messages)
    assert "⟦“carol-at-example” is not a valid email address." in messages  # placeholders filled after lookup


def test_error_messages_in_english(app, make_user):
    user = make_user()
    with app.test_request_context():
        table = read_table(csv_bytes(BAD_ROWS), "x.csv")
        plan = plan_import("contacts", table, auto_mapping("contacts", table.headers), user=user_in_session(user))
    assert [p.message for p in plan.errors] == [
        "“carol-at-example” is not a valid email address.",
        "Unknown country “Narnia”: use an ISO code such as CN or FR, or the country's name in English or Chinese.",
        "The contact's name is required.",
    ]


# ---------------------------------------------------------------- duplicates


def test_duplicate_company_is_matched_not_created(app, make_user, make_company):
    user = make_user()
    existing = make_company(name_en="Millimages", country="FR")
    data = csv_bytes([["Company", "Country"], ["Millimages S.A.", "FR"], ["MILLIMAGES", "FR"],
                      ["Thunder Animation Co., Ltd.", "CN"], ["Thunder Animation", "CN"]])
    with app.app_context():
        table = read_table(data, "x.csv")
        plan = plan_import("companies", table, auto_mapping("companies", table.headers), user=user_in_session(user))
        assert list(plan.matched_companies) == [existing.id]
        assert [c.name_en for c in plan.new_companies] == ["Thunder Animation Co., Ltd."]
        warnings = {(w.row, w.link[0] if w.link else None) for w in plan.warnings}
        assert (2, "company") in warnings and (3, "company") in warnings and (5, None) in warnings
        result = run_import("companies", table, auto_mapping("companies", table.headers), user=user_in_session(user))
        db.session.commit()
        assert result.created["companies"] == 1 and result.matched["companies"] == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Company)) == 2


def test_duplicate_contact_by_email_or_wechat(app, make_user, make_company):
    user = make_user()
    company = make_company(name_en="Zhejiang TV", name_zh="浙江卫视")
    with app.app_context():
        db.session.add(Contact(name_en="Li Na", email="LiNa@zjtv.example", company_id=company.id))
        db.session.commit()
        data = csv_bytes([["公司", "姓名", "邮箱", "微信"], ["浙江卫视", "李娜", "lina@zjtv.example", ""],
                          ["浙江卫视", "张伟", "", "zw88"], ["浙江卫视", "张伟 (again)", "", "zw88"]])
        result = do_import("contacts", data, user_in_session(user))
        db.session.commit()
        assert result.created == {"companies": 0, "contacts": 1, "leads": 0, "meetings": 0}
        assert result.matched == {"companies": 1, "contacts": 1} and result.duplicate_rows == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Contact)) == 2


# ---------------------------------------------------------------- leads


def test_lead_import_belongs_to_the_importer(app, make_user, make_company):
    rep, other = make_user(), make_user()
    with app.app_context():
        event = Event(name_en="MIP China", name_zh="MIP中国", timezone="Asia/Shanghai",
                      start_date=dt.date(2017, 5, 23), end_date=dt.date(2017, 5, 25))
        db.session.add(event)
        db.session.commit()
        data = csv_bytes([["Company", "Name", "Email", "Interest", "Genre", "Event"],
                          ["Hangzhou Thunder Animation", "Wang Wei", "ww@thunder.example", "Rainbow Chicks",
                           "动画", "MIP China"],
                          ["Zhejiang TV", "", "", "Formats", "综艺", ""],
                          ["Zhejiang TV", "", "", "Formats again", "", ""]])
        result = do_import("leads", data, user_in_session(rep), event=None)
        db.session.commit()
        assert result.created["leads"] == 2 and result.duplicate_rows == 1
        leads = db.session.scalars(sa.select(Lead).order_by(Lead.id)).all()
        assert {lead.owner_id for lead in leads} == {rep.id} and other.id not in {lead.owner_id for lead in leads}
        assert leads[0].event_id == event.id and leads[0].genre.value == "animation"
        assert leads[0].contact.email == "ww@thunder.example" and leads[1].contact is None
        assert leads[1].genre.value == "variety" and leads[1].event_id is None
        attending = set(db.session.scalars(sa.select(event_companies.c.company_id)))
        assert attending == {leads[0].company_id}


# ---------------------------------------------------------------- meeting schedules


@pytest.fixture
def mip(app):
    with app.app_context():
        event = Event(name_en="MIP China", timezone="Asia/Shanghai", start_date=dt.date(2017, 5, 23),
                      end_date=dt.date(2017, 5, 25))
        db.session.add(event)
        db.session.commit()
        return event.id


SCHEDULE = [
    ["日期", "开始时间", "时长(分钟)", "桌号", "公司", "联系人", "联系人邮箱", "我方人员"],
    ["2017-05-23", "09:30", "30", "A12", "Millimages", "Marc du Pontavice", "marc@millimages.example", ""],
    ["2017/5/23", "10:00", "", "A12", "杭州雷霆动画", "王伟; 李娜", "ww@thunder.example; ln@thunder.example", ""],
    ["2017-05-24", "下午2:30", "45", "B3", "浙江卫视", "张三", "", ""],
    ["2017-05-24", "25:00", "30", "B3", "Bad Time Co", "X", "", ""],  # row 5: bad time
]


def test_meeting_schedule_preview_lists_what_will_be_created(app, make_user, make_company, mip):
    user = make_user()
    make_company(name_en="Millimages")
    with app.app_context():
        table = read_table(csv_bytes(SCHEDULE), "schedule.csv")
        plan = plan_import("meetings", table, auto_mapping("meetings", table.headers), user=user_in_session(user),
                           event=db.session.get(Event, mip))
        assert sorted(c.label for c in plan.new_companies) == ["杭州雷霆动画", "浙江卫视"]
        assert [m.label for m in plan.matched_companies.values()] == ["Millimages"]
        assert sorted(c.label for c in plan.new_contacts) == [
            "Marc du Pontavice <marc@millimages.example>", "张三", "李娜 <ln@thunder.example>",
            "王伟 <ww@thunder.example>"]
        assert [(p.row, p.column) for p in plan.errors] == [(5, "开始时间")]
        assert len(plan.meetings) == 3


def test_meeting_schedule_import_stores_utc_from_the_event_zone(app, make_user, make_company, mip):
    user = make_user()
    make_company(name_en="Millimages")
    with app.app_context():
        result = do_import("meetings", csv_bytes(SCHEDULE), user_in_session(user), event=db.session.get(Event, mip))
        db.session.commit()
        assert result.created["meetings"] == 3 and result.created["companies"] == 2
        meetings = db.session.scalars(sa.select(Meeting).order_by(Meeting.starts_at)).all()
        assert meetings[0].starts_at == dt.datetime(2017, 5, 23, 1, 30, tzinfo=dt.UTC)  # 09:30 Asia/Shanghai
        assert meetings[0].duration_minutes == 30 and meetings[0].location == "A12"
        assert meetings[1].starts_at == dt.datetime(2017, 5, 23, 2, 0, tzinfo=dt.UTC)
        assert meetings[1].duration_minutes == 30  # the default
        assert sorted(c.email for c in meetings[1].contacts) == ["ln@thunder.example", "ww@thunder.example"]
        assert meetings[2].starts_at == dt.datetime(2017, 5, 24, 6, 30, tzinfo=dt.UTC)  # 下午2:30
        assert {m.owner_id for m in meetings} == {user.id}
        assert all([u.id for u in m.users] == [user.id] for m in meetings)
        assert all(m.event_id == mip for m in meetings)
        # importing the same schedule again creates nothing new
        again = do_import("meetings", csv_bytes(SCHEDULE), user_in_session(user), event=db.session.get(Event, mip))
        db.session.commit()
        assert again.created == {"companies": 0, "contacts": 0, "leads": 0, "meetings": 0}
        assert again.duplicate_rows == 3


def test_meeting_rep_column(app, make_user, mip):
    rep, colleague, manager = make_user(), make_user(), make_user("manager")
    rows = [["Date", "Start", "End", "Company", "Contacts", "Our rep"],
            ["2017-05-23", "09:00", "09:45", "Millimages", "Marc", colleague.email],
            ["2017-05-23", "11:00-11:30", "", "Zhejiang TV", "Li", "nobody@example.com"]]
    with app.app_context():
        result = do_import("meetings", csv_bytes(rows), user_in_session(rep), event=db.session.get(Event, mip))
        assert [(p.row, p.column) for p in result.errors] == [(3, "Our rep")]
        db.session.commit()
        meeting = db.session.scalar(sa.select(Meeting))
        assert meeting.owner_id == rep.id and {u.id for u in meeting.users} == {rep.id, colleague.id}
        assert meeting.duration_minutes == 45
        rows[1][3] = "Another Co"
        do_import("meetings", csv_bytes(rows[:2]), user_in_session(manager), event=db.session.get(Event, mip))
        db.session.commit()
        assigned = db.session.scalar(sa.select(Meeting).where(Meeting.owner_id != rep.id))
        assert assigned.owner_id == colleague.id  # a manager assigns the meeting to the named rep


def test_date_and_time_formats(app):
    from crm.imports import values as cells

    with app.app_context():
        start, end = dt.date(2017, 5, 23), dt.date(2017, 5, 25)
        assert cells.parse_date("2017年5月23日", start, end) == dt.date(2017, 5, 23)
        assert cells.parse_date("5月24日", start, end) == dt.date(2017, 5, 24)
        assert cells.parse_date("24/05/2017", start, end) == dt.date(2017, 5, 24)
        assert cells.parse_date("2017-05-23 00:00", start, end) == dt.date(2017, 5, 23)
        assert cells.parse_date("Tue 2017-05-23", start, end) == dt.date(2017, 5, 23)
        with pytest.raises(cells.CellError):
            cells.parse_date("05/06/2017", start, end)
        assert cells.parse_time("9.30") == dt.time(9, 30)
        assert cells.parse_time("2:30 pm") == dt.time(14, 30)
        assert cells.parse_time("下午2点") == dt.time(14, 0)
        assert cells.parse_time("09:30:00") == dt.time(9, 30)
        for bad in ("25:00", "9:75", "13 pm", "soon"):
            with pytest.raises(cells.CellError):
                cells.parse_time(bad)
        assert cells.parse_duration("45 min") == 45 and cells.parse_duration("1h") == 60
        for bad in ("0", "-5", "abc"):
            with pytest.raises(cells.CellError):
                cells.parse_duration(bad)


# ---------------------------------------------------------------- pages


def upload(client, kind, data, filename, **fields):
    return client.post(f"/import/{kind}/", data={"file": (io.BytesIO(data), filename), **fields},
                       content_type="multipart/form-data")


def test_pages_upload_preview_import_and_report(client, login, make_user, app):
    user = make_user()
    login(user)
    assert client.get("/import/").status_code == 200
    template = client.get("/import/contacts/template.csv").get_data(as_text=True)
    assert template.startswith("\ufeffName,")
    response = upload(client, "contacts", csv_bytes(BAD_ROWS), "list.csv")
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "Alice Martin" in page and "carol-at-example" in page and "Good One Ltd" in page
    # adjust the mapping: ignore the country column
    form = {"col_0": "company", "col_1": "name", "col_2": "email", "col_3": "", "mode": "skip", "refresh": "1"}
    page = client.post(preview_url, data=form).get_data(as_text=True)
    assert "Narnia" in page
    form.pop("refresh")
    response = client.post(preview_url, data={**form, "confirm": "1"})
    assert response.status_code == 302 and "/import/result/" in response.headers["Location"]
    result_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Import finished" in result_page
    report = client.get(response.headers["Location"] + "/report.csv")
    assert report.status_code == 200 and "carol-at-example" in report.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Contact)) == 3  # Narnia row now fine
    assert client.get(preview_url).status_code == 404  # the upload was deleted after the import


def test_reject_mode_page_writes_nothing_and_keeps_the_upload(client, login, make_user, app):
    login(make_user())
    preview_url = upload(client, "contacts", csv_bytes(BAD_ROWS), "list.csv").headers["Location"]
    form = {"col_0": "company", "col_1": "name", "col_2": "email", "col_3": "country", "mode": "reject",
            "confirm": "1"}
    response = client.post(preview_url, data=form)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing was imported" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Contact)) == 0
    assert client.get(preview_url).status_code == 200


def test_bad_upload_shows_error_next_to_the_field(client, login, make_user, marked):
    login(make_user(locale="zh"))
    page = upload(client, "companies", b"%PDF-1.4", "x.pdf").get_data(as_text=True)
    assert 'class="errors"' in page and "⟦This is not a CSV or XLSX file." in page


def test_uploads_belong_to_their_user(client, login, make_user, app):
    owner, other = make_user(), make_user()
    login(owner)
    preview_url = upload(client, "companies", csv_bytes([["Company"], ["Acme"]]), "a.csv").headers["Location"]
    client.post("/logout")
    login(other)
    assert client.get(preview_url).status_code == 404
    assert client.post(preview_url, data={"col_0": "company", "mode": "skip", "confirm": "1"}).status_code == 404
    assert client.get("/import/companies/../../etc/passwd").status_code == 404


def test_cancel_discards_the_upload(client, login, make_user, app):
    login(make_user())
    preview_url = upload(client, "companies", csv_bytes([["Company"], ["Acme"]]), "a.csv").headers["Location"]
    assert client.get(preview_url).status_code == 200
    response = client.post(preview_url + "/cancel")
    assert response.status_code == 302
    assert client.get(preview_url).status_code == 404
    assert client.post(preview_url + "/cancel").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportUpload)) == 0


def test_meeting_upload_requires_an_event(client, login, make_user):
    login(make_user())
    page = upload(client, "meetings", csv_bytes(SCHEDULE), "s.csv").get_data(as_text=True)
    assert "Choose the event" in page


def test_expired_uploads_are_purged(app, make_user):
    owner, other = make_user(), make_user()
    with app.test_request_context():
        token = storage.save_upload(b"Company\r\nAcme\r\n", user_id=owner.id, kind="companies", filename="a.csv")
        assert storage.load_upload(token, owner.id) is not None
        assert storage.load_upload(token, other.id) is None
        assert storage.load_upload("../../etc/passwd", owner.id) is None
        import time

        assert storage.purge_expired(now=time.time() + 10 * 24 * 3600) == 1
        assert storage.load_upload(token, owner.id) is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportUpload)) == 0


def test_uploads_live_in_the_database_not_on_disk(app, make_user, tmp_path, monkeypatch):
    """Another app server sees the upload: only the database holds it (nothing in the instance folder)."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    user = make_user()
    with app.test_request_context():
        token = storage.save_upload(b"Company\r\nAcme\r\n", user_id=user.id, kind="companies", filename="a.csv",
                                    mapping=["company"])
        storage.update_meta(token, user.id, mapping=["name"])
        db.session.remove()  # a fresh session, as another worker would have
        data, meta = storage.load_upload(token, user.id)
        assert data == b"Company\r\nAcme\r\n"
        assert meta["mapping"] == ["name"] and meta["kind"] == "companies" and meta["size"] == len(data)
        storage.save_result(token, user.id, {"kind": "companies", "written": True})
        storage.delete_upload(token)
        assert storage.load_upload(token, user.id) is None
        assert storage.load_result(token, user.id) == {"kind": "companies", "written": True}
        assert storage.load_result(token, user.id + 1) is None
        row = db.session.scalars(sa.select(ImportUpload)).one()
        assert row.data is None and row.result is not None
    assert not (tmp_path / "instance").exists()


def test_import_pages_require_login(client):
    for url in ("/import/", "/import/companies/", "/import/companies/template.csv"):
        assert client.get(url).status_code == 302


def test_meeting_schedule_pages(client, login, make_user, mip, app):
    user = make_user(locale="zh")
    login(user)
    assert client.get("/import/meetings/").status_code == 200
    response = upload(client, "meetings", csv_bytes(SCHEDULE, encoding="gb18030"), "日程.csv", event=str(mip))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "杭州雷霆动画" in page and "Asia/Shanghai" in page and "王伟 &lt;ww@thunder.example&gt;" in page
    response = client.post(response.headers["Location"], data={
        **{f"col_{i}": f for i, f in enumerate(auto_mapping("meetings", SCHEDULE[0]))}, "mode": "skip",
        "confirm": "1"})
    assert client.get(response.headers["Location"]).status_code == 200
    with app.app_context():
        assert {m.owner_id for m in db.session.scalars(sa.select(Meeting))} == {user.id}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "import", AuditEntry.entity_id == mip)) == 1
