"""Two gunicorn instances on one PostgreSQL behave as one app (issue 8, scale-out).

Runs only with CRM_TEST_DATABASE_URL (PostgreSQL). Builds a database of its own
(``flask db upgrade`` + the demo story), starts two gunicorn processes on different
loopback ports with the same DATABASE_URL and SECRET_KEY, and talks to them over
real HTTP: a session signed in on A works on B; failed sign-ins on A and B count
together; a term sheet generated on A downloads byte-identical from B; an import
uploaded on A previews on B. Nothing the second server needs is on the first one's
disk or in its memory.
"""

from __future__ import annotations

import os
import re
import secrets

import pytest
import sqlalchemy as sa

from tests.conftest import separate_database
from tests.live_server import gunicorn_servers, prepare_demo_database

POSTGRES_URL = os.environ.get("CRM_TEST_DATABASE_URL")
pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (CRM_TEST_DATABASE_URL)")

requests = pytest.importorskip("requests")

DB_NAME = "crm_scale_out_test"
PASSWORD = "mipchina2017"  # noqa: S105 - the documented demo password (crm/demo.py)
MANAGER = "manager@demo.example"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A fresh, migrated PostgreSQL database with the demo story; yields its URL."""
    with separate_database(DB_NAME, tmp_path_factory.mktemp("db")) as url:
        prepare_demo_database(url)
        yield url


@pytest.fixture(scope="module")
def servers(database, tmp_path_factory):
    """Base URLs of two gunicorn instances sharing the database and SECRET_KEY."""
    env = {
        "DATABASE_URL": database,
        "SECRET_KEY": secrets.token_hex(32),
        "CRM_ENV": "development",
        "CRM_LOGIN_MAX_PER_ACCOUNT": "3",
    }
    with gunicorn_servers(env, tmp_path_factory.mktemp("gunicorn"), count=2) as urls:
        yield urls


def _csrf(response) -> str:
    match = CSRF.search(response.text)
    assert match, "no csrf_token in the page"
    return match.group(1)


def _sign_in(base: str, email: str, password: str):
    """A requests.Session and the response to the sign-in POST (redirects not followed)."""
    client = requests.Session()
    token = _csrf(client.get(base + "/login", timeout=10))
    response = client.post(base + "/login", data={"csrf_token": token, "email": email, "password": password},
                           allow_redirects=False, timeout=30)
    return client, response


def _on(base: str, cookies) -> requests.Session:
    """A new client holding only ``cookies``: what a browser sends to whichever server the balancer picks."""
    client = requests.Session()
    client.cookies.update(cookies)
    return client


def test_a_session_from_one_instance_works_on_the_other(servers):
    a, b = servers
    client_a, response = _sign_in(a, MANAGER, PASSWORD)
    assert response.status_code == 302
    assert requests.get(b + "/companies/", allow_redirects=False, timeout=10).status_code == 302  # anonymous
    client_b = _on(b, client_a.cookies)
    page = client_b.get(b + "/companies/", allow_redirects=False, timeout=10)
    assert page.status_code == 200
    # The CSRF token issued on A is accepted on B: sign out there.
    out = client_b.post(b + "/logout", data={"csrf_token": _csrf(page)}, allow_redirects=False, timeout=10)
    assert out.status_code == 302
    assert client_a.get(a + "/companies/", allow_redirects=False, timeout=10).status_code == 302


def test_failed_sign_ins_count_across_instances(servers):
    a, b = servers
    email = "rep@demo.example"
    for base in (a, a, b):
        assert _sign_in(base, email, "wrong password")[1].status_code == 200  # the form again, with an error
    for base in (a, b):
        response = _sign_in(base, email, PASSWORD)[1]  # even the right password waits now
        assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0


@pytest.fixture(scope="module")
def servers_with_redis(database, tmp_path_factory):
    """Two more instances that keep the login throttle in one Redis (CRM_REDIS_URL)."""
    redis_url = os.environ.get("CRM_TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("needs Redis (CRM_TEST_REDIS_URL)")
    env = {
        "DATABASE_URL": database,
        "SECRET_KEY": secrets.token_hex(32),
        "CRM_ENV": "development",
        "CRM_LOGIN_MAX_PER_ACCOUNT": "3",
        "CRM_REDIS_URL": redis_url,
        "CRM_REDIS_PREFIX": "crm-scale-out-" + secrets.token_hex(8),
    }
    with gunicorn_servers(env, tmp_path_factory.mktemp("gunicorn-redis"), count=2) as urls:
        yield urls


def test_failed_sign_ins_count_across_instances_in_redis(servers_with_redis, database):
    a, b = servers_with_redis
    email = "rep2@demo.example"
    engine = sa.create_engine(database)
    with engine.connect() as conn:
        rows_before = conn.scalar(sa.text("SELECT count(*) FROM login_failures"))
    for base in (a, b, b):
        assert _sign_in(base, email, "wrong password")[1].status_code == 200
    for base in (a, b):
        response = _sign_in(base, email, PASSWORD)[1]
        assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    with engine.connect() as conn:  # counted in Redis, not in the database
        assert conn.scalar(sa.text("SELECT count(*) FROM login_failures")) == rows_before
    engine.dispose()


def test_a_term_sheet_generated_on_one_instance_downloads_from_the_other(servers, database):
    a, b = servers
    client, _ = _sign_in(a, MANAGER, PASSWORD)
    engine = sa.create_engine(database)
    with engine.connect() as conn:
        deal_id = conn.scalar(sa.text("SELECT id FROM deals WHERE deal_type = 'distribution' ORDER BY id LIMIT 1"))
    token = _csrf(client.get(f"{a}/deals/{deal_id}", timeout=10))
    response = client.post(f"{a}/deals/{deal_id}/term-sheets", data={"csrf_token": token, "lang": "en"},
                           allow_redirects=False, timeout=60)
    assert response.status_code == 302
    with engine.connect() as conn:
        sheet_id, content = conn.execute(
            sa.text("SELECT id, content FROM term_sheets WHERE deal_id = :d ORDER BY number DESC LIMIT 1"),
            {"d": deal_id},
        ).one()
    engine.dispose()
    from_b = _on(b, client.cookies).get(f"{b}/term-sheets/{sheet_id}/download", timeout=10)
    assert from_b.status_code == 200 and from_b.headers["Content-Type"] == "application/pdf"
    assert from_b.content == bytes(content) and from_b.content.startswith(b"%PDF")
    assert client.get(f"{a}/term-sheets/{sheet_id}/download", timeout=10).content == from_b.content


def test_an_import_uploaded_on_one_instance_previews_on_the_other(servers):
    a, b = servers
    client, _ = _sign_in(a, MANAGER, PASSWORD)
    token = _csrf(client.get(a + "/import/companies/", timeout=10))
    csv = "Company,Country\r\nScale-Out Pictures 扩展影业,CN\r\n".encode()
    response = client.post(a + "/import/companies/", data={"csrf_token": token, "event": "0", "encoding": ""},
                           files={"file": ("companies.csv", csv, "text/csv")}, allow_redirects=False, timeout=30)
    assert response.status_code == 302
    preview = response.headers["Location"]
    preview = preview if preview.startswith("http") else b + preview
    preview = preview.replace(a, b)
    page = _on(b, client.cookies).get(preview, timeout=30)
    assert page.status_code == 200 and "Scale-Out Pictures 扩展影业" in page.text
    # Someone else's session on B does not see it.
    other, response = _sign_in(b, "rep2@demo.example", PASSWORD)
    assert response.status_code == 302
    assert other.get(preview, allow_redirects=False, timeout=10).status_code == 404
