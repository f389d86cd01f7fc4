"""Deal create/edit with typed terms: validation per type, both languages,
conflict-safe edits, ownership, archive/restore."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.companies.models import Company, Contact
from crm.deals.models import Deal
from crm.deals.services import DealConflictError, create_deal_with_terms, update_deal
from crm.deals.terms import DealError, parse_codes, validate_terms
from crm.enums import DealType, Medium
from crm.extensions import db
from crm.titles.models import Title

PASSWORD = "correct horse battery"  # as in conftest

ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def world(ctx, make_user, stages):
    rep = make_user(name="Li Na")
    other = make_user(name="Tom Other")
    manager = make_user(role="manager", name="Mia Manager")
    with ctx() as s:
        studio = Company(name_en="Hangzhou Thunder Animation", name_zh="杭州雷霆动画", country="CN")
        millimages = Company(name_en="Millimages", country="FR")
        contact = Contact(company=studio, name_en="Wang Lei", name_zh="王磊")
        outsider = Contact(company=millimages, name_en="Marie Dupont")
        title = Title(name_en="Rainbow Chicks", name_zh="彩虹小鸡", genre="animation", episodes=52, episode_minutes=11)
        s.add_all([studio, millimages, contact, outsider, title])
        s.commit()
        ids = {"studio": studio.id, "millimages": millimages.id, "contact": contact.id, "outsider": outsider.id,
               "title": title.id}
    return {"rep": rep, "other": other, "manager": manager, **ids}


def _errors(app, deal_type, terms) -> dict[str, list[str]]:
    with app.test_request_context():
        with pytest.raises(DealError) as info:
            validate_terms(deal_type, terms)
        return {k: [str(m) for m in v] for k, v in info.value.errors.items()}


LICENCE_OK = {
    "territories": "GREATER_CHINA", "excluded": "", "media": ["svod", "free_tv"], "exclusive": True,
    "licence_start": dt.date(2026, 1, 1), "licence_end": dt.date(2028, 12, 31), "fee_kind": "flat_fee",
    "payments": [{"percent": Decimal("50"), "trigger_en": "On signature", "trigger_zh": "签约时"},
                 {"percent": Decimal("50"), "trigger_en": "On accepted delivery", "trigger_zh": ""}],
}


# ---- pure validation ---------------------------------------------------------

def test_licence_terms_valid_and_cleaned(app):
    with app.test_request_context():
        terms = validate_terms(DealType.DISTRIBUTION, {**LICENCE_OK, "territories": "ww", "excluded": "cn, hk"})
    assert terms["territories"] == ["WW"] and terms["excluded"] == ["CN", "HK"]
    assert terms["media"] == [Medium.SVOD, Medium.FREE_TV]
    assert len(terms["payments"]) == 2


def test_licence_languages_are_known_codes(app):
    with app.test_request_context():
        terms = validate_terms(DealType.DISTRIBUTION, {**LICENCE_OK, "languages": "ZH, en zh-Hant yue"})
    assert terms["languages"] == "zh en zh_Hant yue"  # Babel's spelling, so the term sheet can name each one
    errors = _errors(app, DealType.DISTRIBUTION, {**LICENCE_OK, "languages": "zh klingon"})
    assert errors["languages"] == ["Unknown language code: klingon. Use codes such as zh, en or fr."]


def test_parse_codes():
    assert parse_codes(" ww, -cn gb；fr fr") == ["WW", "-CN", "GB", "FR"]


def test_unknown_territory_and_no_medium(app):
    errors = _errors(app, DealType.ACQUISITION, {**LICENCE_OK, "territories": "WW XX NARNIA", "media": []})
    assert "XX" in errors["territories"][0] and "NARNIA" in errors["territories"][0]
    assert errors["media"] == ["Choose at least one medium (e.g. SVOD or free TV)."]


def test_licence_end_before_start_and_commission_range(app):
    errors = _errors(app, DealType.PRESALE, {**LICENCE_OK, "licence_start": dt.date(2027, 1, 1),
                                             "licence_end": dt.date(2026, 1, 1),
                                             "agent_commission": Decimal("120")})
    assert errors["licence_end"] == ["The licence must end after it starts."]
    assert "agent_commission" in errors


def test_payment_schedule_must_add_to_100(app):
    payments = [{"percent": Decimal("30"), "trigger_en": "On signature"},
                {"percent": Decimal("60.5"), "trigger_en": "On delivery"},
                {"percent": None, "trigger_en": "", "trigger_zh": ""}]
    errors = _errors(app, DealType.DISTRIBUTION, {**LICENCE_OK, "payments": payments})
    assert errors["payments"] == ["The instalments add up to 90.5%; they must add up to exactly 100%."]


def test_instalment_needs_a_trigger(app):
    payments = [{"percent": Decimal("100"), "trigger_en": "", "trigger_zh": ""}]
    errors = _errors(app, DealType.DISTRIBUTION, {**LICENCE_OK, "payments": payments})
    assert "payments.0.trigger_en" in errors


def test_coproduction_shares_must_add_to_100(app):
    partners = [
        {"company_id": 1, "financing_share": Decimal("60"), "ip_share": Decimal("50"), "contribution": "cash"},
        {"company_id": 2, "financing_share": Decimal("30"), "ip_share": Decimal("50"), "contribution": "services"},
        {"company_id": None, "financing_share": None, "ip_share": None, "contribution": "cash",
         "territories_retained": ""},
    ]
    errors = _errors(app, DealType.COPRODUCTION, {"partners": partners})
    assert errors["partners"] == [
        "The partners' financing shares add up to 90%; they must add up to exactly 100%."]
    partners[1]["financing_share"] = Decimal("40")
    partners[1]["ip_share"] = Decimal("40")
    errors = _errors(app, DealType.COPRODUCTION, {"partners": partners})
    assert errors["partners"] == ["The partners' IP shares add up to 90%; they must add up to exactly 100%."]


def test_coproduction_partner_rows(app):
    partners = [
        {"company_id": 1, "financing_share": Decimal("50"), "ip_share": Decimal("50"),
         "territories_retained": "CN ATLANTIS"},
        {"company_id": 1, "financing_share": Decimal("50"), "ip_share": None},
    ]
    errors = _errors(app, DealType.COPRODUCTION, {"partners": partners, "budget": Decimal("1000")})
    assert "ATLANTIS" in errors["partners.0.territories_retained"][0]
    assert "partners.1.company_id" in errors and "partners.1.ip_share" in errors
    assert "budget_currency" in errors


def test_format_fee_basis(app):
    errors = _errors(app, DealType.FORMAT, {"territories": "CN_MAINLAND", "fee_basis": "per_episode"})
    assert "fee_per_episode" in errors
    errors = _errors(app, DealType.FORMAT, {"territories": "", "fee_basis": "percent_of_budget",
                                            "fee_percent": Decimal("104")})
    assert "fee_percent" in errors and "territories" in errors


# ---- create through the form, each type, both languages ---------------------

def _common(world, **extra):
    return {"name_en": "", "name_zh": "", "company_id": world["studio"], "contact_ids": [world["contact"]],
            "title_ids": [world["title"]], "amount": "1,200,000.50", "currency": "CNY",
            "expected_close_date": "2026-06-30", "regulatory_status": "to_file", "notes": "Met at MIP China",
            **extra}


FORM_TERMS = {
    "coproduction": {
        "working_title": "Panda Detectives", "budget": "2000000", "budget_currency": "EUR", "episodes": "52",
        "episode_minutes": "11", "language": "zh", "official_status": "sarft_order_41", "completion_bond": "y",
        "delivery_date": "2027-09-01",
        "partners-0-company_id": "{studio}", "partners-0-financing_share": "60", "partners-0-ip_share": "60",
        "partners-0-contribution": "cash", "partners-0-territories_retained": "CN",
        "partners-1-company_id": "{millimages}", "partners-1-financing_share": "40", "partners-1-ip_share": "40",
        "partners-1-contribution": "services", "partners-1-territories_retained": "FRANCOPHONE_EUROPE",
    },
    "distribution": {
        "territories": "WW", "excluded": "CN", "media": ["svod", "pay_tv"], "exclusive": "y",
        "licence_start": "2026-01-01", "licence_end": "2029-12-31", "runs": "3", "languages": "zh en",
        "fee_kind": "minimum_guarantee", "minimum_guarantee": "500000", "agent_commission": "25",
        "payments-0-percent": "40", "payments-0-trigger_en": "On signature", "payments-0-trigger_zh": "签约时",
        "payments-1-percent": "60", "payments-1-trigger_en": "On accepted delivery",
    },
    "format": {
        "territories": "CN_MAINLAND", "platform": "Zhejiang Satellite TV", "episodes": "12", "seasons": "1",
        "exclusive": "y", "fee_basis": "percent_of_budget", "fee_percent": "4.5", "local_budget": "30000000",
        "option_seasons": "2", "production_bible": "y", "consultancy_days": "20", "backend_share": "10",
    },
}


def _terms_form(kind, world):
    data = {}
    for key, value in FORM_TERMS[kind].items():
        data[key] = value.format(**world) if isinstance(value, str) else value
    return data


@pytest.mark.parametrize("deal_type", [t.value for t in DealType])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_create_each_type_in_both_languages(client, login, world, ctx, deal_type, lang):
    login(world["rep"])
    headers = ZH if lang == "zh" else {}
    kind = {"coproduction": "coproduction", "format": "format"}.get(deal_type, "distribution")
    page = client.get(f"/deals/new?type={deal_type}", headers=headers)
    assert page.status_code == 200
    name = "雷霆动画 彩虹小鸡 全球发行" if lang == "zh" else "Rainbow Chicks worldwide"
    data = {**_common(world, **({"name_zh": name} if lang == "zh" else {"name_en": name})),
            **_terms_form(kind, world)}
    response = client.post(f"/deals/new?type={deal_type}", data=data, headers=headers)
    assert response.status_code == 302, response.get_data(as_text=True)
    with ctx() as s:
        deal = s.scalars(sa.select(Deal).order_by(Deal.id.desc())).first()
        assert deal.deal_type == DealType(deal_type)
        assert (deal.name_zh if lang == "zh" else deal.name_en) == name
        assert deal.amount == Decimal("1200000.50") and deal.currency == "CNY"
        assert [c.id for c in deal.contacts] == [world["contact"]]
        assert [t.id for t in deal.titles] == [world["title"]]
        assert deal.owner_id == world["rep"].id
        assert s.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.entity_type == "deals", AuditEntry.entity_id == deal.id, AuditEntry.action == "create")) == 1
        if kind == "coproduction":
            assert deal.coproduction.budget == Decimal("2000000") and deal.coproduction.episodes == 52
            assert sorted(p.financing_share for p in deal.coproduction.partners) == [40, 60]
        elif kind == "distribution":
            assert {(t.code, t.excluded) for t in deal.territories} == {("WW", False), ("CN", True)}
            assert {m.medium for m in deal.media} == {Medium.SVOD, Medium.PAY_TV}
            assert [p.percent for p in deal.payments] == [40, 60]
            assert deal.payments[0].trigger_zh == "签约时"
            assert deal.licence.minimum_guarantee == Decimal("500000")
        else:
            assert deal.format_terms.fee_percent == Decimal("4.5")
            assert [t.code for t in deal.territories] == ["CN_MAINLAND"]
        deal_id = deal.id
    detail = client.get(f"/deals/{deal_id}", headers=headers).get_data(as_text=True)
    assert name in detail
    if kind == "distribution":
        assert ("全球" if lang == "zh" else "Worldwide") in detail
        assert "On signature" in detail or "签约时" in detail
    if kind == "coproduction":
        assert "Millimages" in detail
    # The edit form comes back filled with what was saved.
    edit = client.get(f"/deals/{deal_id}/edit", headers=headers).get_data(as_text=True)
    assert name in edit


def test_type_chooser_and_unknown_type(client, login, world):
    login(world["rep"])
    page = client.get("/deals/new").get_data(as_text=True)
    assert 'name="type"' in page and "coproduction" in page
    assert client.get("/deals/new?type=nonsense").status_code == 404


def test_form_keeps_input_on_error(client, login, world, ctx):
    login(world["rep"])
    data = {**_common(world, name_en="Keep me 保留"), **_terms_form("distribution", world),
            "territories": "WW XX", "media": [], "payments-1-percent": "50"}
    response = client.post("/deals/new?type=distribution", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'value="Keep me 保留"' in page
    assert 'value="WW XX"' in page
    assert "Unknown territory code: XX" in page
    assert "Choose at least one medium" in page
    assert "add up to 90%" in page
    assert 'value="1,200,000.50"' in page or 'value="1200000.50"' in page
    with ctx() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Deal)) == 0


def test_contact_must_work_at_the_company(client, login, world, ctx):
    login(world["rep"])
    data = {**_common(world, name_en="X", contact_ids=[world["outsider"]]), **_terms_form("format", world)}
    response = client.post("/deals/new?type=format", data=data)
    assert response.status_code == 400
    assert "work at the counterpart company" in response.get_data(as_text=True)


def test_only_managers_choose_the_owner(client, login, world, ctx):
    login(world["rep"])
    data = {**_common(world, name_en="Mine"), **_terms_form("format", world), "owner_id": world["other"].id}
    assert client.post("/deals/new?type=format", data=data).status_code == 302
    with ctx() as s:
        assert s.scalars(sa.select(Deal)).one().owner_id == world["rep"].id
    assert 'name="owner_id"' not in client.get("/deals/new?type=format").get_data(as_text=True)


# ---- edit, conflicts, ownership ------------------------------------------------

def _login_client(app, user):
    c = app.test_client()
    assert c.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return c


def _version(page: str) -> str:
    marker = 'name="version" type="hidden" value="'
    start = page.index(marker) + len(marker)
    return page[start:page.index('"', start)]


def test_two_users_edit_the_same_deal_one_wins(app, world, make_deal, ctx):
    deal = make_deal(world["rep"], company=None, name_en="Original")
    with ctx() as s:
        s.get(Deal, deal.id).company_id = world["studio"]
        s.commit()
    alice, bob = _login_client(app, world["rep"]), _login_client(app, world["manager"])
    page_a = alice.get(f"/deals/{deal.id}/edit").get_data(as_text=True)
    page_b = bob.get(f"/deals/{deal.id}/edit").get_data(as_text=True)
    assert _version(page_a) == _version(page_b)
    base = {**_common(world, contact_ids=[], title_ids=[]), **_terms_form("distribution", world)}
    first = alice.post(f"/deals/{deal.id}/edit", data={**base, "name_en": "Alice's name", "amount": "111",
                                                      "version": _version(page_a)})
    assert first.status_code == 302
    second = bob.post(f"/deals/{deal.id}/edit", data={**base, "name_en": "Bob's name", "amount": "222",
                                                     "owner_id": world["rep"].id, "version": _version(page_b)})
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "Someone else changed this deal since you opened it" in page
    assert "Alice&#39;s name" in page and "Bob&#39;s name" in page  # the table: theirs and yours
    assert "<td>Deal name (English)</td>" in page and "<td>Amount</td>" in page
    assert 'value="Bob&#39;s name"' in page  # the form keeps what Bob typed
    with ctx() as s:
        saved = s.get(Deal, deal.id)
        assert saved.name_en == "Alice's name" and saved.amount == Decimal("111")
        current = saved.version
    assert _version(page) == str(current)
    # Re-submitting with the new version applies Bob's values deliberately.
    third = bob.post(f"/deals/{deal.id}/edit", data={**base, "name_en": "Bob's name", "amount": "222",
                                                    "owner_id": world["rep"].id, "version": _version(page)})
    assert third.status_code == 302
    with ctx() as s:
        assert s.get(Deal, deal.id).name_en == "Bob's name"


def test_terms_only_edit_moves_the_version(app, world, make_deal, ctx):
    deal = make_deal(world["rep"], name_en="Terms")
    with ctx() as s:
        s.get(Deal, deal.id).company_id = world["studio"]
        s.commit()
    c = _login_client(app, world["rep"])
    base = {**_common(world, name_en="Terms", amount="100000.00", currency="USD", contact_ids=[], title_ids=[],
                      expected_close_date="2026-12-31", regulatory_status="not_needed", notes=""),
            **_terms_form("distribution", world)}
    v1 = _version(c.get(f"/deals/{deal.id}/edit").get_data(as_text=True))
    assert c.post(f"/deals/{deal.id}/edit", data={**base, "version": v1}).status_code == 302
    v2 = _version(c.get(f"/deals/{deal.id}/edit").get_data(as_text=True))
    assert c.post(f"/deals/{deal.id}/edit", data={**base, "runs": "9", "version": v2}).status_code == 302
    v3 = _version(c.get(f"/deals/{deal.id}/edit").get_data(as_text=True))
    assert int(v3) > int(v2)
    stale = c.post(f"/deals/{deal.id}/edit", data={**base, "runs": "1", "version": v2})
    assert stale.status_code == 409
    with ctx() as s:
        assert s.get(Deal, deal.id).licence.runs == 9


def test_race_between_check_and_flush_is_a_conflict(app, world, make_deal):
    deal = make_deal(world["rep"], name_en="Race")
    with app.test_request_context():
        loaded = db.session.get(Deal, deal.id)
        # Another transaction's UPDATE lands after the version check (simulated).
        db.session.execute(sa.update(Deal).where(Deal.id == deal.id).values(version=Deal.version + 1,
                                                                             name_en="Theirs"),
                           execution_options={"synchronize_session": False})
        with pytest.raises(DealConflictError):
            update_deal(loaded, world["rep"], expected_version=loaded.version,
                        values={"name_en": "Mine", "company_id": loaded.company_id, "currency": "USD",
                                "amount": Decimal("1")},
                        terms={**LICENCE_OK})
        db.session.rollback()
        assert db.session.get(Deal, deal.id).name_en == "Race"


def test_service_create_without_request(app, world):
    with app.app_context():
        rep = db.session.get(type(world["rep"]), world["rep"].id)
        deal = create_deal_with_terms(rep, deal_type=DealType.FORMAT,
                                      values={"name_zh": "奔跑吧", "company_id": world["studio"],
                                              "currency": "cny", "amount": Decimal("10")},
                                      terms={"territories": ["CN"], "fee_basis": "per_episode",
                                             "fee_per_episode": Decimal("20000")})
        db.session.commit()
        assert deal.currency == "CNY" and deal.format_terms.fee_per_episode == Decimal("20000")


@pytest.mark.parametrize("method,path", [
    ("get", "/deals/{id}/edit"), ("post", "/deals/{id}/edit"), ("post", "/deals/{id}/archive"),
    ("post", "/deals/{id}/restore"),
])
def test_another_reps_deal_is_404(client, login, world, make_deal, method, path):
    deal = make_deal(world["other"])
    login(world["rep"])
    assert getattr(client, method)(path.format(id=deal.id)).status_code == 404


def test_archive_and_restore(client, login, world, make_deal, ctx):
    deal = make_deal(world["rep"], name_en="Shelved")
    login(world["rep"])
    assert client.get(f"/deals/{deal.id}/archive").status_code == 405
    assert client.post(f"/deals/{deal.id}/archive").status_code == 302
    with ctx() as s:
        assert s.get(Deal, deal.id).archived_at is not None
    assert f'href="/deals/{deal.id}"' not in client.get("/deals/").get_data(as_text=True)
    assert client.post(f"/deals/{deal.id}/restore").status_code == 302
    with ctx() as s:
        assert s.get(Deal, deal.id).archived_at is None
        actions = s.scalars(sa.select(AuditEntry.action).where(AuditEntry.entity_type == "deals")).all()
        assert actions == ["archive", "restore"]


def test_detail_shows_activity_and_note_form(client, login, world, make_deal):
    deal = make_deal(world["rep"], name_en="Noted")
    login(world["rep"])
    page = client.get(f"/deals/{deal.id}").get_data(as_text=True)
    assert 'name="subject_type" value="deal"' in page
    assert client.post("/notes", data={"subject_type": "deal", "subject_id": deal.id, "body": "Call back 周一",
                                       "next": f"/deals/{deal.id}"}).status_code == 302
    assert "Call back 周一" in client.get(f"/deals/{deal.id}").get_data(as_text=True)


def test_saving_terms_that_collide_with_a_signed_grant_warns(client, login, world, ctx):
    """Every save of a deal's terms is checked against signed exclusive grants."""
    import datetime as dt

    from crm.rights.services import add_grant

    with ctx() as s:
        add_grant(world["title"], "GREATER_CHINA", ["svod"], dt.date(2025, 1, 1), dt.date(2030, 12, 31), True)
        s.commit()
    login(world["rep"])
    data = {**_common(world, name_en="Rainbow Chicks worldwide"), **_terms_form("distribution", world),
            "excluded": ""}
    response = client.post("/deals/new?type=distribution", data=data, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "flash-warning" in page and "Rainbow Chicks" in page
