"""Contract tests of the API resources: shapes, conventions and every error case."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
import sqlalchemy as sa

from crm.auth.models import User
from crm.extensions import db


@pytest.fixture
def bearer(app):
    def make(user):
        from crm.api.tokens import create_token

        with app.app_context():
            _token, raw = create_token(db.session.get(User, user.id), "test")
            db.session.commit()
        return {"Authorization": f"Bearer {raw}"}

    return make


@pytest.fixture
def rep(make_user):
    return make_user("rep", name="Li Wei")


@pytest.fixture
def api(client, rep, bearer):
    """``api(method, url, json=..., lang=..., user=...)`` as ``rep`` unless another user is given."""
    headers = bearer(rep)

    def call(method, url, *, user=None, lang=None, **kwargs):
        h = dict(bearer(user) if user is not None else headers)
        if lang:
            h["Accept-Language"] = lang
        h.update(kwargs.pop("headers", {}))
        return client.open(url, method=method, headers=h, **kwargs)

    return call


LICENCE_TERMS = {"territories": ["CN_MAINLAND"], "media": ["svod", "avod"], "licence_start": "2018-01-01",
                 "licence_end": "2020-12-31", "exclusive": True, "fee_kind": "flat_fee",
                 "payments": [{"percent": "50", "trigger_en": "on signature"},
                              {"percent": "50.00", "trigger_en": "on delivery", "trigger_zh": "交付时"}]}


def assert_error(response, status, code=None, fields=()):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) >= {"code", "status", "message", "errors"}
    assert body["status"] == status and body["message"]
    if code:
        assert body["code"] == code
    for field in fields:
        assert body["errors"].get(field), body
    return body


# -- conventions ---------------------------------------------------------------------

def test_openapi_document_is_served_and_lists_every_resource(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path in ("/api/v1/companies", "/api/v1/contacts/{contact_id}", "/api/v1/deals/{deal_id}/stage",
                 "/api/v1/deals/{deal_id}/history", "/api/v1/leads/{lead_id}/convert", "/api/v1/stages",
                 "/api/v1/meetings/{meeting_id}", "/api/v1/exchange-rates"):
        assert path in spec["paths"]
    for item in spec["paths"].values():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert "401" in operation["responses"], (method, operation)
            if "requestBody" in operation:
                assert {"400", "422"} <= set(operation["responses"])
    error = spec["components"]["schemas"]["Error"]
    assert {"code", "message", "errors"} <= set(error["properties"])


def test_docs_page_lists_operations_without_a_cdn(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "POST /api/v1/deals/{deal_id}/stage" in html and "/api/v1/openapi.json" in html
    assert "cdn" not in html.lower() and "swagger" not in html.lower() and "redoc" not in html.lower()


def test_chinese_is_sent_as_utf8_without_escapes(api):
    response = api("POST", "/api/v1/companies", json={"name_zh": "杭州雷霆动画", "country": "cn"})
    assert response.status_code == 201
    assert "杭州雷霆动画".encode() in response.data and b"\\u" not in response.data
    body = response.get_json()
    assert body["name_zh"] == "杭州雷霆动画" and body["name_en"] is None and body["country"] == "CN"
    created = dt.datetime.fromisoformat(body["created_at"])
    assert created.utcoffset() == dt.timedelta(0)


def test_malformed_json_is_400(api):
    response = api("POST", "/api/v1/companies", data="{name_en: oops", content_type="application/json")
    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize("body", [[], "text", 3, None])
def test_a_body_that_is_not_an_object_is_422(api, body):
    response = api("POST", "/api/v1/companies", data=json.dumps(body), content_type="application/json")
    assert_error(response, 422, "validation_error")


def test_unknown_and_invalid_fields_are_422_per_field(api):
    response = api("POST", "/api/v1/companies", json={"name_en": "X", "colour": "red", "kind": "spaceship",
                                                      "website": 12})
    body = assert_error(response, 422, "validation_error", fields=("colour", "kind", "website"))
    assert body["errors"]["colour"] == ["Unknown field."]


def test_text_with_nul_or_too_long_is_422(api):
    assert_error(api("POST", "/api/v1/companies", json={"name_en": "a\x00b"}), 422, fields=("name_en",))
    body = assert_error(api("POST", "/api/v1/companies", json={"name_en": "x" * 201}), 422, fields=("name_en",))
    assert body["errors"]["name_en"] == ["At most 200 characters."]


def test_unknown_path_and_method_are_json(api):
    assert_error(api("GET", "/api/v1/nowhere"), 404, "not_found")
    assert_error(api("GET", "/api/v1/companies/0"), 404, "not_found")
    assert_error(api("GET", "/api/v1/companies/99999999999"), 404, "not_found")
    response = api("PUT", "/api/v1/companies")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_payload_too_large_is_json_413(app, api):
    old = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        response = api("POST", "/api/v1/companies", json={"name_en": "x" * 2000})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = old
    assert_error(response, 413, "payload_too_large")


def test_unexpected_error_is_json_500_and_rolls_back(app, api, monkeypatch):
    import crm.api.resources.companies as module

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(module, "create_company", boom)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = api("POST", "/api/v1/companies", json={"name_en": "X"})
    body = assert_error(response, 500, "server_error")
    assert "boom" not in body["message"]


# -- companies and contacts ---------------------------------------------------------------

def test_company_crud_and_archive(api):
    created = api("POST", "/api/v1/companies", json={"name_en": "Millimages", "kind": "animation_studio"})
    assert created.status_code == 201
    company = created.get_json()
    assert company["kind"] == "animation_studio" and company["archived_at"] is None
    url = f"/api/v1/companies/{company['id']}"
    assert api("GET", url).get_json()["name_en"] == "Millimages"
    patched = api("PATCH", url, json={"name_zh": "米利马日", "city": "Paris"})
    assert patched.status_code == 200 and patched.get_json()["name_zh"] == "米利马日"
    assert patched.get_json()["name_en"] == "Millimages"
    assert_error(api("PATCH", url, json={"name_en": None, "name_zh": None}), 422, fields=("name_en",))
    assert api("DELETE", url).status_code == 204
    assert api("GET", url).get_json()["archived_at"] is not None
    assert api("GET", "/api/v1/companies").get_json()["total"] == 0
    assert api("GET", "/api/v1/companies?archived=1").get_json()["total"] == 1


def test_company_needs_a_name(api):
    assert_error(api("POST", "/api/v1/companies", json={"city": "Hangzhou"}), 422, fields=("name_en",))


def test_list_pagination_total_and_links(api, make_company):
    for name in ("Alpha", "Beta", "Gamma"):
        make_company(name_en=name)
    first = api("GET", "/api/v1/companies?per_page=2&sort=name").get_json()
    assert first["total"] == 3 and first["page"] == 1 and first["per_page"] == 2
    assert [c["name_en"] for c in first["items"]] == ["Alpha", "Beta"]
    assert first["links"]["prev"] is None and "page=2" in first["links"]["next"]
    second = api("GET", first["links"]["next"]).get_json()
    assert [c["name_en"] for c in second["items"]] == ["Gamma"] and second["links"]["next"] is None
    assert "sort=name" in second["links"]["self"]
    assert_error(api("GET", "/api/v1/companies?per_page=101"), 422, fields=("per_page",))
    assert_error(api("GET", "/api/v1/companies?page=0"), 422, fields=("page",))
    assert_error(api("GET", "/api/v1/companies?sort=password"), 422, fields=("sort",))


def test_company_filters(api, make_company):
    make_company(name_en="Zhejiang TV", name_zh="浙江卫视", country="CN", kind="broadcaster")
    make_company(name_en="Talpa", country="NL")
    assert [c["name_en"] for c in api("GET", "/api/v1/companies?country=cn").get_json()["items"]] == ["Zhejiang TV"]
    assert api("GET", "/api/v1/companies?q=浙江").get_json()["total"] == 1
    assert api("GET", "/api/v1/companies?kind=broadcaster").get_json()["total"] == 1


def test_contact_crud_and_company_check(api, make_company):
    company = make_company(name_en="SBS")
    assert_error(api("POST", "/api/v1/contacts", json={"name_en": "Kim", "company_id": 999999}), 422,
                 fields=("company_id",))
    response = api("POST", "/api/v1/contacts", json={"name_en": "Kim", "name_zh": "金", "company_id": company.id,
                                                     "email": "KIM@Example.com", "languages": "ko  en"})
    assert response.status_code == 201
    contact = response.get_json()
    assert contact["email"] == "kim@example.com" and contact["languages"] == "ko en"
    assert_error(api("POST", "/api/v1/contacts", json={"name_en": "Bad", "email": "not-an-email"}), 422,
                 fields=("email",))
    listed = api("GET", f"/api/v1/contacts?company_id={company.id}").get_json()
    assert [c["id"] for c in listed["items"]] == [contact["id"]]
    url = f"/api/v1/contacts/{contact['id']}"
    assert api("PATCH", url, json={"phone": "+82 2 123"}).get_json()["phone"] == "+82 2 123"
    assert api("DELETE", url).status_code == 204
    assert api("GET", url).get_json()["archived_at"] is not None


# -- deals ------------------------------------------------------------------------------------

@pytest.fixture
def company(make_company):
    return make_company(name_en="Millimages", name_zh="米利马日", country="FR")


def _new_deal(api, company, user=None, **overrides):
    body = {"deal_type": "distribution", "name_en": "Rainbow Chicks", "name_zh": "彩虹小鸡",
            "company_id": company.id, "amount": "125000.50", "currency": "eur", "terms": LICENCE_TERMS,
            "expected_close_date": "2017-09-30"}
    body.update(overrides)
    return api("POST", "/api/v1/deals", json=body, user=user)


def test_create_deal_with_typed_terms(api, company, stages, rep):
    response = _new_deal(api, company)
    assert response.status_code == 201, response.get_json()
    deal = response.get_json()
    assert deal["amount"] == "125000.50" and deal["currency"] == "EUR" and deal["version"] == 1
    assert deal["owner_id"] == rep.id and deal["stage"]["key"] == "lead"
    assert deal["stage"]["name_zh"] and deal["expected_close_date"] == "2017-09-30"
    terms = deal["terms"]
    assert terms["territories"] == ["CN_MAINLAND"] and sorted(terms["media"]) == ["avod", "svod"]
    assert [p["percent"] for p in terms["payments"]] == ["50.00", "50.00"]
    assert terms["fee_kind"] == "flat_fee" and terms["licence_end"] == "2020-12-31"
    assert api("GET", f"/api/v1/deals/{deal['id']}").get_json() == deal


def test_deal_rules_are_the_services_rules(api, company, stages):
    bad_terms = dict(LICENCE_TERMS, payments=[{"percent": "60", "trigger_en": "on signature"}],
                     territories=["ATLANTIS"])
    body = assert_error(_new_deal(api, company, terms=bad_terms), 422)
    assert "terms.payments" in body["errors"] and "terms.territories" in body["errors"]
    assert_error(_new_deal(api, company, terms=dict(LICENCE_TERMS, platform="Zhejiang TV")), 422,
                 fields=("terms.platform",))
    assert_error(_new_deal(api, company, company_id=987654), 422, fields=("company_id",))
    assert_error(_new_deal(api, company, amount="-1"), 422, fields=("amount",))
    assert_error(_new_deal(api, company, amount="12.5.3"), 422, fields=("amount",))
    assert_error(_new_deal(api, company, currency="euro"), 422, fields=("currency",))
    assert_error(_new_deal(api, company, deal_type="barter"), 422, fields=("deal_type",))


def test_coproduction_and_format_terms(api, company, make_company, stages):
    partner = make_company(name_zh="浙江华麦网络技术有限公司")
    copro = {"working_title": "Panda Rangers", "budget": "2000000", "budget_currency": "USD", "episodes": 52,
             "episode_minutes": 11, "official_status": "sarft_order_41",
             "partners": [{"company_id": company.id, "financing_share": "60", "ip_share": "60"},
                          {"company_id": partner.id, "financing_share": "40", "ip_share": "40",
                           "territories_retained": "CN"}]}
    response = _new_deal(api, company, deal_type="coproduction", terms=copro)
    assert response.status_code == 201, response.get_json()
    terms = response.get_json()["terms"]
    assert terms["budget"] == "2000000.00" and len(terms["partners"]) == 2
    bad = dict(copro, partners=[dict(copro["partners"][0], company_id=424242)])
    assert_error(_new_deal(api, company, deal_type="coproduction", terms=bad), 422,
                 fields=("terms.partners.0.company_id",))
    fmt = {"territories": ["CN"], "platform": "Zhejiang TV", "fee_basis": "percent_of_budget", "fee_percent": "4.5"}
    response = _new_deal(api, company, deal_type="format", terms=fmt)
    assert response.status_code == 201 and response.get_json()["terms"]["fee_percent"] == "4.50"


def test_patch_with_version_and_conflict_then_recover(api, company, stages):
    deal = _new_deal(api, company).get_json()
    url = f"/api/v1/deals/{deal['id']}"
    assert_error(api("PATCH", url, json={"amount": "1"}), 422, fields=("version",))
    first = api("PATCH", url, json={"version": 1, "amount": "130000", "terms": {"media": ["svod"]}})
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["version"] == 2 and first.get_json()["amount"] == "130000.00"
    assert first.get_json()["terms"]["media"] == ["svod"]
    assert first.get_json()["terms"]["territories"] == ["CN_MAINLAND"]  # untouched terms stay
    stale = api("PATCH", url, json={"version": 1, "amount": "1"})
    body = assert_error(stale, 409, "version_conflict")
    assert body["current"]["version"] == 2
    retry = api("PATCH", url, json={"version": body["current"]["version"], "amount": "1"})
    assert retry.status_code == 200 and retry.get_json()["version"] == 3
    assert_error(api("PATCH", url, json={"version": 3, "deal_type": "format"}), 422, fields=("deal_type",))


def test_move_stage_history_conflict_and_rules(api, company, stages, rep):
    deal = _new_deal(api, company).get_json()
    url = f"/api/v1/deals/{deal['id']}"
    moved = api("POST", url + "/stage", json={"stage": "qualified", "version": 1})
    assert moved.status_code == 200 and moved.get_json()["stage"]["key"] == "qualified"
    assert moved.get_json()["version"] == 2
    body = assert_error(api("POST", url + "/stage", json={"stage": "offer", "version": 1}), 409, "version_conflict")
    assert body["current"] == {"version": 2, "stage": "qualified", "updated_at": body["current"]["updated_at"]}
    assert_error(api("POST", url + "/stage", json={"stage": "lost", "version": 2}), 422, fields=("reason",))
    assert_error(api("POST", url + "/stage", json={"stage": "won", "version": 2}), 422, fields=("signed_on",))
    assert_error(api("POST", url + "/stage", json={"stage": "nope", "version": 2}), 422, fields=("stage",))
    lost = api("POST", url + "/stage", json={"stage": "lost", "version": 2, "reason": "Budget cut"})
    assert lost.status_code == 200 and lost.get_json()["lost_reason"] == "Budget cut"
    history = api("GET", url + "/history").get_json()["items"]
    assert [h["to_stage"]["key"] for h in history] == ["lost", "qualified", "lead"]
    assert history[0]["from_stage"]["key"] == "qualified" and history[0]["reason"] == "Budget cut"
    assert history[-1]["from_stage"] is None and history[0]["changed_by_id"] == rep.id


def test_deal_list_filters_and_archive(api, company, stages):
    first = _new_deal(api, company).get_json()
    _new_deal(api, company, deal_type="format", terms={"territories": ["CN"], "fee_percent": "5"})
    assert api("GET", "/api/v1/deals").get_json()["total"] == 2
    assert api("GET", "/api/v1/deals?deal_type=format").get_json()["total"] == 1
    assert api("GET", "/api/v1/deals?stage=lead&sort=amount").get_json()["total"] == 2
    _new_deal(api, company, amount="5000")
    amounts = [d["amount"] for d in api("GET", "/api/v1/deals?deal_type=distribution&sort=amount").get_json()["items"]]
    assert amounts == ["5000.00", "125000.50"]
    descending = api("GET", "/api/v1/deals?deal_type=distribution&sort=-amount").get_json()["items"]
    assert [d["amount"] for d in descending] == ["125000.50", "5000.00"]
    assert api("DELETE", f"/api/v1/deals/{first['id']}").status_code == 204
    assert api("GET", "/api/v1/deals").get_json()["total"] == 2
    assert api("GET", "/api/v1/deals?archived=1").get_json()["items"][0]["id"] == first["id"]


def test_only_managers_give_deals_to_others(api, company, stages, make_user):
    colleague, manager = make_user("rep"), make_user("manager")
    assert_error(_new_deal(api, company, owner_id=colleague.id), 403, "forbidden")
    response = _new_deal(api, company, owner_id=colleague.id, user=manager)
    assert response.status_code == 201 and response.get_json()["owner_id"] == colleague.id
    assert_error(_new_deal(api, company, owner_id=99999, user=manager), 422, fields=("owner_id",))


# -- leads -------------------------------------------------------------------------------------

def test_lead_crud_and_conversion(api, company, stages, rep, make_company):
    other = make_company(name_en="Other")
    response = api("POST", "/api/v1/leads", json={"company_id": company.id, "source": "meeting",
                                                  "deal_type": "distribution", "summary": "Rainbow Chicks"})
    assert response.status_code == 201, response.get_json()
    lead = response.get_json()
    assert lead["status"] == "new" and lead["owner_id"] == rep.id and lead["title_ids"] == []
    url = f"/api/v1/leads/{lead['id']}"
    assert api("PATCH", url, json={"genre": "animation"}).get_json()["genre"] == "animation"
    assert_error(api("PATCH", url, json={"company_id": None}), 422, fields=("company_id",))
    assert_error(api("POST", "/api/v1/leads", json={"company_id": 424242}), 422, fields=("company_id",))
    assert_error(api("POST", "/api/v1/leads", json={"company_id": other.id, "meeting_id": 5}), 422,
                 fields=("meeting_id",))
    converted = api("POST", url + "/convert", json={"currency": "EUR", "amount": "80000"})
    assert converted.status_code == 201, converted.get_json()
    deal = converted.get_json()
    assert deal["lead_id"] == lead["id"] and deal["company_id"] == company.id and deal["amount"] == "80000.00"
    assert deal["name_en"] == "Rainbow Chicks" and deal["version"] == 1
    assert api("GET", url).get_json()["status"] == "converted"
    assert_error(api("POST", url + "/convert", json={}), 409, "lead_not_convertible")
    assert api("GET", "/api/v1/leads?status=converted").get_json()["total"] == 1
    assert api("DELETE", url).status_code == 204
    assert api("GET", "/api/v1/leads").get_json()["total"] == 0


# -- stages -----------------------------------------------------------------------------------

def test_stages_are_listed_by_type(api, stages):
    items = api("GET", "/api/v1/stages?deal_type=distribution").get_json()["items"]
    assert items[0]["key"] == "lead" and all(s["deal_type"] == "distribution" for s in items)
    assert any(s["is_lost"] for s in items) and items[0]["name_zh"]
    one = api("GET", f"/api/v1/stages/{items[0]['id']}").get_json()
    assert one == items[0]
    assert_error(api("POST", "/api/v1/stages", json={}), 405)


def test_amounts_are_exact_decimals(api, company, stages):
    deal = _new_deal(api, company, amount="9999999999999.99").get_json()
    assert deal["amount"] == "9999999999999.99"
    with_number = _new_deal(api, company, amount=125000.5)
    assert with_number.status_code == 201 and with_number.get_json()["amount"] == "125000.50"
    assert Decimal(deal["amount"]) == Decimal("9999999999999.99")
    assert_error(_new_deal(api, company, amount="NaN"), 422, fields=("amount",))
    assert_error(_new_deal(api, company, amount=True), 422, fields=("amount",))


def test_api_writes_audit_entries(app, api, rep):
    api("POST", "/api/v1/companies", json={"name_en": "Audited"})
    from crm.audit.models import AuditEntry

    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "companies")).one()
        assert entry.action == "create" and entry.user_id == rep.id


# -- meetings ------------------------------------------------------------------------------------

def test_log_a_meeting_and_its_outcome(app, api, company, make_company, rep, make_user):
    from crm.companies.models import Contact

    colleague = make_user("rep")
    other = make_company(name_en="Other")
    with app.app_context():
        contact = Contact(name_en="Marie", company_id=company.id)
        stranger = Contact(name_en="Nobody", company_id=other.id)
        db.session.add_all([contact, stranger])
        db.session.commit()
        contact_id, stranger_id = contact.id, stranger.id
    response = api("POST", "/api/v1/meetings", json={
        "starts_at": "2017-05-23T09:30:00+08:00", "duration_minutes": 30, "company_id": company.id,
        "location": "Table 12", "user_ids": [colleague.id], "contact_ids": [contact_id]})
    assert response.status_code == 201, response.get_json()
    meeting = response.get_json()
    assert meeting["starts_at"] == "2017-05-23T01:30:00+00:00" and meeting["status"] == "scheduled"
    assert meeting["user_ids"] == sorted([rep.id, colleague.id]) and meeting["contact_ids"] == [contact_id]
    url = f"/api/v1/meetings/{meeting['id']}"
    held = api("PATCH", url, json={"status": "held", "interest_level": 4, "next_step": "Send screeners"})
    assert held.status_code == 200 and held.get_json()["interest_level"] == 4
    assert_error(api("PATCH", url, json={"interest_level": 9}), 422, fields=("interest_level",))
    assert_error(api("PATCH", url, json={"starts_at": "2017-05-23T09:30:00"}), 422, fields=("starts_at",))
    assert_error(api("PATCH", url, json={"status": None}), 422, fields=("status",))
    assert_error(api("PATCH", url, json={"contact_ids": [stranger_id]}), 422, fields=("contact_ids",))
    assert_error(api("POST", "/api/v1/meetings", json={"starts_at": "2017-05-23T09:30:00+08:00",
                                                       "event_id": 4242}), 422, fields=("event_id",))
    assert_error(api("POST", "/api/v1/meetings", json={"company_id": other.id}), 422, fields=("starts_at",))
    assert_error(api("POST", "/api/v1/meetings", json={"starts_at": "2017-05-23T09:30:00+08:00",
                                                       "owner_id": colleague.id}), 403)
    listed = api("GET", "/api/v1/meetings?date_from=2017-05-22&date_to=2017-05-23&sort=start").get_json()
    assert [m["id"] for m in listed["items"]] == [meeting["id"]]
    assert api("GET", "/api/v1/meetings?when=upcoming").get_json()["total"] == 0
    assert api("DELETE", url).status_code == 204
    assert api("GET", "/api/v1/meetings").get_json()["total"] == 0


# -- exchange rates -------------------------------------------------------------------------------

def test_exchange_rates_are_for_admins(api, make_user):
    admin = make_user("admin")
    assert_error(api("GET", "/api/v1/exchange-rates"), 403, "forbidden")
    body = {"base": "usd", "currency": "CNY", "rate_date": "2017-05-24", "rate": "6.8852", "source": "PBoC"}
    assert_error(api("POST", "/api/v1/exchange-rates", json=body), 403)
    created = api("POST", "/api/v1/exchange-rates", json=body, user=admin)
    assert created.status_code == 201, created.get_json()
    rate = created.get_json()
    assert rate["base"] == "USD" and rate["rate"] == "6.885200"
    assert_error(api("POST", "/api/v1/exchange-rates", json=body, user=admin), 409, "duplicate")
    assert_error(api("POST", "/api/v1/exchange-rates", json=dict(body, currency="USD"), user=admin), 422,
                 fields=("currency",))
    assert_error(api("POST", "/api/v1/exchange-rates", json=dict(body, rate="-1", base="XXY"), user=admin), 422,
                 fields=("rate", "base"))
    url = f"/api/v1/exchange-rates/{rate['id']}"
    assert api("PATCH", url, json={"rate": "6.9"}, user=admin).get_json()["rate"] == "6.900000"
    assert api("GET", "/api/v1/exchange-rates?currency=cny", user=admin).get_json()["total"] == 1
    assert_error(api("GET", url), 403)
    assert api("DELETE", url, user=admin).status_code == 204
    assert_error(api("GET", url, user=admin), 404)


# -- rights availability ------------------------------------------------------------------------------

def test_rights_availability(app, api):
    from crm.rights.services import add_grant
    from crm.titles.models import Title

    with app.app_context():
        title = Title(name_en="Rainbow Chicks", name_zh="彩虹小鸡", genre="animation")
        db.session.add(title)
        db.session.flush()
        add_grant(title.id, "CN_MAINLAND", ["svod"], dt.date(2018, 1, 1), dt.date(2020, 12, 31), True)
        db.session.commit()
        title_id = title.id
    url = f"/api/v1/rights/availability?title_id={title_id}&media=svod&start=2019-01-01&end=2019-12-31"
    taken = api("GET", url + "&territories=WW&excluded=FR")
    assert taken.status_code == 200, taken.get_json()
    body = taken.get_json()
    assert body["available"] is False and body["conflicts"][0]["kind"] == "hard"
    conflict = body["conflicts"][0]
    assert conflict["overlap"]["countries"] == ["CN"] and conflict["overlap"]["media"] == ["svod"]
    assert conflict["title_name_zh"] == "彩虹小鸡" and conflict["message"]
    free = api("GET", url + "&territories=FR")
    assert free.get_json() == {"available": True, "conflicts": []}
    assert api("GET", f"/api/v1/rights/availability?title_id={title_id}&media=avod&territories=CN").get_json()[
        "available"] is True
    body = assert_error(api("GET", url + "&territories=ATLANTIS"), 422, fields=("territories.0",))
    assert body["errors"]["territories.0"] == ["Choose a value from the list."]
    assert_error(api("GET", url.replace("media=svod", "media=radio") + "&territories=CN"), 422, fields=("media.0",))
    assert_error(api("GET", "/api/v1/rights/availability?title_id=4242&media=svod&territories=CN"), 422,
                 fields=("title_id",))
    assert_error(api("GET", f"/api/v1/rights/availability?title_id={title_id}&media=svod&territories=CN"
                            "&start=2020-01-01&end=2019-01-01"), 422, fields=("end",))
    assert_error(api("GET", f"/api/v1/rights/availability?title_id={title_id}&media=svod"), 422,
                 fields=("territories",))


# -- term sheets ------------------------------------------------------------------------------------

def test_generate_and_download_a_bilingual_term_sheet(api, company, stages, make_user):
    import hashlib

    deal = _new_deal(api, company).get_json()
    url = f"/api/v1/deals/{deal['id']}/term-sheets"
    response = api("POST", url, json={"language": "bilingual"})
    assert response.status_code == 201, response.get_json()
    sheet = response.get_json()
    assert sheet["number"] == 1 and sheet["language"] == "bilingual" and sheet["deal_version"] == 1
    again = api("POST", url, json={"language": "bilingual"}).get_json()
    assert again["id"] == sheet["id"]  # same deal version: the same document
    pdf = api("GET", sheet["download_url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert hashlib.sha256(pdf.data).hexdigest() == sheet["sha256"]
    assert [s["id"] for s in api("GET", url).get_json()["items"]] == [sheet["id"]]
    assert_error(api("POST", url, json={"language": "fr"}), 422, fields=("language",))
    stranger = make_user("rep")
    assert_error(api("GET", sheet["download_url"], user=stranger), 404)
    assert_error(api("POST", url, json={}, user=stranger), 404)


# -- titles, events, tasks -------------------------------------------------------------------------------

def test_titles(api, company):
    response = api("POST", "/api/v1/titles", json={"name_en": "Rainbow Chicks", "name_zh": "彩虹小鸡",
                                                   "genre": "animation", "episodes": 52, "episode_minutes": 11,
                                                   "rights_holder_id": company.id})
    assert response.status_code == 201, response.get_json()
    title = response.get_json()
    assert title["status"] == "completed" and title["episodes"] == 52
    url = f"/api/v1/titles/{title['id']}"
    assert api("PATCH", url, json={"status": "in_production", "year": 2017}).get_json()["year"] == 2017
    assert_error(api("POST", "/api/v1/titles", json={"genre": "animation"}), 422, fields=("name_en",))
    assert_error(api("POST", "/api/v1/titles", json={"name_en": "X"}), 422, fields=("genre",))
    assert_error(api("POST", "/api/v1/titles", json={"name_en": "X", "genre": "drama", "rights_holder_id": 4242}),
                 422, fields=("rights_holder_id",))
    assert api("GET", "/api/v1/titles?q=彩虹&genre=animation").get_json()["total"] == 1
    assert api("DELETE", url).status_code == 204
    assert api("GET", "/api/v1/titles").get_json()["total"] == 0
    assert api("GET", "/api/v1/titles?archived=true").get_json()["total"] == 1


def test_events(api, company):
    body = {"name_en": "MIP China", "name_zh": "MIP中国", "city": "Hangzhou", "country": "cn",
            "timezone": "Asia/Shanghai", "start_date": "2017-05-23", "end_date": "2017-05-25",
            "organiser_id": company.id}
    response = api("POST", "/api/v1/events", json=body)
    assert response.status_code == 201, response.get_json()
    event = response.get_json()
    assert event["country"] == "CN" and event["company_ids"] == []
    url = f"/api/v1/events/{event['id']}"
    assert_error(api("PATCH", url, json={"end_date": "2017-05-01"}), 422, fields=("end_date",))
    assert_error(api("PATCH", url, json={"timezone": "Mars/Olympus"}), 422, fields=("timezone",))
    assert api("PATCH", url, json={"venue": "Hangzhou International Expo Center"}).status_code == 200
    assert api("GET", "/api/v1/events").get_json()["items"][0]["id"] == event["id"]
    assert api("DELETE", url).status_code == 204
    assert api("GET", "/api/v1/events").get_json()["total"] == 0


def test_tasks(api, company, stages, make_user):
    deal = _new_deal(api, company).get_json()
    response = api("POST", "/api/v1/tasks", json={"subject": "Send screeners", "due_on": "2017-06-01",
                                                  "deal_id": deal["id"]})
    assert response.status_code == 201, response.get_json()
    task = response.get_json()
    assert task["done"] is False and task["deal_id"] == deal["id"]
    url = f"/api/v1/tasks/{task['id']}"
    done = api("PATCH", url, json={"done": True}).get_json()
    assert done["done"] is True and done["done_at"]
    assert api("GET", "/api/v1/tasks?done=true").get_json()["total"] == 1
    assert api("GET", "/api/v1/tasks?done=false").get_json()["total"] == 0
    assert_error(api("POST", "/api/v1/tasks", json={"subject": " "}), 422, fields=("subject",))
    assert_error(api("POST", "/api/v1/tasks", json={"subject": "x", "deal_id": deal["id"],
                                                    "company_id": company.id}), 422, fields=("deal_id",))
    other = make_user("rep")
    assert_error(api("POST", "/api/v1/tasks", json={"subject": "x", "deal_id": deal["id"]}, user=other), 422,
                 fields=("deal_id",))
    assert_error(api("GET", url, user=other), 404)
    assert api("DELETE", url).status_code == 204
    assert api("GET", "/api/v1/tasks").get_json()["total"] == 0


def test_the_issue_scenario_end_to_end(app, client, api, stages):
    """Done when: with only the spec and a token, a script creates a company with a Chinese name,
    logs a meeting, converts a lead, moves the deal through stages, hits a version conflict and
    recovers, checks rights availability and downloads a bilingual term sheet."""
    from crm.titles.models import Title

    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/companies", "/api/v1/meetings", "/api/v1/leads/{lead_id}/convert",
                 "/api/v1/deals/{deal_id}/stage", "/api/v1/rights/availability",
                 "/api/v1/deals/{deal_id}/term-sheets", "/api/v1/term-sheets/{sheet_id}/pdf"):
        assert path in spec["paths"]
    with app.app_context():
        title = Title(name_en="Rainbow Chicks", name_zh="彩虹小鸡", genre="animation")
        db.session.add(title)
        db.session.commit()
        title_id = title.id

    company = api("POST", "/api/v1/companies", json={"name_zh": "杭州雷霆动画", "country": "CN"}).get_json()
    meeting = api("POST", "/api/v1/meetings", json={"starts_at": "2017-05-23T09:30:00+08:00",
                                                    "company_id": company["id"], "location": "Table 12"})
    assert meeting.status_code == 201
    lead = api("POST", "/api/v1/leads", json={"company_id": company["id"], "meeting_id": meeting.get_json()["id"],
                                              "source": "meeting", "deal_type": "distribution",
                                              "summary": "Rainbow Chicks, global distribution",
                                              "title_ids": [title_id]}).get_json()
    deal = api("POST", f"/api/v1/leads/{lead['id']}/convert", json={"currency": "EUR", "amount": "80000"})
    assert deal.status_code == 201
    deal = deal.get_json()
    assert deal["title_ids"] == [title_id] and deal["meeting_id"] == meeting.get_json()["id"]
    url = f"/api/v1/deals/{deal['id']}"
    deal = api("PATCH", url, json={"version": deal["version"], "terms": {
        "territories": ["WW"], "excluded": ["CN"], "media": ["svod", "free_tv"], "licence_start": "2018-01-01",
        "licence_end": "2020-12-31"}}).get_json()
    for stage in ("qualified", "offer", "negotiation"):
        response = api("POST", url + "/stage", json={"stage": stage, "version": deal["version"]})
        assert response.status_code == 200, response.get_json()
        deal = response.get_json()
    stale = api("POST", url + "/stage", json={"stage": "term_sheet", "version": deal["version"] - 1})
    assert stale.status_code == 409
    current = stale.get_json()["current"]["version"]
    deal = api("POST", url + "/stage", json={"stage": "term_sheet", "version": current}).get_json()
    assert deal["stage"]["key"] == "term_sheet"
    rights = api("GET", f"/api/v1/rights/availability?title_id={title_id}&territories=FR&media=svod"
                        "&start=2019-01-01&end=2019-06-30").get_json()
    assert rights["available"] is True and rights["conflicts"][0]["kind"] == "soft"  # our own deal holds them
    sheet = api("POST", url + "/term-sheets", json={"language": "bilingual"}).get_json()
    pdf = api("GET", sheet["download_url"])
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF") and sheet["number"] == 1


def test_nested_field_errors_use_dotted_paths(api, company, stages):
    terms = dict(LICENCE_TERMS, payments=[{"percent": "abc", "trigger_en": "on signature"}], media=["radio"])
    body = assert_error(_new_deal(api, company, terms=terms), 422)
    assert set(body["errors"]) == {"terms.payments.0.percent", "terms.media.0"}


def test_unknown_query_parameters_are_refused(api):
    body = assert_error(api("GET", "/api/v1/companies?per-page=5"), 422, fields=("per-page",))
    assert body["errors"]["per-page"] == ["Unknown field."]


def test_archived_titles_and_companies_are_not_newly_linked(app, api, company, make_company, stages):
    """As in the forms: an archived title or company cannot be chosen for a deal or a lead, but a record
    that already has one keeps it when it is saved again."""
    import datetime as dt

    from crm.companies.models import Company
    from crm.enums import Genre
    from crm.titles.models import Title

    with app.app_context():
        title = Title(name_en="Old Show", genre=Genre.ANIMATION)
        db.session.add(title)
        db.session.commit()
        title_id = title.id
    gone = make_company(name_en="Closed Studio")
    deal = _new_deal(api, company, title_ids=[title_id]).get_json()
    lead = api("POST", "/api/v1/leads", json={"company_id": company.id, "title_ids": [title_id]}).get_json()
    with app.app_context():
        now = dt.datetime.now(dt.UTC)
        db.session.get(Title, title_id).archived_at = now
        db.session.get(Company, gone.id).archived_at = now
        db.session.get(Company, company.id).archived_at = now
        db.session.commit()
    assert_error(_new_deal(api, make_company(), title_ids=[title_id]), 422, fields=("title_ids",))
    assert_error(_new_deal(api, gone), 422, fields=("company_id",))
    assert_error(api("POST", "/api/v1/leads", json={"company_id": gone.id}), 422, fields=("company_id",))
    assert_error(api("POST", "/api/v1/leads", json={"company_id": make_company().id, "title_ids": [title_id]}),
                 422, fields=("title_ids",))
    # The records that already had them save again (their company and title are archived too).
    saved = api("PATCH", f"/api/v1/deals/{deal['id']}", json={"version": deal["version"], "notes": "still on"})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["title_ids"] == [title_id]
    assert api("PATCH", f"/api/v1/leads/{lead['id']}", json={"summary": "still on"}).status_code == 200
    # A co-production partner: an archived company cannot be added as one either.
    copro = {"budget": "1000000", "budget_currency": "USD",
             "partners": [{"company_id": make_company().id, "financing_share": "50", "ip_share": "50"},
                          {"company_id": gone.id, "financing_share": "50", "ip_share": "50"}]}
    assert_error(_new_deal(api, make_company(), deal_type="coproduction", terms=copro), 422,
                 fields=("terms.partners",))
