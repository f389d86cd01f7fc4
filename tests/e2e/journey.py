"""A sales rep's day in a real browser (issue 8, browser end-to-end tests).

``rep_journey`` drives headless Chromium through the UI the way a rep works after a
market: sign in, switch the interface language, create a company with a Chinese
name, log the outcome of a one-to-one meeting (creating a lead), convert the lead
into a deal, drag the deal across the pipeline board, hit a version conflict that a
second browser (a colleague's window) causes and resolve it, generate a bilingual
term sheet and read the dashboard. Every step checks what the user sees, in the
language the journey runs in, and what the server kept.

Selectors use form field names and URLs (the same in both languages); the checks
read the visible text, which must be in the journey's language.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal

from playwright.sync_api import Browser, BrowserContext, Page, expect

TIMEOUT_MS = 20_000  # per action and per expect(); generous for a loaded CI machine, short enough to fail fast
expect.set_options(timeout=TIMEOUT_MS)  # expect() has its own default (5 s), apart from the page's
PASSWORD = "mipchina2017"  # noqa: S105 - the documented demo password (crm/demo.py)


@dataclass(frozen=True)
class Words:
    """What the journey expects to read on screen in one language."""

    lang: str  # the language switched to
    html_lang: str
    nav_companies: str
    company_saved: str
    outcome_title: str
    outcome_saved: str
    held: str
    convert_title: str
    deal_created: str
    conflict: str
    saved: str
    generated: str
    dashboard_title: str
    open_pipeline: str


ZH = Words(
    lang="zh", html_lang="zh-Hans", nav_companies="公司", company_saved="已创建", outcome_title="记录结果",
    outcome_saved="结果已保存，并已创建线索。", held="已举行", convert_title="转化为交易",
    deal_created="线索已转化为交易。", conflict="其他人已对其进行了修改", saved="已保存",
    generated="条款书第 1 版已生成。", dashboard_title="销售管道仪表盘", open_pipeline="按阶段划分的进行中管道",
)
EN = Words(
    lang="en", html_lang="en", nav_companies="Companies", company_saved="created.",
    outcome_title="Log outcome", outcome_saved="Outcome saved; a lead was created.", held="Held",
    convert_title="Convert into a deal", deal_created="Lead converted into a deal.",
    conflict="Someone else changed this deal", saved="saved.", generated="Term sheet version 1 is ready.",
    dashboard_title="Pipeline dashboard", open_pipeline="Open pipeline by stage",
)


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(re.compile(r"^(?!.*/login).*$"))


def switch_language(page: Page, words: Words) -> None:
    """Use the header's language switch (a POST form); it must land back on the same page."""
    here = page.url
    if page.locator("html").get_attribute("lang") != words.html_lang:
        page.locator(f"form.langswitch button[value={words.lang}]").click()
        page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", words.html_lang)
    assert page.url == here
    expect(page.locator("nav")).to_contain_text(words.nav_companies)


def drag(page: Page, source, target) -> None:
    """HTML5 drag and drop with the mouse, in small steps as a hand would (Locator.drag_to's single
    jump does not start a drag in Debian's Chromium)."""
    source.scroll_into_view_if_needed()
    s, t = source.bounding_box(), target.bounding_box()
    page.mouse.move(s["x"] + s["width"] / 2, s["y"] + s["height"] / 3)
    page.mouse.down()
    page.mouse.move(s["x"] + s["width"] / 2 + 10, s["y"] + s["height"] / 3 + 10, steps=5)
    page.mouse.move(t["x"] + t["width"] / 2, t["y"] + min(t["height"] / 2, 120), steps=10)
    page.mouse.up()


def open_pipeline(page: Page, url: str | None = None) -> tuple[Decimal, int]:
    """The dashboard's open pipeline figure: (full amount, number of open deals)."""
    if url:
        page.goto(url)
    text = page.locator("#stat-open .muted").inner_text()
    amount = re.search(r"\d[\d,]*\.\d\d", text).group(0).replace(",", "")
    return Decimal(amount), int(re.search(r"(\d+)\D*$", text).group(1))


def flash(page: Page):
    return page.locator(".flash")


