"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis,
in-process through WSGI): no input gives a server error, every response — status code,
content type, headers and body — conforms to the spec, schema-violating requests are
refused, and (for reads, which take no body) schema-valid queries are accepted.

Each operation gets up to ``EXAMPLES`` generated requests, a mix of schema-valid and
schema-violating ones, some aimed at records that exist; the last test checks that the
run sent at least 1,000 requests.
(schemathesis' own pytest loader does not work with pytest 9, so the operations
are parametrized here and driven with Hypothesis directly.)
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crm import create_app
from crm.auth.models import User
from crm.extensions import db

EXAMPLES = 30
MIN_REQUESTS = 1000
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]
SPEC = "/api/v1/openapi.json"


def _operations() -> list[tuple[str, str]]:
    # A throwaway app (the factory touches no database) just to list the operations at collection time.
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    spec = app.test_client().get(SPEC).get_json()
    return [(method.upper(), path) for path, item in spec["paths"].items() for method in item
            if method in ("get", "post", "patch", "put", "delete")]


OPERATIONS = _operations()
SENT: dict[tuple[str, str], int] = {}
STATUSES: Counter = Counter()


@pytest.fixture
def admin_token(app, make_user, make_company, make_deal, stages):
    """An admin's token, and records with ids 1 and 2 for the generated requests to hit."""
    from crm.api.tokens import create_token
    from crm.companies.models import Contact
    from crm.deals.services import create_deal_with_terms
    from crm.events.models import Event
    from crm.leads.models import Lead
    from crm.meetings.models import Meeting
    from crm.rates.models import ExchangeRate
    from crm.tasks.models import Task
    from crm.titles.models import Title

    admin = make_user("admin")
    rep = make_user("rep")
    company = make_company(name_en="Millimages", name_zh="米利马日")
    make_company(name_zh="杭州雷霆动画")
    with app.app_context():
        create_deal_with_terms(db.session.get(User, admin.id), deal_type="distribution", values={
            "name_en": "Rainbow Chicks", "company_id": company.id, "currency": "CNY", "amount": Decimal("480000")},
            terms={"territories": ["CN_MAINLAND"], "media": ["svod"]})
        db.session.commit()
    make_deal(rep, stage="lead", expected_close_date=dt.date(2027, 1, 31))
    with app.app_context():
        for name in ("Ada", "Bo"):
            db.session.add(Contact(name_en=name, company_id=company.id))
        for summary in ("Rainbow Chicks", "Running Man"):
            db.session.add(Lead(owner_id=admin.id, company_id=company.id, summary=summary))
        for name in ("Rainbow Chicks", "Panda Rangers"):
            db.session.add(Title(name_en=name, genre="animation"))
        for name in ("MIP China", "MIPCOM"):
            db.session.add(Event(name_en=name, timezone="Asia/Shanghai", start_date=dt.date(2017, 5, 23),
                                 end_date=dt.date(2017, 5, 25)))
        for subject in ("Send screeners", "Call back"):
            db.session.add(Task(owner_id=admin.id, subject=subject))
        for day in (23, 24):
            db.session.add(Meeting(owner_id=admin.id, company_id=company.id, location="Table 12",
                                   starts_at=dt.datetime(2017, 5, day, 1, 30, tzinfo=dt.UTC)))
        for currency, rate in (("CNY", "6.8852"), ("EUR", "0.8937")):
            db.session.add(ExchangeRate(base="USD", currency=currency, rate_date=dt.date(2017, 5, 24),
                                        rate=Decimal(rate)))
        _token, raw = create_token(db.session.get(User, admin.id), "fuzz")
        db.session.commit()
    return raw


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_conforms_to_the_spec(app, admin_token, method, path):
    schema = schemathesis.openapi.from_wsgi(SPEC, app)
    operation = schema[path][method]
    # The token is a fixed header of every case, so negative cases never "break" it by leaving it out.
    headers = {"Authorization": f"Bearer {admin_token}"}
    strategies = [operation.as_strategy(mode, headers=headers) for mode in GenerationMode]
    names = re.findall(r"{(\w+)}", path)
    if names:  # also aim at the records that exist, not only at random ids (404)
        strategies += [operation.as_strategy(mode, headers=headers, path_parameters=dict.fromkeys(names, ident))
                       for mode in GenerationMode for ident in (1, 2)]
    cases = st.one_of(strategies)
    # Reads take no body: any query the spec allows must be accepted (no 422 for a valid filter).
    # Except the availability check, whose title must exist and whose period must be in order.
    checks = CHECKS + [positive_data_acceptance] if method == "GET" and "availability" not in path else CHECKS
    SENT[(method, path)] = 0

    @given(case=cases)
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case):
        SENT[(method, path)] += 1
        response = case.call()
        STATUSES[response.status_code] += 1
        case.validate_response(response, checks=checks)

    fuzz()


def test_fuzzing_sent_enough_requests():
    """Runs last in this file: every operation was fuzzed, 1,000+ requests in all."""
    if set(SENT) != set(OPERATIONS):
        pytest.skip("only part of the fuzzing ran (selected with -k?)")
    print(f"fuzzing sent {sum(SENT.values())} requests over {len(SENT)} operations; statuses {dict(STATUSES)}")
    assert sum(SENT.values()) >= MIN_REQUESTS, SENT
