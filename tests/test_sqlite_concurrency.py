"""Several workers writing one SQLite file: read-then-write transactions begin IMMEDIATE,
so they queue for the write lock (busy timeout) instead of failing "database is locked";
read-only requests begin deferred and never wait for a writer."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
import sqlalchemy as sa

from crm.extensions import db


@pytest.fixture
def sqlite_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite locking")


def test_concurrent_read_then_write_transactions_all_succeed(app, sqlite_only, make_user, make_deal):
    from crm.deals.models import Deal

    deal = make_deal(make_user("rep"), amount=Decimal("0.00"))
    errors: list[BaseException] = []

    def worker():
        try:
            for _ in range(5):
                with app.app_context():
                    current = db.session.scalar(sa.select(Deal.amount).where(Deal.id == deal.id))  # read...
                    time.sleep(0.005)  # ...let the others read too...
                    db.session.execute(sa.update(Deal).where(Deal.id == deal.id).values(amount=current + 1))
                    db.session.commit()  # ...then write: no lost update, no "database is locked"
        except BaseException as exc:  # noqa: BLE001 - collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(sa.select(Deal.amount).where(Deal.id == deal.id)) == Decimal("30.00")


def test_requests_begin_the_right_kind_of_transaction(app, sqlite_only, client, make_user, login):
    statements: list[str] = []

    def remember(conn, cursor, statement, *args):
        if statement.startswith("BEGIN"):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        login(make_user("rep"))  # a POST
        assert statements and set(statements) == {"BEGIN IMMEDIATE"}
        statements.clear()
        client.get("/deals/")
        assert statements and set(statements) == {"BEGIN"}
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)
