"""Search completion keys: what PostgreSQL suggestions read, in byte order

One row per completion key of a product's names and its group's names
(thai_analysis.completion_keys), in the C collation, so a typed prefix is one
range of the primary key: suggestions walk the first keys from the prefix on
instead of reading every document whose completion tsvector matches it.
Filled by `flask search rebuild` and by every write of a document; on upgrade,
from the completion tsvector the existing documents already hold, so
suggestions work straight after `flask db upgrade`, with no rebuild.

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

# The keys each document already holds (its completion tsvector's lexemes, which
# are the keys as written), cut to the column's length as the code cuts them.
BACKFILL = (
    "INSERT INTO search_completion (key, product_id)"
    " SELECT DISTINCT left(u.lexeme, 200), d.product_id"
    " FROM search_document d, unnest(d.completion) AS u"
    " WHERE u.lexeme <> ''"
)

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
    if op.get_bind().dialect.name == 'postgresql':  # SQLite sites search with Whoosh
        op.execute(BACKFILL)


def downgrade():
    op.drop_index('ix_search_completion_product_id', table_name='search_completion')
    op.drop_table('search_completion')
