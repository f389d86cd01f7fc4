"""Append-only tables: stage history and the audit log are never edited.

The database refuses UPDATE (a trigger on SQLite and PostgreSQL, created with
the table and by the migration); the ORM refuses updates and deletes of these
rows before they reach the database.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

APPEND_ONLY_TABLES = ("stage_changes", "audit_entries")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION crm_forbid_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- No percent sign here: drivers with pyformat parameters would take it as a placeholder.
    RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only', ERRCODE = 'integrity_constraint_violation';
END $$
"""


def trigger_ddl(table: str, dialect: str) -> list[str]:
    """Statements that make ``table`` refuse UPDATE on ``dialect``."""
    name = f"trg_{table}_append_only"
    if dialect == "postgresql":
        return [
            PG_FUNCTION,
            f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION crm_forbid_update()",
        ]
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        ]
    return []


def drop_trigger_ddl(table: str, dialect: str) -> list[str]:
    name = f"trg_{table}_append_only"
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}"]
    return [f"DROP TRIGGER IF EXISTS {name}"]


class AppendOnlyError(RuntimeError):
    pass


def register(metadata: sa.MetaData) -> None:
    for name in APPEND_ONLY_TABLES:
        table = metadata.tables[name]

        @sa.event.listens_for(table, "after_create")
        def _create_trigger(target, connection, **kw):
            for statement in trigger_ddl(target.name, connection.dialect.name):
                connection.execute(sa.text(statement))  # text() escapes the % of RAISE for psycopg

    @sa.event.listens_for(Session, "before_flush")
    def _refuse_edits(session, flush_context, instances):
        for obj in list(session.dirty) + list(session.deleted):
            table = getattr(obj, "__tablename__", None)
            if table in APPEND_ONLY_TABLES and (obj in session.deleted or session.is_modified(obj)):
                raise AppendOnlyError(f"{table} is append-only")
