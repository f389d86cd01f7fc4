"""``deals.counterpart_country``: the country of the deal's company, kept by the database.

The dashboard sums open deals by counterpart country. Reading the country through a join with
companies costs a lookup per deal and a sort of every open deal (~65 ms at 100,000 deals); with the
country on the deal, the sums come off one covering index in its order (~11 ms). The copy is kept
by triggers (created with the table and by migration 0009), so every way of writing (the ORM, bulk
SQL, imports, a company merge, a company's country edited) keeps it right:

* a deal inserted, or its company changed, takes its company's country;
* a company's country changed is copied to its deals;
* a value written to the column by hand is put back.

The application never writes the column (``FetchedValue``: the ORM reads it back when needed).
"""

from __future__ import annotations

import sqlalchemy as sa

PG_FUNCTIONS = [
    """
CREATE OR REPLACE FUNCTION crm_deal_counterpart_country() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.counterpart_country := (SELECT country FROM companies WHERE id = NEW.company_id);
    RETURN NEW;
END $$
""",
    """
CREATE OR REPLACE FUNCTION crm_company_country_to_deals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE deals SET counterpart_country = NEW.country WHERE company_id = NEW.id;
    RETURN NULL;
END $$
""",
]

PG_TRIGGERS = [
    "CREATE TRIGGER trg_deals_counterpart_country BEFORE INSERT OR UPDATE OF company_id, counterpart_country "
    "ON deals FOR EACH ROW EXECUTE FUNCTION crm_deal_counterpart_country()",
    "CREATE TRIGGER trg_companies_country_to_deals AFTER UPDATE OF country ON companies FOR EACH ROW "
    "WHEN (OLD.country IS DISTINCT FROM NEW.country) EXECUTE FUNCTION crm_company_country_to_deals()",
]

# SQLite has no BEFORE trigger that can change the new row: the row is corrected right after, and
# only when it differs (so the correcting UPDATE does not fire the update trigger's action again).
SQLITE_TRIGGERS = [
    "CREATE TRIGGER trg_deals_counterpart_country_insert AFTER INSERT ON deals "
    "WHEN NEW.counterpart_country IS NOT (SELECT country FROM companies WHERE id = NEW.company_id) "
    "BEGIN UPDATE deals SET counterpart_country = (SELECT country FROM companies WHERE id = NEW.company_id) "
    "WHERE id = NEW.id; END",
    "CREATE TRIGGER trg_deals_counterpart_country_update AFTER UPDATE OF company_id, counterpart_country ON deals "
    "WHEN NEW.counterpart_country IS NOT (SELECT country FROM companies WHERE id = NEW.company_id) "
    "BEGIN UPDATE deals SET counterpart_country = (SELECT country FROM companies WHERE id = NEW.company_id) "
    "WHERE id = NEW.id; END",
    "CREATE TRIGGER trg_companies_country_to_deals AFTER UPDATE OF country ON companies "
    "WHEN NEW.country IS NOT OLD.country "
    "BEGIN UPDATE deals SET counterpart_country = NEW.country WHERE company_id = NEW.id; END",
]

TRIGGER_NAMES = {
    "postgresql": [("trg_deals_counterpart_country", "deals"), ("trg_companies_country_to_deals", "companies")],
    "sqlite": [("trg_deals_counterpart_country_insert", "deals"), ("trg_deals_counterpart_country_update", "deals"),
               ("trg_companies_country_to_deals", "companies")],
}

BACKFILL = (
    "UPDATE deals SET counterpart_country = (SELECT country FROM companies WHERE companies.id = deals.company_id) "
    "WHERE counterpart_country IS DISTINCT FROM (SELECT country FROM companies WHERE companies.id = deals.company_id)"
)


def trigger_ddl(dialect: str) -> list[str]:
    """Statements creating the triggers on ``dialect`` (the tables must exist)."""
    if dialect == "postgresql":
        return [*PG_FUNCTIONS, *PG_TRIGGERS]
    if dialect == "sqlite":
        return list(SQLITE_TRIGGERS)
    return []


def drop_ddl(dialect: str) -> list[str]:
    statements = [
        f"DROP TRIGGER IF EXISTS {name} ON {table}" if dialect == "postgresql" else f"DROP TRIGGER IF EXISTS {name}"
        for name, table in TRIGGER_NAMES.get(dialect, [])
    ]
    if dialect == "postgresql":
        statements += ["DROP FUNCTION IF EXISTS crm_deal_counterpart_country()",
                       "DROP FUNCTION IF EXISTS crm_company_country_to_deals()"]
    return statements


def install(connection: sa.Connection) -> int:
    """(Re)create the triggers and copy each deal's company country where it differs: for a database
    whose deals table was created before the column (migration 0009, the benchmarks' older datasets).
    Returns the number of deals corrected."""
    dialect = connection.dialect.name
    for statement in [*drop_ddl(dialect), *trigger_ddl(dialect)]:
        connection.execute(sa.text(statement))
    backfill = BACKFILL if dialect == "postgresql" else BACKFILL.replace("IS DISTINCT FROM", "IS NOT")
    return connection.execute(sa.text(backfill)).rowcount


def register(deals: sa.Table) -> None:
    """Create the triggers whenever ``deals`` is created (``create_all``: tests, new databases);
    companies exists by then (deals refers to it)."""

    @sa.event.listens_for(deals, "after_create")
    def _create_triggers(target, connection, **kw):
        for statement in trigger_ddl(connection.dialect.name):
            connection.execute(sa.text(statement))
