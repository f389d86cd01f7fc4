"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when
CRM_TEST_DATABASE_URL is set (e.g. postgresql://postgres@127.0.0.1:5432/test).

No app context stays pushed while the test client makes requests: Flask would
reuse it, and ``g`` (where Flask-Login caches the user) would leak between
requests. Factories open their own context and return detached objects whose
column attributes are loaded.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from contextlib import contextmanager
from decimal import Decimal

import pytest
import sqlalchemy as sa

from crm import create_app
from crm.extensions import db

POSTGRES_URL = os.environ.get("CRM_TEST_DATABASE_URL")


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + POSTGRES_URL if POSTGRES_URL else 'SQLite'}"


def compile_catalogues() -> None:
    """Make sure the .mo files match the .po files (tests may run without make)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = os.path.join(os.path.dirname(os.path.dirname(__file__)), "crm", "translations")
    for lang in os.listdir(root):
        po = os.path.join(root, lang, "LC_MESSAGES", "messages.po")
        mo = po[:-2] + "mo"
        if os.path.exists(po) and (not os.path.exists(mo) or os.path.getmtime(mo) < os.path.getmtime(po)):
            with open(po, "rb") as f:
                catalog = read_po(f)
            with open(mo, "wb") as f:
                write_mo(f, catalog)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if POSTGRES_URL:
        return POSTGRES_URL
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def app(database_url):
    compile_catalogues()
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Empty every table after each test that used the database."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@contextmanager
def _ctx(app):
    with app.app_context():
        yield db.session


@pytest.fixture
def ctx(app):
    """``with ctx() as session:`` — an app context and its session, for direct DB work."""
    return lambda: _ctx(app)


def _detach(obj):
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


_seq = itertools.count(1)
PASSWORD = "correct horse battery"


@pytest.fixture
def make_user(app):
    def make(role="rep", **fields):
        from crm.auth.services import create_user

        n = next(_seq)
        with app.app_context():
            user = create_user(
                fields.pop("email", f"user{n}@example.com"),
                fields.pop("name", f"User {n}"),
                fields.pop("password", PASSWORD),
                role,
                **fields,
            )
            db.session.commit()
            return _detach(user)

    return make


@pytest.fixture
def make_company(app):
    def make(**fields):
        from crm.companies.models import Company

        n = next(_seq)
        fields.setdefault("name_en", f"Company {n}")
        with app.app_context():
            company = Company(**fields)
            db.session.add(company)
            db.session.commit()
            return _detach(company)

    return make


@pytest.fixture
def stages(app):
    """Create the default pipeline stages; returns {(deal_type value, key): stage id}."""
    from crm.deals.models import PipelineStage
    from crm.deals.stages import ensure_default_stages

    with app.app_context():
        ensure_default_stages()
        db.session.commit()
        return {
            (s.deal_type.value, s.key): s.id for s in db.session.scalars(sa.select(PipelineStage))
        }


@pytest.fixture
def make_deal(app, stages, make_company):
    def make(owner, stage="negotiation", deal_type="distribution", company=None, **fields):
        from crm.deals.models import Deal

        company = company or make_company()
        n = next(_seq)
        fields.setdefault("name_en", f"Deal {n}")
        fields.setdefault("amount", Decimal("100000.00"))
        fields.setdefault("currency", "USD")
        fields.setdefault("expected_close_date", dt.date(2026, 12, 31))
        with app.app_context():
            deal = Deal(
                deal_type=deal_type, stage_id=stages[(deal_type, stage)], owner_id=owner.id,
                company_id=company.id, **fields,
            )
            db.session.add(deal)
            db.session.commit()
            return _detach(deal)

    return make


@pytest.fixture
def login(client):
    """``login(user)`` signs the test client in as ``user``."""

    def do(user, password=PASSWORD, remember=False):
        response = client.post(
            "/login", data={"email": user.email, "password": password, "remember": "y" if remember else ""}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do


@pytest.fixture
def count_queries(app):
    """``with count_queries() as counter: ...`` then ``counter.count``."""

    class Counter:
        count = 0
        statements: list[str]

    @contextmanager
    def counting():
        counter = Counter()
        counter.statements = []
        with app.app_context():
            engine = db.engine

        def on_execute(conn, cursor, statement, *args):
            counter.count += 1
            counter.statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", on_execute)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", on_execute)

    return counting


@contextmanager
def separate_database(name: str, sqlite_dir):
    """A database of its own, apart from the suite's shared one: a SQLite file in
    ``sqlite_dir``, or, when the suite runs on PostgreSQL, a fresh database ``name`` on
    that server (dropped afterwards). Yields its URL."""
    if not POSTGRES_URL:
        yield f"sqlite:///{os.path.join(str(sqlite_dir), name + '.sqlite3')}"
        return
    admin_url = sa.make_url(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        engine.dispose()
