"""Product FDA number and shelf life: what a QR lot label prints (เลข อย., best-before)

Revision ID: b7e41c2a9d03
Revises: be0a80ff9cc1
Create Date: 2026-12-06 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e41c2a9d03'
down_revision = 'be0a80ff9cc1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('fda_number', sa.String(length=13), server_default='', nullable=False)
        )
        batch_op.add_column(sa.Column('shelf_life_days', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f('ck_product_shelf_life_positive'),
            'shelf_life_days IS NULL OR shelf_life_days > 0',
        )


def downgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_product_shelf_life_positive'), type_='check')
        batch_op.drop_column('shelf_life_days')
        batch_op.drop_column('fda_number')
