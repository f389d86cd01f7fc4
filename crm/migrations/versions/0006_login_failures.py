"""login failures: per-account and per-address throttling shared by every app server

Revision ID: 0006_login_failures
Revises: 0005_api_tokens
Create Date: 2026-11-27 12:05:00

"""
from alembic import op
import sqlalchemy as sa

import crm.db_types


# revision identifiers, used by Alembic.
revision = '0006_login_failures'
down_revision = '0005_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account', sa.String(length=64), nullable=False),
        sa.Column('address', sa.String(length=45), nullable=True),
        sa.Column('at', crm.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures')),
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_account_at', ['account', 'at'], unique=False)
        batch_op.create_index('ix_login_failures_address_at', ['address', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_address_at')
        batch_op.drop_index('ix_login_failures_account_at')

    op.drop_table('login_failures')
