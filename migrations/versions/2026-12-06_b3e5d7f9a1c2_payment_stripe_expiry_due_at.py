"""Payments of closed orders whose Stripe session is still to be expired (retried by the sweep)

Revision ID: b3e5d7f9a1c2
Revises: a7b8c9d0e1f2
Create Date: 2026-12-06 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3e5d7f9a1c2'
down_revision = 'a7b8c9d0e1f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stripe_expiry_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_payment_stripe_expiry_due_at'), ['stripe_expiry_due_at'], unique=False)


def downgrade():
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_stripe_expiry_due_at'))
        batch_op.drop_column('stripe_expiry_due_at')