def rep_journey(browser: Browser, base: str, email: str, words: Words, pages: list[Page],
                other_email: str) -> dict:
    """Run the journey; returns what it created ({"company_id", "deal_id", ...}) for the caller's checks.

    ``pages`` collects every page opened so a failing test can screenshot them all.
    """
    made: dict = {}
    context = browser.new_context(locale="en-US", timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    pages.append(page)

    # 1. Sign in and switch the whole interface.
    sign_in(page, base, email)
    switch_language(page, words)

    made["open_before"] = open_pipeline(page, base + "/dashboard/?currency=USD")

    # 2. A company with a Chinese name.
    page.goto(base + "/companies/")
    page.locator('a[href$="/companies/new"]').first.click()
    page.fill("input[name=name_en]", "Xinghe Animation Hangzhou")
    page.fill("input[name=name_zh]", "杭州星河动画")
    page.select_option("select[name=kind]", "animation_studio")
    page.select_option("select[name=country]", "CN")
    page.fill("input[name=city]", "杭州")
    page.locator("form button[type=submit].btn-primary").click()
    expect(flash(page)).to_contain_text(words.company_saved)
    expect(page.locator("h1")).to_contain_text("杭州星河动画" if words.lang == "zh" else "Xinghe Animation Hangzhou")
    made["company_id"] = int(re.search(r"/companies/(\d+)", page.url).group(1))
    # Found again by its pinyin initials, through the header's search box.
    page.goto(base + "/search?q=hzxh")
    expect(page.locator(f'main a[href$="/companies/{made["company_id"]}"]')).to_have_count(1)

    # 3. The outcome of one of my scheduled one-to-one meetings, creating a lead.
    page.goto(base + "/meetings/?status=scheduled")
    page.locator('a[href*="/outcome"]').first.click()
    expect(page.locator("h1")).to_have_text(words.outcome_title)
    made["meeting_url"] = page.url.rsplit("/outcome", 1)[0]
    page.select_option("select[name=status]", "held")
    page.select_option("select[name=interest_level]", "4")
    page.fill("textarea[name=notes]", "想要《彩虹小鸡》第二季的大中华区权利。Wants season 2 for Greater China.")
    page.check("input[name=create_lead]")
    page.select_option("select[name=lead_deal_type]", "distribution")
    page.fill("input[name=lead_summary]", "彩虹小鸡 S2 — Greater China")
    page.locator("form.outcome-form button[type=submit]").click()
    expect(flash(page)).to_contain_text(words.outcome_saved)

    # 4. Convert the lead from the meeting's page.
    page.goto(made["meeting_url"])
    expect(page.locator("main")).to_contain_text(words.held)
    page.locator("main a", has_text="彩虹小鸡 S2 — Greater China").click()
    page.locator('a[href$="/convert"]').first.click()
    expect(page.locator("h1")).to_have_text(words.convert_title)
    page.select_option("select[name=deal_type]", "distribution")
    page.fill("input[name=name_en]", "Rainbow Chicks S2 — Greater China")
    page.fill("input[name=name_zh]", "《彩虹小鸡》第二季 大中华区")
    page.fill("input[name=amount]", "180000")
    page.select_option("select[name=currency]", "USD")
    page.locator("main form button[type=submit]").click()
    expect(flash(page)).to_contain_text(words.deal_created)
    made["deal_id"] = deal_id = int(re.search(r"/deals/(\d+)", page.url).group(1))
    deal_url = f"{base}/deals/{deal_id}"

    # 4b. Complete the licence terms the conversion could not know.
    page.goto(deal_url + "/edit")
    page.fill("input[name=territories]", "GREATER_CHINA")
    page.check("input[name=media][value=svod]")
    page.check("input[name=media][value=avod]")
    page.fill("input[name=licence_start]", "2027-01-01")
    page.fill("input[name=licence_end]", "2031-12-31")
    page.fill("input[name=languages]", "zh en")
    page.locator("main form button[type=submit].btn-primary").click()
    expect(flash(page)).to_contain_text(words.saved)

    # 5. Drag the deal's card onto the next column of the board.
    page.goto(base + "/deals/pipeline?type=distribution")
    card = page.locator(f"#deal-{deal_id}")
    from_stage = card.get_attribute("data-stage-id")
    columns = page.locator(".board-column[data-won='0'][data-lost='0']")
    ids = [columns.nth(i).get_attribute("data-stage-id") for i in range(columns.count())]
    to_stage = ids[ids.index(from_stage) + 1]
    with page.expect_response(lambda r: f"/deals/{deal_id}/move" in r.url) as moved:
        drag(page, card, page.locator(f".board-column[data-stage-id='{to_stage}']"))
    assert moved.value.status == 200, moved.value.text()
    page.reload()
    expect(page.locator(f".board-column[data-stage-id='{to_stage}'] #deal-{deal_id}")).to_have_count(1)
    made["stage_id"] = int(to_stage)

    # 6. A colleague (second browser) saves the same deal while I am editing it.
    page.goto(deal_url + "/edit")
    mine = page.locator("input[name=version]").input_value()
    colleague_context: BrowserContext = browser.new_context(locale="en-US")
    colleague_context.set_default_timeout(TIMEOUT_MS)
    colleague = colleague_context.new_page()
    pages.append(colleague)
    sign_in(colleague, base, other_email)
    colleague.goto(deal_url + "/edit")
    colleague.fill("input[name=amount]", "200000")
    colleague.locator("main form button[type=submit].btn-primary").click()
    expect(colleague.locator(".flash")).to_have_count(1)
    assert colleague.locator("input[name=version]").count() == 0, "the colleague's save failed"
    page.fill("input[name=amount]", "185000")
    page.fill("input[name=expected_close_date]", "2027-03-31")
    page.locator("main form button[type=submit].btn-primary").click()
    conflict = page.locator("#conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text(words.conflict)
    expect(conflict).to_contain_text("200,000")  # their value, shown beside mine
    assert page.locator("input[name=amount]").input_value() == "185000"  # what I typed is kept
    assert page.locator("input[name=version]").input_value() != mine  # the form now carries their version
    page.locator("main form button[type=submit].btn-primary").click()  # "Save my values", deliberately
    expect(flash(page)).to_contain_text(words.saved)
    assert re.search(rf"/deals/{deal_id}/?$", page.url)
    colleague_context.close()

    # 7. A bilingual term sheet.
    page.locator("#term-sheets form:has(input[name=lang][value=bilingual]) button").click()
    expect(flash(page)).to_contain_text(words.generated)
    expect(page.locator("#term-sheets table")).to_be_visible()
    link = page.locator("#term-sheets table a").first
    pdf = page.request.get(base + link.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    made["pdf"] = pdf.body()

    # 8. The dashboard, in the deal's currency (chosen in its filter form, kept in the URL).
    page.goto(base + "/dashboard/")
    expect(page.locator("h1")).to_contain_text(words.dashboard_title)
    page.select_option("select[name=currency]", "USD")
    page.locator("main form button[type=submit].btn-primary").first.click()
    page.wait_for_url(re.compile(r"currency=USD"))
    expect(page.locator("main")).to_contain_text(words.open_pipeline)
    assert page.locator("main svg").count() > 0
    made["open_after"] = open_pipeline(page)
    context.close()
    return made


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def pick(page: Page, field: str, typed: str, expected: str) -> None:
    """Type into a picker's search box and choose the first match with the keyboard."""
    box = page.locator(f"input[name='{field}-search']")
    box.fill(typed)
    option = page.locator(f"#{box.get_attribute('id')}-listbox [role=option]").first
    expect(option).to_contain_text(expected)
    box.press("ArrowDown")
    box.press("Enter")


def manager_signs_over_a_conflict(browser: Browser, base: str, email: str, pages: list[Page]) -> dict:
    """A manager creates a French SVOD licence of Rainbow Chicks (whose worldwide rights the demo's won
    deal already granted) with the pickers, then drags it into "Contract signed": the board's dialog
    asks for an override reason and the move is saved with it."""
    # Wide enough for the board's first column and "Contract signed" to be on screen together.
    context = browser.new_context(locale="en-US", timezone_id="Europe/Paris", viewport={"width": 2200, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    pages.append(page)
    sign_in(page, base, email)
    page.goto(base + "/deals/new?type=distribution")
    page.fill("input[name=name_en]", "Rainbow Chicks — France SVOD 2020")
    pick(page, "company_id", "millim", "Millimages")
    pick(page, "title_ids", "caihong", "Rainbow Chicks")  # pinyin of 彩虹
    expect(page.locator("input[name=title_ids][type=checkbox]:checked")).to_have_count(1)
    page.fill("input[name=amount]", "50000")
    page.select_option("select[name=currency]", "EUR")
    page.fill("input[name=territories]", "FR")
    page.check("input[name=media][value=svod]")
    page.fill("input[name=licence_start]", "2020-01-01")
    page.fill("input[name=licence_end]", "2020-12-31")
    page.locator("main form button[type=submit].btn-primary").click()
    expect(flash(page).first).to_contain_text("created")
    deal_id = int(re.search(r"/deals/(\d+)", page.url).group(1))

    page.goto(base + "/deals/pipeline?type=distribution")
    card = page.locator(f"#deal-{deal_id}")
    signed = page.locator(".board-column.stage-signed")
    with page.expect_response(lambda r: f"/deals/{deal_id}/move" in r.url) as refused:
        drag(page, card, signed)
    assert refused.value.status == 400 and refused.value.json()["field"] == "override_reason"
    dialog = page.locator("#move-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("already granted")
    dialog.locator("input[name=override_reason]").fill("Millimages released France SVOD for 2020 in writing")
    with page.expect_response(lambda r: f"/deals/{deal_id}/move" in r.url) as moved:
        dialog.locator("button[value=confirm]").click()
    assert moved.value.status == 200, moved.value.text()
    page.reload()
    expect(page.locator(f".board-column.stage-signed #deal-{deal_id}")).to_have_count(1)
    context.close()
    return {"deal_id": deal_id}
