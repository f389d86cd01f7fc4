"""import uploads: files between upload, preview and import, in the database (no local disk)

Revision ID: 0007_import_uploads
Revises: 0006_login_failures
Create Date: 2026-11-27 12:40:00

"""
from alembic import op
import sqlalchemy as sa

import crm.db_types


# revision identifiers, used by Alembic.
revision = '0007_import_uploads'
down_revision = '0006_login_failures'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_uploads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('created_at', crm.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('meta', sa.JSON(), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=True),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('result_at', crm.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_import_uploads_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_uploads')),
        sa.UniqueConstraint('token', name=op.f('uq_import_uploads_token')),
    )
    with op.batch_alter_table('import_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_uploads_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_uploads_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('import_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_uploads_user_id'))
        batch_op.drop_index(batch_op.f('ix_import_uploads_created_at'))

    op.drop_table('import_uploads')
