"""api tokens: personal bearer tokens for the JSON API

Revision ID: 0005_api_tokens
Revises: 0004_deal_rates_rights
Create Date: 2026-11-27 11:40:00

"""
from alembic import op
import sqlalchemy as sa

import crm.db_types


# revision identifiers, used by Alembic.
revision = '0005_api_tokens'
down_revision = '0004_deal_rates_rights'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', crm.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', crm.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', crm.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash')),
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
