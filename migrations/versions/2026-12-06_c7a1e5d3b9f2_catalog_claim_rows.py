"""Catalog claim rows: each verified claim with the listed products it covers, backfilled

Revision ID: c7a1e5d3b9f2
Revises: c5f8d3e0b2a4
Create Date: 2026-12-06 15:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7a1e5d3b9f2'
down_revision = 'c5f8d3e0b2a4'
branch_labels = None
depends_on = None

# The rows `catalog.listing.rebuild` writes, written out here so that this migration
# keeps meaning what it meant when it was written.
_COLUMNS = """
    c.id, l.product_id, c.kind,
    COALESCE(c.valid_from, '0001-01-01'), COALESCE(c.valid_until, '9999-12-31')
"""
BACKFILL = f"""
    INSERT INTO catalog_claim (claim_id, product_id, kind, valid_from, valid_until)
    SELECT {_COLUMNS} FROM claim c
    JOIN catalog_listing l ON l.product_id = c.product_id
    WHERE c.status = 'verified'
    UNION ALL
    SELECT {_COLUMNS} FROM claim c
    JOIN lot ON lot.id = c.lot_id
    JOIN variant v ON v.id = lot.variant_id
    JOIN catalog_listing l ON l.product_id = v.product_id
    WHERE c.status = 'verified'
    UNION ALL
    SELECT {_COLUMNS} FROM claim c
    JOIN catalog_listing l ON l.group_id = c.group_id
    WHERE c.status = 'verified'
"""


def upgrade():
    op.create_table('catalog_claim',
    sa.Column('claim_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('product_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('claim_id', 'product_id', name=op.f('pk_catalog_claim'))
    )
    with op.batch_alter_table('catalog_claim', schema=None) as batch_op:
        batch_op.create_index('ix_catalog_claim_kind', ['kind', 'valid_until', 'valid_from', 'product_id'], unique=False)
        batch_op.create_index('ix_catalog_claim_product', ['product_id'], unique=False)
    op.execute(BACKFILL)


def downgrade():
    with op.batch_alter_table('catalog_claim', schema=None) as batch_op:
        batch_op.drop_index('ix_catalog_claim_product')
        batch_op.drop_index('ix_catalog_claim_kind')
    op.drop_table('catalog_claim')
