"""Search completion keys: what PostgreSQL suggestions read, in byte order

One row per completion key of a product's names and its group's names
(thai_analysis.completion_keys), in the C collation, so a typed prefix is one
range of the primary key: suggestions walk the first keys from the prefix on
instead of reading every document whose completion tsvector matches it.
Filled by `flask search rebuild` (and by every write of a document after it).

Revision ID: 4b9e2c7a1d36
Revises: c7a1e5d3b9f2
Create Date: 2026-12-06 15:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4b9e2c7a1d36'
down_revision = 'c7a1e5d3b9f2'
branch_labels = None
depends_on = None

KEY = sa.String(length=200).with_variant(sa.String(length=200, collation='C'), 'postgresql')


def upgrade():
    op.create_table(
        'search_completion',
        sa.Column('key', KEY, nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['product_id'], ['product.id'],
            name=op.f('fk_search_completion_product_id_product'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('key', 'product_id', name=op.f('pk_search_completion')),
    )
    op.create_index(
        'ix_search_completion_product_id', 'search_completion', ['product_id'], unique=False
    )


def downgrade():
    op.drop_index('ix_search_completion_product_id', table_name='search_completion')
    op.drop_table('search_completion')
