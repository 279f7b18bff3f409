"""Slug history for products; what a group shows publicly (contact, village map)

Revision ID: c4a9e2f17b35
Revises: b7e41c9d2f05
Create Date: 2026-12-06 05:30:00.000000

Existing groups show nothing until their leader ticks each choice: a phone or
e-mail given to the platform is not consent to publish it.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4a9e2f17b35'
down_revision = 'b7e41c9d2f05'
branch_labels = None
depends_on = None

SHOW = ('show_phone', 'show_email', 'show_line_id', 'show_map')


def upgrade():
    op.create_table('product_slug',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_product_slug_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_slug')),
    sa.UniqueConstraint('slug', name=op.f('uq_product_slug_slug'))
    )
    with op.batch_alter_table('product_slug', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_slug_product_id'), ['product_id'], unique=False)

    with op.batch_alter_table('producer_group', schema=None) as batch_op:
        for name in SHOW:
            batch_op.add_column(
                sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False)
            )
        batch_op.add_column(sa.Column('latitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table('producer_group', schema=None) as batch_op:
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')
        for name in reversed(SHOW):
            batch_op.drop_column(name)

    with op.batch_alter_table('product_slug', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_slug_product_id'))

    op.drop_table('product_slug')
