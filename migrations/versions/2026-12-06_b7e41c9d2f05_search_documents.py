"""Search documents: the PostgreSQL search backend's tsvector rows and word vocabulary

On PostgreSQL: the pg_trgm extension (trusted since PostgreSQL 13, so the
database owner may create it), tsvector columns with GIN indexes, and a
trigram index on the vocabulary. On SQLite the tables are plain (unused there:
Whoosh serves search).

Revision ID: b7e41c9d2f05
Revises: 8d3f6a1c9e20
Create Date: 2026-12-06 05:25:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'b7e41c9d2f05'
down_revision = '8d3f6a1c9e20'
branch_labels = None
depends_on = None

TSVECTOR = sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql')


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.create_table(
        'search_document',
        sa.Column('product_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('document', TSVECTOR, nullable=False),
        sa.Column('name_key', sa.String(length=400), nullable=False),
        sa.Column('name_heads', TSVECTOR, nullable=False),
        sa.Column('completion', TSVECTOR, nullable=False),
        sa.Column('category', sa.String(length=80), nullable=False),
        sa.Column('province', sa.String(length=8), nullable=False),
        sa.Column('group_slug', sa.String(length=120), nullable=False),
        sa.Column('verified', TSVECTOR, nullable=False),
        sa.Column('featured', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ['product_id'], ['product.id'],
            name=op.f('fk_search_document_product_id_product'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('product_id', name=op.f('pk_search_document')),
    )
    for column in ('document', 'name_heads', 'completion', 'verified'):
        op.create_index(
            f'ix_search_document_{column}', 'search_document', [column],
            unique=False, postgresql_using='gin',
        )
    op.create_table(
        'search_word',
        sa.Column('word', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('word', name=op.f('pk_search_word')),
    )
    op.create_index(
        'ix_search_word_trigram', 'search_word', ['word'], unique=False,
        postgresql_using='gin', postgresql_ops={'word': 'gin_trgm_ops'},
    )


def downgrade():
    op.drop_index('ix_search_word_trigram', table_name='search_word')
    op.drop_table('search_word')
    for column in ('document', 'name_heads', 'completion', 'verified'):
        op.drop_index(f'ix_search_document_{column}', table_name='search_document')
    op.drop_table('search_document')
