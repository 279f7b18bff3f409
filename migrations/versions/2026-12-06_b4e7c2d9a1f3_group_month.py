"""The groups' monthly sums (the ledger by month without the household), backfilled

Revision ID: b4e7c2d9a1f3
Revises: b3e5d7f9a1c2
Create Date: 2026-12-06 14:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4e7c2d9a1f3'
down_revision = 'b3e5d7f9a1c2'
branch_labels = None
depends_on = None

# `ledger_month` (kept up and checked against the ledger since d3a5f1c07e42) summed over
# its households: what `impact.summaries.group_sums` works out from the ledger.
BACKFILL = """
INSERT INTO group_month (group_id, month, account, flow, product_id, amount_satang, entries)
SELECT group_id, month, account, flow, product_id, SUM(amount_satang), SUM(entries)
FROM ledger_month
GROUP BY group_id, month, account, flow, product_id
"""


def upgrade():
    op.create_table('group_month',
    sa.Column('group_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('month', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('account', sa.String(length=12), nullable=False),
    sa.Column('flow', sa.String(length=8), nullable=False),
    sa.Column('product_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('amount_satang', sa.BigInteger(), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.CheckConstraint("flow IN ('sale', 'other', 'payout')", name=op.f('ck_group_month_flow')),
    sa.PrimaryKeyConstraint('group_id', 'month', 'account', 'flow', 'product_id', name=op.f('pk_group_month'))
    )
    op.execute(BACKFILL)


def downgrade():
    op.drop_table('group_month')
