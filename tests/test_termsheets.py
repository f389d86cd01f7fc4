"""Term-sheet drafts: rendering in three languages, CJK font, safe fetching, versions, scoping."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
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


def _typed_deal(app, make_company, make_deal, owner, deal_type: str) -> int:
    """A deal of ``deal_type`` with its typed terms; the Chinese company is a party in each."""
    from crm.deals.models import CoproductionPartner, CoproductionTerms, Deal, FormatTerms, LicenceTerms
    from crm.enums import Contribution, FormatFeeBasis

    cn = make_company(name_en="Starlight Media", name_zh=CN_NAME, legal_name_zh=CN_NAME,
                      address_en="1 Bund Road, Shanghai", address_zh="上海市外滩路1号")
    fr = make_company(name_en="Les Films du Hérisson", legal_name_en="Les Films du Hérisson SAS")
    deal = make_deal(owner, deal_type=deal_type, company=cn, amount=AMOUNT, currency="USD")
    with app.app_context():
        d = db.session.get(Deal, deal.id)
        if deal_type == "coproduction":
            d.coproduction = CoproductionTerms(
                working_title="Panda Postman", budget=BUDGET, budget_currency="EUR", episodes=52, episode_minutes=11,
                language="zh fr", partners=[
                    CoproductionPartner(company_id=cn.id, financing_share=Decimal("60"), ip_share=Decimal("60"),
                                        contribution=Contribution.MIXED, territories_retained="CN"),
                    CoproductionPartner(company_id=fr.id, financing_share=Decimal("40"), ip_share=Decimal("40"),
                                        contribution=Contribution.CASH, territories_retained="FR BE")])
        elif deal_type == "format":
            d.format_terms = FormatTerms(platform="Zhejiang Satellite TV", episodes=12, seasons=1,
                                         fee_basis=FormatFeeBasis.PERCENT_OF_BUDGET, fee_percent=Decimal("4.5"),
                                         local_budget=Decimal("4000000"), option_seasons=2, consultancy_days=20)
        else:
            d.licence = LicenceTerms(languages="en fr", runs=3)
        db.session.commit()
    return deal.id


BUDGET = Decimal("3000000.00")
HEADINGS = {"coproduction": ("Co-production term sheet", "联合制作条款书"),
            "format": ("Format licence term sheet", "节目模式授权条款书"),
            "distribution": ("Licence term sheet", "授权条款书"),
            "acquisition": ("Licence term sheet", "授权条款书"),
            "presale": ("Licence term sheet", "授权条款书")}


@pytest.mark.parametrize("deal_type", ["distribution", "acquisition", "presale", "coproduction", "format"])
@pytest.mark.parametrize("language,locale", [("en", "en"), ("zh", "zh_Hans_CN"), ("bilingual", "zh_Hans_CN")])
def test_pdf_per_deal_type_in_each_language(app, make_user, make_company, make_deal, deal_type, language, locale):
    from crm.deals.models import Deal
    from crm.termsheets.render import render_pdf

    deal_id = _typed_deal(app, make_company, make_deal, make_user("rep"), deal_type)
    with app.test_request_context():
        pdf = render_pdf(db.session.get(Deal, deal_id), language)
    pages, reader = _pdf_text(pdf)
    text = _flat("".join(pages))
    locales = ["en", "zh_Hans_CN"] if language == "bilingual" else [locale]
    for loc in locales:
        if deal_type != "coproduction":  # a co-production states its budget and the partners' shares
            assert _flat(format_currency(AMOUNT, "USD", locale=loc)) in text
        else:  # each partner's share of the budget, in the budget's currency
            assert _flat(format_currency(BUDGET * Decimal("0.4"), "EUR", locale=loc)) in text
        if deal_type == "format":  # 4.5% of the local budget
            assert _flat(format_currency(Decimal("180000"), "USD", locale=loc)) in text
    heading_en, heading_zh = HEADINGS[deal_type]
    assert (_flat(heading_en) in text) == (language != "zh")
    assert (heading_zh in text) == (language != "en")
    if language != "en":
        assert CN_NAME in text
    for number, page in enumerate(pages, start=1):
        assert _flat("DRAFT — non-binding / 草案 — 不具法律约束力") in _flat(page)
        assert re.search(rf"(^|\n){number} / {len(pages)}($|\n)", page), page[-80:]  # "n / total"
    assert any("CJK" in n or "NotoSansSC" in n or "SourceHan" in n for n in _font_names(reader)), _font_names(reader)


def test_licence_languages_are_named_in_the_documents_language(app, make_user, make_company, make_deal):
    from crm.deals.models import Deal
    from crm.termsheets.render import render_html

    deal_id = _typed_deal(app, make_company, make_deal, make_user("rep"), "distribution")
    with app.test_request_context():
        html = render_html(db.session.get(Deal, deal_id), "bilingual")
    assert "English, French" in html and "英语、法语" in html


def test_coproduction_lists_every_partner_as_a_signatory(app, make_user, make_company, make_deal):
    from crm.deals.models import Deal
    from crm.termsheets.render import build_clauses

    deal_id = _typed_deal(app, make_company, make_deal, make_user("rep"), "coproduction")
    with app.test_request_context():
        doc = build_clauses(db.session.get(Deal, deal_id), "en")
    # The English document names the Chinese company's legal name, known only in Chinese, beside its trade name.
    assert doc["signatories"] == [f"Starlight Media ({CN_NAME})", "Les Films du Hérisson SAS"]
    financing = dict(doc["clauses"])["Budget and financing"]
    assert "Les Films du Hérisson SAS: 40% of the budget (€1,200,000.00), contributed as Cash." in financing


def test_html_escapes_user_data_and_fetches_nothing(app, make_user, make_company, make_deal, monkeypatch):
    from crm.deals.models import Deal
    from crm.termsheets import fetcher, render

    calls = []

    class Recording(fetcher.SafeURLFetcher):
        def fetch(self, url, headers=None):
            calls.append(url)
            return super().fetch(url, headers)

    monkeypatch.setattr(render, "safe_fetcher", Recording)
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
    # Only our own stylesheet and the data: stylesheet naming the CJK font were fetched.
    assert [u for u in calls if not u.startswith("data:")] == [fetcher.BASE_URL + "static/css/termsheet.css"]
    text = "".join(_pdf_text(pdf)[0])
    assert 'file:///etc/passwd' in text and "http://127.0.0.1:1/" in text


def test_fetcher_refuses_file_and_network_urls():
    from crm.termsheets.fetcher import BASE_URL, RefusedURLError, safe_fetcher

    fetcher = safe_fetcher()
    for url in ("file:///etc/passwd", "http://127.0.0.1:1/", "https://example.com/x.png",
                BASE_URL + "static/../../etc/passwd", BASE_URL + "x", "ftp://example.com/"):
        with pytest.raises((RefusedURLError, ValueError)):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,hi").read() == b"hi"
    served = fetcher.fetch(BASE_URL + "static/css/termsheet.css")
    assert served.read().startswith(b"/*") and served.content_type == "text/css"


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


def test_coproduction_and_format_previews(app, make_user, make_company, make_deal, login, client):
    owner = make_user("rep")
    login(owner)
    for deal_type in ("coproduction", "format"):
        deal_id = _typed_deal(app, make_company, make_deal, owner, deal_type)
        body = client.get(f"/deals/{deal_id}/term-sheets/preview?lang=bilingual").get_data(as_text=True)
        assert HEADINGS[deal_type][0] in body and HEADINGS[deal_type][1] in body
        assert "/static/css/termsheet.css" in body and "data:text/css" not in body  # CSP-ready preview


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


def test_concurrent_generation_takes_the_next_number(app, deal_setup, monkeypatch):
    """Another request stores version 1 while this one renders: this one becomes version 2."""
    from crm.deals.models import Deal
    from crm.termsheets import services
    from crm.termsheets.models import TermSheet

    owner, deal = deal_setup
    real = services.render_pdf

    def render_while_another_request_commits(d, language):
        pdf = real(d, language)
        with db.engine.begin() as conn:
            conn.execute(sa.insert(TermSheet).values(
                deal_id=d.id, number=1, language=DocumentLanguage.ZH, deal_version=d.version, generated_by_id=None,
                generated_at=dt.datetime.now(dt.UTC), sha256="0" * 64, size_bytes=1, content=b"x"))
        return pdf

    monkeypatch.setattr(services, "render_pdf", render_while_another_request_commits)
    with app.test_request_context():
        sheet = services.generate(db.session.get(Deal, deal.id), "en", owner)
        db.session.commit()
        assert sheet.number == 2
        assert sorted(db.session.scalars(sa.select(TermSheet.number))) == [1, 2]


def test_health_check_reports_pdf_engine(client, monkeypatch):
    from crm.termsheets import fonts

    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["pdf"] == {"cjk_font": fonts.cjk_font_family(), "fast_font_subsetting": True}
    monkeypatch.setattr(fonts, "fast_subsetting", lambda: False)
    slow = client.get("/healthz", headers={"Accept-Language": "zh-CN"})
    assert slow.status_code == 200 and slow.get_json()["status"] == "degraded"
    assert any("libharfbuzz-subset0" in p for p in slow.get_json()["problems"])


def test_slow_pdf_engine_is_logged_at_start(monkeypatch, caplog, tmp_path):
    from crm import create_app
    from crm.termsheets import fonts

    monkeypatch.setattr(fonts, "fast_subsetting", lambda: False)
    with caplog.at_level("WARNING"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert any("libharfbuzz-subset0" in r.getMessage() for r in caplog.records)
