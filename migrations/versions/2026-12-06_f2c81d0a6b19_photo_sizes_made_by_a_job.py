"""Photo sizes made by a job: product images say whether their sizes are still pending

Revision ID: f2c81d0a6b19
Revises: b0d8db4c80f6
Create Date: 2026-12-06 11:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f2c81d0a6b19"
down_revision = "b0d8db4c80f6"
branch_labels = None
depends_on = None


def upgrade():
    # Photos stored before this change have every size already: false for them.
    with op.batch_alter_table("product_image", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sizes_pending", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("product_image", schema=None) as batch_op:
        batch_op.drop_column("sizes_pending")
