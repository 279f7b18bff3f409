"""Each household's monthly income under its area, kept up at posting time, backfilled

Revision ID: f1c2a3b4d5e6
Revises: 0488d5b9fdd6
Create Date: 2026-12-06 11:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1c2a3b4d5e6'
down_revision = '0488d5b9fdd6'
branch_labels = None
depends_on = None

# The sums as `impact.summaries.household_sums` works them out, written out here so
# that this migration keeps meaning what it meant when it was written.
BACKFILL = """
INSERT INTO household_month
    (household_id, month, province_code, district_code, subdistrict_code,
     amount_satang, entries)
SELECT e.household_id, {month}, h.province_code, h.district_code, h.subdistrict_code,
       SUM(e.amount_satang), COUNT(*)
FROM ledger_entry e
JOIN household h ON h.id = e.household_id
WHERE e.account = 'household'
  AND e.kind IN ('sale_share', 'raw_material', 'wage', 'adjustment', 'reversal')
GROUP BY e.household_id, {month}, h.province_code, h.district_code, h.subdistrict_code
"""
MONTH = {
    "postgresql": "(CAST(EXTRACT(YEAR FROM e.occurred_on) AS INTEGER) * 100"
    " + CAST(EXTRACT(MONTH FROM e.occurred_on) AS INTEGER))",
    "sqlite": "CAST(substr(e.occurred_on, 1, 4) || substr(e.occurred_on, 6, 2) AS INTEGER)",
}


def upgrade():
    op.create_table('household_month',
    sa.Column('household_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('month', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('district_code', sa.String(length=4), nullable=False),
    sa.Column('subdistrict_code', sa.String(length=6), nullable=False),
    sa.Column('amount_satang', sa.BigInteger(), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('household_id', 'month', name=op.f('pk_household_month'))
    )
    with op.batch_alter_table('household_month', schema=None) as batch_op:
        batch_op.create_index('ix_household_month_area', ['province_code', 'district_code', 'subdistrict_code', 'month', 'household_id', 'amount_satang'], unique=False)

    dialect = op.get_bind().dialect.name
    op.execute(BACKFILL.format(month=MONTH.get(dialect, MONTH["postgresql"])))


def downgrade():
    with op.batch_alter_table('household_month', schema=None) as batch_op:
        batch_op.drop_index('ix_household_month_area')

    op.drop_table('household_month')
