"""append-only stage history and audit log

Revision ID: 0002_append_only
Revises: 65b983f5909c
Create Date: 2026-11-27 08:32:00

"""
from alembic import op

from crm.append_only import APPEND_ONLY_TABLES, drop_trigger_ddl, trigger_ddl

revision = "0002_append_only"
down_revision = "65b983f5909c"
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY_TABLES:
        for statement in trigger_ddl(table, dialect):
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY_TABLES:
        for statement in drop_trigger_ddl(table, dialect):
            op.execute(statement)
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS crm_forbid_update()")
