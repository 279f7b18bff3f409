"""Search state: a version the PostgreSQL search backend changes with every document it writes

Workers keep recent queries' matches keyed on it (catalog/search/postgresql.py).

Revision ID: d3a7f1e05b42
Revises: d3a5f1c07e42
Create Date: 2026-12-06 08:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3a7f1e05b42'
down_revision = 'd3a5f1c07e42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_state',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_state')),
    )


def downgrade():
    op.drop_table('search_state')
