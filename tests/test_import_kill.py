"""A 10,000-row import killed with SIGKILL half-way leaves the database consistent (issue 8):
the import is one transaction, so nothing of it is stored, the schema is intact, and the
next writer is not blocked (SQLite WAL recovery; PostgreSQL aborts the dead session)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa

from crm import create_app
from crm.extensions import db
from tests.conftest import separate_database

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROWS = 10_000

IMPORTER = textwrap.dedent("""
    import sys
    import sqlalchemy as sa
    from benchmarks.imports import generate_csv
    from crm import create_app
    from crm.auth.models import User
    from crm.extensions import db
    from crm.imports.mapping import auto_mapping
    from crm.imports.parsing import read_table
    from crm.imports.services import run_import

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
    with app.app_context():
        flushes = []

        @sa.event.listens_for(db.session, "after_flush")
        def _tell(session, context):
            flushes.append(1)
            if len(flushes) == 3:  # several chunks written, thousands still to go
                print("WRITING", flush=True)

        data = generate_csv(int(sys.argv[2]))
        table = read_table(data, "contacts.csv", max_rows=50_000, max_bytes=len(data) + 1)
        user = db.session.scalar(sa.select(User))
        run_import("contacts", table, auto_mapping("contacts", table.headers), user=user, filename="contacts.csv")
        print("FLUSHED ALL", flush=True)
        db.session.commit()
        print("COMMITTED", flush=True)
""")


@pytest.fixture
def own_database(tmp_path):
    with separate_database("crm_kill_test", tmp_path) as url:
        yield url


def _counts(app) -> dict[str, int]:
    from crm.audit.models import AuditEntry
    from crm.companies.models import Company, Contact

    with app.app_context():
        out = {name: db.session.scalar(sa.select(sa.func.count()).select_from(model))
               for name, model in (("companies", Company), ("contacts", Contact), ("audit", AuditEntry))}
        db.session.remove()
    return out


def test_sigkill_in_the_middle_of_an_import_leaves_nothing_half_done(own_database):
    from crm.auth.services import create_user
    from crm.companies.models import Company

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": own_database})
    with app.app_context():
        db.create_all()
        create_user("importer@example.com", "Importer", "correct horse battery", "rep")
        db.session.add(Company(name_en="Already here"))
        db.session.commit()
        db.engine.dispose()
    before = _counts(app)

    child = subprocess.Popen([sys.executable, "-c", IMPORTER, own_database, str(ROWS)], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": ROOT}, stdout=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.strip() == "WRITING", f"the importer stopped early: {line!r}"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    assert _counts(app) == before  # not one row of the import, not its audit entry
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            assert db.session.scalar(sa.text("PRAGMA integrity_check")) == "ok"
        db.session.add(Company(name_en="Written after the crash"))  # no lock left behind
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Company)) == before["companies"] + 1
        db.session.remove()
        db.engine.dispose()
