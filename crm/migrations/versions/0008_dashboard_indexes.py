"""dashboard indexes: the pipeline dashboard's grouped passes read covering indexes (issue 6)

Replaces three indexes by wider ones that start with the same columns, so every
query the old ones served is still served:

* ix_deals_board_totals -> ix_deals_open_totals (deal_type, stage_id, currency,
  owner_id, archived_at, stage_entered_at, amount): the board's column totals and
  the dashboard's open deals by stage and owner (with the "stuck" ones), in GROUP BY
  order, without table reads;
* ix_deals_company_id -> ix_deals_company_open (company_id, archived_at, stage_id,
  currency, expected_close_date, amount): a company's deals, and the dashboard's open
  deals by counterpart country and forecast month;
* ix_meetings_event_id -> ix_meetings_event_status (event_id, status, owner_id,
  archived_at): an event's meetings, and the meetings held per event;

and adds ix_deals_closed (closed_at, stage_id, archived_at, currency, amount): the
deals won or lost in a period. (An index starting with stage_id, closed_at made
SQLite's planner read the open deals through it: see benchmarks/README.md.)

Revision ID: 0008_dashboard_indexes
Revises: 0007_import_uploads
Create Date: 2026-11-27 14:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008_dashboard_indexes'
down_revision = '0007_import_uploads'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.drop_index('ix_deals_board_totals')
        batch_op.drop_index(batch_op.f('ix_deals_company_id'))
        batch_op.create_index('ix_deals_open_totals', ['deal_type', 'stage_id', 'currency', 'owner_id', 'archived_at',
                                                       'stage_entered_at', 'amount'], unique=False)
        batch_op.create_index('ix_deals_company_open', ['company_id', 'archived_at', 'stage_id', 'currency',
                                                        'expected_close_date', 'amount'], unique=False)
        batch_op.create_index('ix_deals_closed', ['closed_at', 'stage_id', 'archived_at', 'currency', 'amount'],
                              unique=False)

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_event_id'))
        batch_op.create_index('ix_meetings_event_status', ['event_id', 'status', 'owner_id', 'archived_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index('ix_meetings_event_status')
        batch_op.create_index(batch_op.f('ix_meetings_event_id'), ['event_id'], unique=False)

    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.drop_index('ix_deals_closed')
        batch_op.drop_index('ix_deals_company_open')
        batch_op.drop_index('ix_deals_open_totals')
        batch_op.create_index(batch_op.f('ix_deals_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_deals_board_totals', ['deal_type', 'stage_id', 'currency', 'archived_at', 'amount',
                                                        'owner_id'], unique=False)
