"""crm backup / crm restore: a backup restored into an empty database holds every record, equal."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from crm import create_app
from crm.extensions import db
from tests.conftest import separate_database

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "crm", "migrations")


@pytest.fixture
def two_databases(tmp_path):
    """(source URL, empty target URL) of the suite's kind of database, apart from the shared one."""
    with separate_database("crm_backup_source", tmp_path) as source, \
            separate_database("crm_backup_target", tmp_path) as target:
        yield source, target


def _everything(app) -> dict[str, list[tuple]]:
    with app.app_context():
        with db.engine.connect() as conn:
            rows = {
                table.name: [tuple(r) for r in conn.execute(sa.select(table).order_by(*table.primary_key.columns))]
                for table in db.metadata.sorted_tables
            }
            rows["alembic_version"] = list(conn.execute(sa.text("SELECT version_num FROM alembic_version")))
        db.engine.dispose()
    return rows


@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_restore_into_an_empty_database_gives_every_record_back(two_databases, tmp_path):
    from crm.demo import seed_demo

    source_url, target_url = two_databases
    source = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": source_url})
    with source.app_context():
        upgrade(directory=MIGRATIONS)
        seed_demo()
        db.session.commit()
    path = str(tmp_path / "crm.backup")
    result = source.test_cli_runner().invoke(args=["crm", "backup", path])
    assert result.exit_code == 0, result.output
    assert "Backup written to" in result.output and os.path.getsize(path) > 0

    target = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": target_url})
    with target.app_context():
        upgrade(directory=MIGRATIONS)  # an empty, migrated database: what a new server has
    result = target.test_cli_runner().invoke(args=["crm", "restore", path])
    assert result.exit_code == 0, result.output

    before, after = _everything(source), _everything(target)
    assert sum(len(rows) for rows in before.values()) > 300  # the demo story, not an empty schema
    assert after == before

    # Restoring again over data needs --yes; a file that is not a backup is refused.
    again = target.test_cli_runner().invoke(args=["crm", "restore", path])
    assert again.exit_code != 0 and "--yes" in again.output
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a backup")
    refused = target.test_cli_runner().invoke(args=["crm", "restore", "--yes", str(junk)])
    assert refused.exit_code != 0 and "is not a backup" in refused.output
    with source.app_context():
        db.engine.dispose()
    with target.app_context():
        db.engine.dispose()


def test_backup_refuses_to_overwrite_a_file(app, tmp_path):
    path = tmp_path / "exists.backup"
    path.write_bytes(b"x")
    result = app.test_cli_runner().invoke(args=["crm", "backup", str(path)])
    assert result.exit_code != 0 and "exists" in result.output
