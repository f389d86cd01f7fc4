"""The Alembic migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from crm import create_app
from crm.extensions import db
from tests.conftest import separate_database

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "crm", "migrations")


@pytest.fixture
def empty_database_url(tmp_path):
    """A database of its own, so the shared test schema is left alone."""
    with separate_database("crm_migrations_test", tmp_path) as url:
        yield url


# SQLite cannot reflect expression indexes; the migration creates them by hand (0003).
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_match_models(empty_database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations disagree; run `flask --app wsgi db migrate`: {diff}"

        # The schema's constraints come from the migration too (not only create_all).
        with db.engine.connect() as conn, pytest.raises(sa.exc.IntegrityError):
            conn.execute(
                sa.text(
                    "INSERT INTO exchange_rates (base, currency, rate_date, rate) "
                    "VALUES ('USD', 'CNY', '2017-05-24', 0)"
                )
            )

        downgrade(directory=MIGRATIONS, revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_history_and_audit_refuse_updates_in_the_database(app, ctx, make_user, make_deal, stages):
    """Even raw SQL cannot rewrite history (the migration and create_all add the trigger)."""
    from crm.deals.models import StageChange

    user = make_user()
    deal = make_deal(user)
    with ctx() as session:
        session.add(StageChange(deal_id=deal.id, to_stage_id=deal.stage_id, changed_by_id=user.id))
        session.commit()
        with pytest.raises(sa.exc.DatabaseError):
            session.execute(sa.text("UPDATE stage_changes SET reason = 'rewritten'"))
        session.rollback()
        change = session.scalars(sa.select(StageChange)).one()
        change.reason = "rewritten"
        from crm.append_only import AppendOnlyError

        with pytest.raises(AppendOnlyError):
            session.flush()
        session.rollback()
