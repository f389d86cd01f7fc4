"""deals.counterpart_country, kept by triggers, and the dashboard's indexes that read it (issue 6)

* deals.counterpart_country: the country of the deal's company, copied and kept by the
  database (crm/deals/counterpart.py), filled here for existing deals;
* ix_deals_open_country (archived_at, stage_id, counterpart_country, currency, amount,
  owner_id, stage_entered_at): the dashboard's open deals by country, in GROUP BY order (and,
  on PostgreSQL, by stage and owner in the same read);
* ix_deals_open_close (archived_at, expected_close_date, currency, stage_id, amount,
  owner_id): the forecast, one range of dates a month;
* ix_deals_closed becomes (archived_at, stage_id, currency, closed_at, amount, owner_id): the
  deals won and lost by stage and currency in index order, for any period (closed_at first, as
  0008 had it, meant sorting every closed deal of a long period);
* ix_deals_company_open, which the country pass no longer reads, goes back to the plain
  ix_deals_company_id (a company's deals, the foreign key).

Revision ID: 0009_counterpart_country
Revises: 0008_dashboard_indexes
Create Date: 2026-11-27 17:00:00

"""
import sqlalchemy as sa
from alembic import op

from crm.deals import counterpart

# revision identifiers, used by Alembic.
revision = '0009_counterpart_country'
down_revision = '0008_dashboard_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counterpart_country', sa.String(length=2), nullable=True))
        batch_op.drop_index('ix_deals_company_open')
        batch_op.create_index(batch_op.f('ix_deals_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_deals_open_country', ['archived_at', 'stage_id', 'counterpart_country', 'currency',
                                                        'amount', 'owner_id', 'stage_entered_at'], unique=False)
        batch_op.create_index('ix_deals_open_close', ['archived_at', 'expected_close_date', 'currency', 'stage_id',
                                                      'amount', 'owner_id'], unique=False)
        batch_op.drop_index('ix_deals_closed')
        batch_op.create_index('ix_deals_closed', ['archived_at', 'stage_id', 'currency', 'closed_at', 'amount',
                                                  'owner_id'], unique=False)
    counterpart.install(op.get_bind())


def downgrade():
    for statement in counterpart.drop_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.drop_index('ix_deals_closed')
        batch_op.create_index('ix_deals_closed', ['closed_at', 'stage_id', 'archived_at', 'currency', 'amount'],
                              unique=False)
        batch_op.drop_index('ix_deals_open_close')
        batch_op.drop_index('ix_deals_open_country')
        batch_op.drop_index(batch_op.f('ix_deals_company_id'))
        batch_op.create_index('ix_deals_company_open', ['company_id', 'archived_at', 'stage_id', 'currency',
                                                        'expected_close_date', 'amount'], unique=False)
    # Not in the batch: on SQLite it would copy the deals into a new table and drop the old one,
    # which the other tables' foreign keys refuse once there are deals. SQLite (3.35+) drops a column.
    op.execute('ALTER TABLE deals DROP COLUMN counterpart_country')
