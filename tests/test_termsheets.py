"""Term-sheet drafts: rendering in three languages, CJK font, safe fetching, versions, scoping."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal

import pytest
from babel.numbers import format_currency
from pypdf import PdfReader

from crm.enums import DocumentLanguage
from crm.extensions import db

CN_NAME = "上海星光影视有限公司"
AMOUNT = Decimal("123456.78")


@pytest.fixture
def deal_setup(make_user, make_company, make_deal):
    owner = make_user("rep")
    company = make_company(name_en="Starlight Media", name_zh=CN_NAME, legal_name_zh=CN_NAME,
                           address_en="1 Bund Road, Shanghai", address_zh="上海市外滩路1号")
    deal = make_deal(owner, deal_type="distribution", company=company, amount=AMOUNT, currency="USD")
    return owner, deal


def _pdf_text(pdf: bytes) -> tuple[list[str], PdfReader]:
    reader = PdfReader(io.BytesIO(pdf))
    return [page.extract_text() or "" for page in reader.pages], reader


def _font_names(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            names.add(str(ref.get_object().get("/BaseFont")))
    return names


def _flat(text: str) -> str:
    return "".join(text.split()).replace("\u00a0", "").replace("\u202f", "")


@pytest.mark.parametrize("language,locale", [("en", "en"), ("zh", "zh_Hans_CN"), ("bilingual", "zh_Hans_CN")])
def test_pdf_in_each_language(app, deal_setup, language, locale):
    from crm.deals.models import Deal
    from crm.termsheets.render import render_pdf

    _owner, deal = deal_setup
    with app.test_request_context():
        pdf = render_pdf(db.session.get(Deal, deal.id), language)
    pages, reader = _pdf_text(pdf)
    text = _flat("".join(pages))
    assert _flat(format_currency(AMOUNT, "USD", locale=locale)) in text
    if language == "bilingual":
        assert _flat(format_currency(AMOUNT, "USD", locale="en")) in text
    if language != "en":
        assert CN_NAME in text
    for page in pages:
        assert _flat("DRAFT — non-binding / 草案 — 不具法律约束力") in _flat(page)
    assert any("CJK" in n or "NotoSansSC" in n or "SourceHan" in n for n in _font_names(reader)), _font_names(reader)


def test_html_escapes_user_data_and_fetches_nothing(app, make_user, make_company, make_deal, monkeypatch):
    from crm.deals.models import Deal
    from crm.termsheets import fetcher, render

    calls = []
    real = fetcher.safe_fetcher

    def recording(url, *args, **kwargs):
        calls.append(url)
        return real(url, *args, **kwargs)

    monkeypatch.setattr(render, "safe_fetcher", recording)
    owner = make_user("rep")
    evil = '<img src="file:///etc/passwd">'
    company = make_company(name_en=evil, address_en='<a href="http://127.0.0.1:1/">http://127.0.0.1:1/</a>',
                           website="http://127.0.0.1:1/")
    deal = make_deal(owner, company=company)
    with app.test_request_context():
        d = db.session.get(Deal, deal.id)
        html = render.render_html(d, "en")
        pdf = render.render_pdf(d, "en")
    assert "<img" not in html and "&lt;img src=" in html
    assert calls == []
    text = "".join(_pdf_text(pdf)[0])
    assert 'file:///etc/passwd' in text and "http://127.0.0.1:1/" in text


def test_fetcher_refuses_file_and_network_urls():
    from crm.termsheets.fetcher import BASE_URL, RefusedURLError, safe_fetcher

    for url in ("file:///etc/passwd", "http://127.0.0.1:1/", "https://example.com/x.png",
                BASE_URL + "static/../../etc/passwd", "ftp://example.com/"):
        with pytest.raises(RefusedURLError):
            safe_fetcher(url)
    assert safe_fetcher("data:text/plain,hi")["string"] == b"hi"
    served = safe_fetcher(BASE_URL + "static/favicon.svg")
    assert served["string"].startswith(b"<")


def test_missing_font_gives_clear_error_and_no_pdf(app, deal_setup, login, client, monkeypatch):
    from crm.termsheets import fonts
    from crm.termsheets.models import TermSheet

    owner, deal = deal_setup
    monkeypatch.setattr(fonts, "cjk_font_family", lambda: None)
    login(owner)
    response = client.post(f"/deals/{deal.id}/term-sheets", data={"lang": "zh"}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "fonts-noto-cjk" in body and ":lang=zh-cn" in body
    with app.app_context():
        assert db.session.query(TermSheet).count() == 0


def test_versions_and_download(app, deal_setup, login, client):
    from crm.deals.models import Deal
    from crm.termsheets.models import TermSheet

    owner, deal = deal_setup
    login(owner)
    response = client.post(f"/deals/{deal.id}/term-sheets", data={"lang": "bilingual"})
    assert response.status_code == 302
    client.post(f"/deals/{deal.id}/term-sheets", data={"lang": "bilingual"})  # unchanged: same version
    with app.app_context():
        sheets = db.session.query(TermSheet).all()
        assert [s.number for s in sheets] == [1]
        d = db.session.get(Deal, deal.id)
        d.amount = Decimal("200000.00")
        db.session.commit()
    client.post(f"/deals/{deal.id}/term-sheets", data={"lang": "bilingual"})
    with app.app_context():
        sheets = db.session.query(TermSheet).order_by(TermSheet.number).all()
        assert [s.number for s in sheets] == [1, 2]
        assert sheets[1].deal_version > sheets[0].deal_version
        assert sheets[1].language == DocumentLanguage.BILINGUAL
        first_id, stored, digest = sheets[0].id, sheets[0].content, sheets[0].sha256
    download = client.get(f"/term-sheets/{first_id}/download")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data == stored and hashlib.sha256(download.data).hexdigest() == digest
    assert f"deal{deal.id}-v1-bilingual" in download.headers["Content-Disposition"]
    page = client.get(f"/deals/{deal.id}").get_data(as_text=True)
    assert f"/term-sheets/{first_id}/download" in page and "term-sheets/preview?lang=zh" in page


def test_service_returns_existing_version_for_unchanged_deal(app, deal_setup):
    from crm.deals.models import Deal
    from crm.termsheets.services import generate

    owner, deal = deal_setup
    with app.test_request_context():
        d = db.session.get(Deal, deal.id)
        first = generate(d, "en", owner)
        db.session.commit()
        again = generate(d, "en", owner)
        assert again.id == first.id and first.number == 1
        other = generate(d, "zh", owner)
        assert other.number == 2


def test_preview_languages(deal_setup, login, client):
    owner, deal = deal_setup
    login(owner)
    en = client.get(f"/deals/{deal.id}/term-sheets/preview?lang=en").get_data(as_text=True)
    zh = client.get(f"/deals/{deal.id}/term-sheets/preview?lang=zh").get_data(as_text=True)
    both = client.get(f"/deals/{deal.id}/term-sheets/preview?lang=bilingual").get_data(as_text=True)
    assert "Licence term sheet" in en and "$123,456.78" in en
    assert CN_NAME in zh and CN_NAME in both
    assert client.get(f"/deals/{deal.id}/term-sheets/preview?lang=xx").status_code == 400


def test_rep_cannot_see_another_reps_term_sheet(app, deal_setup, make_user, login, client):
    from crm.deals.models import Deal
    from crm.termsheets.services import generate

    owner, deal = deal_setup
    with app.test_request_context():
        sheet = generate(db.session.get(Deal, deal.id), "en", owner)
        db.session.commit()
        sheet_id = sheet.id
    login(make_user("rep"))
    assert client.get(f"/term-sheets/{sheet_id}/download").status_code == 404
    assert client.get(f"/deals/{deal.id}/term-sheets/preview?lang=en").status_code == 404
    assert client.post(f"/deals/{deal.id}/term-sheets", data={"lang": "en"}).status_code == 404


def test_coproduction_and_format_say_not_available_yet(make_user, make_deal, login, client):
    owner = make_user("rep")
    login(owner)
    for deal_type in ("coproduction", "format"):
        deal = make_deal(owner, deal_type=deal_type, stage="lead")
        body = client.get(f"/deals/{deal.id}/term-sheets/preview?lang=bilingual").get_data(as_text=True)
        assert "not available yet" in body


def test_acquisition_swaps_licensor_and_licensee(app, make_user, make_company, make_deal):
    from crm.deals.models import Deal
    from crm.termsheets.render import build_clauses

    owner = make_user("rep")
    deal = make_deal(owner, deal_type="acquisition", stage="lead", company=make_company(legal_name_en="Seller Ltd"))
    with app.test_request_context():
        parties = build_clauses(db.session.get(Deal, deal.id), "en")["clauses"][0][1]
    assert "Licensor: Seller Ltd" in parties[0]


def test_our_legal_name_comes_from_the_environment(monkeypatch, tmp_path):
    """CRM_OWN_LEGAL_NAME_* and CRM_OWN_ADDRESS_* fill our side of the parties clause."""
    from crm.config import load_config

    monkeypatch.setenv("CRM_OWN_LEGAL_NAME_EN", "Hangzhou Thunder Animation Co., Ltd.")
    monkeypatch.setenv("CRM_OWN_LEGAL_NAME_ZH", "杭州雷霆动画有限公司")
    cfg = load_config(str(tmp_path), {"TESTING": True})
    assert cfg["TERMSHEET_OWN_NAME_EN"] == "Hangzhou Thunder Animation Co., Ltd."
    assert cfg["TERMSHEET_OWN_NAME_ZH"] == "杭州雷霆动画有限公司"
    assert cfg["TERMSHEET_OWN_ADDRESS_EN"] is None


def test_our_legal_name_is_printed(app, deal_setup, monkeypatch):
    from crm.deals.models import Deal
    from crm.termsheets.render import render_html

    monkeypatch.setitem(app.config, "TERMSHEET_OWN_NAME_ZH", "杭州雷霆动画有限公司")
    _owner, deal = deal_setup
    with app.test_request_context():
        html = render_html(db.session.get(Deal, deal.id), "zh")
    assert "杭州雷霆动画有限公司" in html
