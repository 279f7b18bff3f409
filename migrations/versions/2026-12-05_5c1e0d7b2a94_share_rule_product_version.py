"""Share rule product version: product-wide rules (no variant) get unique versions too

Revision ID: 5c1e0d7b2a94
Revises: af46ebbf95c3
Create Date: 2026-12-05 22:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e0d7b2a94'
down_revision = 'af46ebbf95c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'uq_share_rule_product_version',
        'share_rule',
        ['product_id', 'version'],
        unique=True,
        sqlite_where=sa.text('variant_id IS NULL'),
        postgresql_where=sa.text('variant_id IS NULL'),
    )


def downgrade():
    op.drop_index('uq_share_rule_product_version', table_name='share_rule')
