"""Browser end-to-end journeys in headless Chromium (issue 8): the same rep's day in Chinese
and in English, against gunicorn serving a migrated database with the demo story (SQLite, or
PostgreSQL when CRM_TEST_DATABASE_URL is set), with CSRF on as in production.

Needs Chromium (Debian: ``apt-get install chromium``; or CRM_CHROMIUM=/path/to/chrome): the
tests are skipped without it, unless CRM_E2E_REQUIRED=1 (set by .ci/run), which makes a
missing browser a failure. Playwright drives the machine's browser (no browser download).
When a journey fails, a full-page screenshot of every open page is kept in e2e-artifacts/
(or CRM_E2E_ARTIFACTS) and named in the failure report.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.conftest import separate_database
from tests.live_server import ROOT, gunicorn_servers, prepare_demo_database

playwright_api = pytest.importorskip("playwright.sync_api")

from tests.e2e.journey import EN, ZH, manager_signs_over_a_conflict, pdf_text, rep_journey  # noqa: E402

ARTIFACTS = os.environ.get("CRM_E2E_ARTIFACTS") or os.path.join(ROOT, "e2e-artifacts")


def chromium_path() -> str | None:
    wanted = os.environ.get("CRM_CHROMIUM")
    if wanted:
        return wanted
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        message = "headless Chromium not found (Debian: apt-get install chromium, or set CRM_CHROMIUM)"
        if os.environ.get("CRM_E2E_REQUIRED") == "1":
            pytest.fail(message)
        pytest.skip(message)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path)
        yield browser
        browser.close()


@pytest.fixture
def server(request, tmp_path):
    """A fresh demo database and one gunicorn serving it; yields (base URL, database URL)."""
    name = re.sub(r"\W+", "_", request.node.name.removeprefix("test_"))[-30:].strip("_").lower()
    with separate_database(f"crm_e2e_{name}_{os.getpid()}", tmp_path) as url:
        prepare_demo_database(url)
        env = {"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "CRM_ENV": "development"}
        with gunicorn_servers(env, tmp_path) as (base,):
            yield base, url


@pytest.fixture
def pages(request):
    """Pages the journey opens; screenshotted when the test fails."""
    opened: list = []
    yield opened
    report = getattr(request.node, "rep_call", None)
    if report is None or not report.failed:
        return
    os.makedirs(ARTIFACTS, exist_ok=True)
    saved = []
    for i, page in enumerate(opened):
        if page.is_closed():
            continue
        path = os.path.join(ARTIFACTS, f"{request.node.name}-{i}.png".replace("/", "_"))
        try:
            page.screenshot(path=path, full_page=True)
            saved.append(f"{path} ({page.url})")
        except playwright_api.Error:  # the page's browser is gone
            continue
    if saved:
        print("Screenshots of the failure:\n  " + "\n  ".join(saved))


# (language switched to, who signs in, the colleague who edits the same deal)
JOURNEYS = [
    pytest.param(ZH, "rep2@demo.example", "manager@demo.example", id="zh"),  # Tom Martin: English → 中文
    pytest.param(EN, "rep@demo.example", "manager@demo.example", id="en"),  # Li Na: 中文 → English
]


@pytest.mark.parametrize(("words", "email", "colleague"), JOURNEYS)
def test_a_reps_day_in_the_browser(browser, server, pages, words, email, colleague):
    base, database_url = server
    made = rep_journey(browser, base, email, words, pages, colleague)

    # What the server kept, read from the database directly.
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            user_id, locale = conn.execute(sa.text("SELECT id, locale FROM users WHERE email = :e"),
                                           {"e": email}).one()
            assert locale == words.lang  # the switch is remembered for the next sign-in
            company = conn.execute(sa.text("SELECT name_zh, name_en, country, city FROM companies WHERE id = :i"),
                                   {"i": made["company_id"]}).one()
            assert tuple(company) == ("杭州星河动画", "Xinghe Animation Hangzhou", "CN", "杭州")
            deal = conn.execute(sa.text(
                "SELECT d.stage_id, d.amount, d.currency, d.expected_close_date, d.owner_id, l.status "
                "FROM deals d JOIN leads l ON l.id = d.lead_id WHERE d.id = :i"), {"i": made["deal_id"]}).one()
            assert deal.stage_id == made["stage_id"]  # the drag was saved
            assert Decimal(str(deal.amount)) == Decimal("185000")  # my values, saved deliberately after the conflict
            assert str(deal.expected_close_date)[:10] == "2027-03-31"
            assert (deal.currency, deal.owner_id, deal.status) == ("USD", user_id, "converted")
            moves = conn.scalar(sa.text("SELECT count(*) FROM stage_changes WHERE deal_id = :i AND to_stage_id = :s"),
                                {"i": made["deal_id"], "s": made["stage_id"]})
            assert moves == 1
            language = conn.scalar(sa.text("SELECT language FROM term_sheets WHERE deal_id = :i"),
                                   {"i": made["deal_id"]})
            assert language == "bilingual"
    finally:
        engine.dispose()

    # The bilingual term sheet reads in both languages, with the amount as each language writes it.
    text = pdf_text(made["pdf"])
    assert "Greater China" in text and "大中华区" in text
    assert "《彩虹小鸡》第二季 大中华区" in text.replace("\n", "")
    assert "US$185,000.00" in text
    # The rep's dashboard counts the new deal: one more open deal, US$185,000.00 more in the pipeline.
    (before, n_before), (after, n_after) = made["open_before"], made["open_after"]
    assert (after - before, n_after - n_before) == (Decimal("185000.00"), 1)


def test_a_manager_signs_over_a_rights_conflict_by_dragging(browser, server, pages):
    """The searchable pickers driven from the keyboard (pinyin for the title), then a drag into
    "Contract signed" over the demo's signed worldwide grant: the board's dialog asks the manager
    for a reason, and the move is saved with it in the audit log."""
    base, database_url = server
    made = manager_signs_over_a_conflict(browser, base, "manager@demo.example", pages)
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            deal = conn.execute(sa.text(
                "SELECT d.company_id, s.key FROM deals d JOIN pipeline_stages s ON s.id = d.stage_id "
                "WHERE d.id = :i"), {"i": made["deal_id"]}).one()
            company = conn.scalar(sa.text("SELECT name_en FROM companies WHERE id = :i"), {"i": deal.company_id})
            titles = conn.scalars(sa.text(
                "SELECT t.name_en FROM deal_titles dt JOIN titles t ON t.id = dt.title_id WHERE dt.deal_id = :i"),
                {"i": made["deal_id"]}).all()
            override = conn.scalar(sa.text(
                "SELECT count(*) FROM audit_entries WHERE action = 'rights_override' AND entity_id = :i"),
                {"i": made["deal_id"]})
    finally:
        engine.dispose()
    assert company == "Millimages" and titles == ["Rainbow Chicks"]  # chosen with the pickers
    assert deal.key == "signed" and override == 1
