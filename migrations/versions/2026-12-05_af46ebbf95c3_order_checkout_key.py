"""Order checkout key: the checkout form's one-time key, so a double post places one order

Revision ID: af46ebbf95c3
Revises: 1293ed963386
Create Date: 2026-12-05 21:56:37.560757

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'af46ebbf95c3'
down_revision = '1293ed963386'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkout_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_order_checkout_key'), ['checkout_key'])


def downgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_order_checkout_key'), type_='unique')
        batch_op.drop_column('checkout_key')
