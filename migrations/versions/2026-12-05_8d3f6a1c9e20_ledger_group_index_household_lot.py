"""Ledger group index household lot: the area report counts households paid from the index

Revision ID: 8d3f6a1c9e20
Revises: 5c1e0d7b2a94
Create Date: 2026-12-05 22:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8d3f6a1c9e20'
down_revision = '5c1e0d7b2a94'
branch_labels = None
depends_on = None

OLD = ['group_id', 'occurred_on', 'account', 'kind', 'amount_satang']
NEW = [*OLD, 'household_id', 'lot_id']


def upgrade():
    op.drop_index('ix_ledger_group_date', table_name='ledger_entry')
    op.create_index('ix_ledger_group_date', 'ledger_entry', NEW)


def downgrade():
    op.drop_index('ix_ledger_group_date', table_name='ledger_entry')
    op.create_index('ix_ledger_group_date', 'ledger_entry', OLD)
