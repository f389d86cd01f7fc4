"""Hostile input (ASVS 1.2, 1.3): a corpus of payloads stored in text fields, then checked
wherever the value comes back out — HTML pages, the JSON API, CSV and XLSX exports, the ICS
calendar, the term-sheet PDF and the audit log. Each output must show the value as text
(escaped, never markup), keep it intact (Chinese, emoji, right-to-left marks), and never let
it become a spreadsheet formula or a new calendar property."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from markupsafe import escape
from openpyxl import load_workbook

from crm.extensions import db

PAYLOADS = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1)",
    "Robert'); DROP TABLE companies;--",
    "熊猫邮递员 🐼🎬 ‮evil‬ 彩虹小鸡",
    "line one\r\nATTENDEE:mailto:evil@example.com",
    "x" * 190,
]


@pytest.fixture(params=range(len(PAYLOADS)), ids=lambda i: f"payload{i}")
def hostile(request, app, make_user, make_company, make_deal):
    """A rep's company, contact, deal and meeting all carrying one payload."""
    from crm.companies.models import Contact
    from crm.meetings.models import Meeting

    payload = PAYLOADS[request.param]
    rep = make_user("rep")
    company = make_company(name_en=payload, city=payload[:100])
    deal = make_deal(rep, company=company, name_en=payload[:200], notes=payload)
    with app.app_context():
        contact = Contact(name_en=payload[:120], company_id=company.id)
        meeting = Meeting(owner_id=rep.id, company_id=company.id, location=payload[:120], notes=payload,
                          starts_at=dt.datetime(2017, 5, 24, 1, 30, tzinfo=dt.UTC))
        db.session.add_all([contact, meeting])
        db.session.commit()
        ids = {"company": company.id, "deal": deal.id, "contact": contact.id, "meeting": meeting.id}
    return payload, rep, ids


def _no_markup(payload: str, body: str, shown: bool = False) -> None:
    """Never as markup; when the page shows the value, escaped and whole."""
    if "<" in payload:
        assert payload not in body, "user data rendered as markup"
    if shown:
        assert str(escape(payload)) in body


def test_html_pages_escape_it(client, login, hostile):
    payload, rep, ids = hostile
    login(rep)
    for url in (f"/companies/{ids['company']}", "/companies/", f"/deals/{ids['deal']}", "/deals/",
                f"/meetings/{ids['meeting']}", f"/contacts/{ids['contact']}", "/search/?q=Robert"):
        body = client.get(url).get_data(as_text=True)
        _no_markup(payload, body, shown=url == f"/companies/{ids['company']}" and "\r" not in payload)
        assert 'href="javascript:' not in body


def test_json_api_returns_it_intact(app, client, hostile):
    from crm.api.tokens import create_token
    from crm.auth.models import User

    payload, rep, ids = hostile
    with app.app_context():
        raw = create_token(db.session.get(User, rep.id), "t")[1]
        db.session.commit()
    response = client.get(f"/api/v1/companies/{ids['company']}", headers={"Authorization": f"Bearer {raw}"})
    assert response.is_json and response.get_json()["name_en"] == payload
    for ch in set(payload) - set("\r\n\"\\"):  # printable text is sent as UTF-8, not as \u escapes
        if ch.isprintable():
            assert ch in response.get_data(as_text=True)


def test_exports_never_start_a_cell_with_a_formula(client, login, hostile):
    payload, rep, _ids = hostile
    login(rep)
    csv_body = client.get("/companies/export?fmt=csv").get_data().decode("utf-8-sig")
    for line in csv_body.splitlines()[1:]:
        for cell in line.split(","):
            assert not cell.lstrip('"').startswith(("=", "+", "-", "@")), line
    book = load_workbook(io.BytesIO(client.get("/companies/export?fmt=xlsx").get_data()))
    for row in book.active.iter_rows(min_row=2, values_only=True):
        for cell in row:
            assert not (isinstance(cell, str) and cell.startswith(("=", "+", "-", "@"))), row
    cells = [c for r in book.active.iter_rows(min_row=2, values_only=True) for c in r if isinstance(c, str)]
    expected = (payload if not payload.startswith(("=", "+", "-", "@")) else "'" + payload).replace("\r", "")
    assert expected in cells  # kept whole: only a leading apostrophe added where it would be a formula


def test_calendar_file_cannot_gain_properties(client, login, hostile):
    payload, rep, _ids = hostile
    login(rep)
    ics = client.get("/meetings/export.ics").get_data(as_text=True)
    assert not re.search(r"^ATTENDEE", ics, re.M), "a payload created a calendar property"
    from icalendar import Calendar

    event = next(c for c in Calendar.from_ical(ics).walk("VEVENT"))
    assert payload.replace("\r\n", "\n") in str(event.get("description")).replace("\r\n", "\n")


def test_term_sheet_pdf_prints_it_as_text(app, hostile):
    from pypdf import PdfReader

    from crm.deals.models import Deal
    from crm.termsheets.render import render_pdf

    payload, _rep, ids = hostile
    with app.test_request_context():
        pdf = render_pdf(db.session.get(Deal, ids["deal"]), "en")
    text = "".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages)
    flat = "".join(text.split())
    probe = "".join(payload[:30].split())
    if probe.isascii():
        assert probe in flat


def test_audit_log_keeps_it_on_one_escaped_line(app, client, make_user, login, hostile):
    from crm.audit.models import record

    payload, _rep, ids = hostile
    with app.app_context():
        record("update", entity=None, changes={"name": payload})
        db.session.commit()
    login(make_user("admin"))
    page = client.get("/admin/audit").get_data(as_text=True)
    _no_markup(payload, page)
    csv_body = client.get("/admin/audit?fmt=csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(csv_body)))
    details = [row[5] for row in rows[1:] if row[2] == "Changed"]
    assert len(details) == 1 and payload.replace("\r\n", "\n") in details[0].replace("\r\n", "\n")
    assert not details[0].startswith(("=", "+", "-", "@"))  # one cell, whole, never a formula


def test_messages_carrying_user_input_are_escaped(app):
    """Flask-Babel's lazy strings call themselves HTML-safe; ours (crm.i18n.lazy_gettext) do not,
    so a message whose placeholder holds what someone typed stays text in a template."""
    from flask import render_template_string

    from crm.i18n import lazy_gettext as _l

    with app.test_request_context():
        html = render_template_string("<p>{{ m }}</p>", m=_l("Unknown field “%(field)s”.", field=PAYLOADS[1]))
    assert PAYLOADS[1] not in html and str(escape(PAYLOADS[1])) in html


def test_an_import_sheet_name_is_shown_as_text(client, login, make_user):
    from openpyxl import Workbook

    from tests.test_imports import upload

    login(make_user())
    wb = Workbook()
    wb.active.title = "<img src=x onerror=alert(1)>"  # a sheet name is 31 characters at most
    wb.active.append(["Company"])
    wb.active.append(["Acme"])
    wb.create_sheet("second")
    data = io.BytesIO()
    wb.save(data)
    response = upload(client, "companies", data.getvalue(), "book.xlsx")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<img src=x onerror=alert(1)>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the note about the first worksheet, escaped
