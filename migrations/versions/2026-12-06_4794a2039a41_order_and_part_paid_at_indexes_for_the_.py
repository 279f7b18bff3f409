"""Indexes on when an order and a part were paid: the sales dashboard reads this month live

Revision ID: 4794a2039a41
Revises: d3a7f1e05b42
Create Date: 2026-12-06 09:06:23.039265

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4794a2039a41'
down_revision = 'd3a7f1e05b42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('fulfilment', schema=None) as batch_op:
        batch_op.create_index('ix_fulfilment_group_paid_at', ['group_id', 'paid_at'], unique=False)

    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.create_index('ix_order_paid_at', ['paid_at'], unique=False)



def downgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_index('ix_order_paid_at')

    with op.batch_alter_table('fulfilment', schema=None) as batch_op:
        batch_op.drop_index('ix_fulfilment_group_paid_at')

