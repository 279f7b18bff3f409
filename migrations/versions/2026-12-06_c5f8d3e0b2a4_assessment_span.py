"""Assessment spans (each assessment with the day the next one starts) by area, backfilled

Revision ID: c5f8d3e0b2a4
Revises: b4e7c2d9a1f3
Create Date: 2026-12-06 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5f8d3e0b2a4'
down_revision = 'b4e7c2d9a1f3'
branch_labels = None
depends_on = None

# The spans as `impact.summaries.span_rows` works them out, written out here so that
# this migration keeps meaning what it meant when it was written.
BACKFILL = """
INSERT INTO assessment_span
    (household_id, assessed_on, until_on, is_first, members, income, poverty_class,
     province_code, district_code, subdistrict_code)
SELECT a.household_id, a.assessed_on,
       LEAD(a.assessed_on) OVER (PARTITION BY a.household_id ORDER BY a.assessed_on),
       CASE WHEN ROW_NUMBER() OVER (PARTITION BY a.household_id ORDER BY a.assessed_on) = 1
            THEN 1 ELSE 0 END,
       a.members, a.annual_income_satang, a.poverty_class,
       h.province_code, h.district_code, h.subdistrict_code
FROM household_assessment a
JOIN household h ON h.id = a.household_id
"""


def upgrade():
    op.create_table('assessment_span',
    sa.Column('household_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('until_on', sa.Date(), nullable=True),
    sa.Column('is_first', sa.Integer(), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.Column('income', sa.BigInteger(), nullable=False),
    sa.Column('poverty_class', sa.String(length=16), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('district_code', sa.String(length=4), nullable=False),
    sa.Column('subdistrict_code', sa.String(length=6), nullable=False),
    sa.PrimaryKeyConstraint('household_id', 'assessed_on', name=op.f('pk_assessment_span'))
    )
    with op.batch_alter_table('assessment_span', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_span_area', ['province_code', 'district_code', 'subdistrict_code', 'household_id', 'assessed_on', 'until_on', 'is_first', 'members', 'income', 'poverty_class'], unique=False)

    op.execute(BACKFILL)


def downgrade():
    with op.batch_alter_table('assessment_span', schema=None) as batch_op:
        batch_op.drop_index('ix_assessment_span_area')

    op.drop_table('assessment_span')
