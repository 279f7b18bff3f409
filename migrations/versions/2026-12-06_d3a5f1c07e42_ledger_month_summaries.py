"""Monthly sums of the ledger, kept up at posting time, backfilled from the ledger

Revision ID: d3a5f1c07e42
Revises: 391e75a04a34
Create Date: 2026-12-06 08:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3a5f1c07e42'
down_revision = '391e75a04a34'
branch_labels = None
depends_on = None

# The ledger's sums as `impact.summaries.ledger_sums` works them out, written out here
# so that this migration keeps meaning what it meant when it was written.
BACKFILL = """
INSERT INTO ledger_month
    (household_id, month, group_id, account, flow, product_id, amount_satang, entries)
SELECT household_id, month, group_id, account, flow, product_id,
       SUM(amount_satang), COUNT(*)
FROM (
    SELECT COALESCE(e.household_id, 0) AS household_id,
           {month} AS month,
           e.group_id AS group_id,
           e.account AS account,
           CASE WHEN e.kind IN ('sale_share', 'reversal') THEN 'sale'
                WHEN e.kind = 'payout' THEN 'payout'
                ELSE 'other' END AS flow,
           CASE WHEN e.kind NOT IN ('sale_share', 'reversal') THEN 0
                WHEN e.lot_id IS NOT NULL THEN COALESCE(lv.product_id, 0)
                ELSE COALESCE(olv.product_id, 0) END AS product_id,
           e.amount_satang AS amount_satang
    FROM ledger_entry e
    LEFT JOIN lot ON lot.id = e.lot_id
    LEFT JOIN variant lv ON lv.id = lot.variant_id
    LEFT JOIN order_line ol ON e.lot_id IS NULL AND ol.id = e.order_line_id
    LEFT JOIN variant olv ON olv.id = ol.variant_id
) AS entries
GROUP BY household_id, month, group_id, account, flow, product_id
"""
MONTH = {
    "postgresql": "(CAST(EXTRACT(YEAR FROM e.occurred_on) AS INTEGER) * 100"
    " + CAST(EXTRACT(MONTH FROM e.occurred_on) AS INTEGER))",
    "sqlite": "CAST(substr(e.occurred_on, 1, 4) || substr(e.occurred_on, 6, 2) AS INTEGER)",
}


def upgrade():
    op.create_table('ledger_month',
    sa.Column('household_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('month', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('group_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('account', sa.String(length=12), nullable=False),
    sa.Column('flow', sa.String(length=8), nullable=False),
    sa.Column('product_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('amount_satang', sa.BigInteger(), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.CheckConstraint("flow IN ('sale', 'other', 'payout')", name=op.f('ck_ledger_month_flow')),
    sa.PrimaryKeyConstraint('household_id', 'month', 'group_id', 'account', 'flow', 'product_id', name=op.f('pk_ledger_month'))
    )
    with op.batch_alter_table('ledger_month', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_month_group', ['group_id', 'month', 'account', 'flow', 'household_id', 'product_id', 'amount_satang'], unique=False)

    dialect = op.get_bind().dialect.name
    op.execute(BACKFILL.format(month=MONTH.get(dialect, MONTH["postgresql"])))


def downgrade():
    with op.batch_alter_table('ledger_month', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_month_group')

    op.drop_table('ledger_month')
