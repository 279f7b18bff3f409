"""Area exports expire (their file is removed after EXPORT_KEEP_DAYS); exports of every province

Revision ID: a7b8c9d0e1f2
Revises: f1c2a3b4d5e6
Create Date: 2026-12-06 12:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7b8c9d0e1f2'
down_revision = 'f1c2a3b4d5e6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('area_export', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_area_export_status'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_area_export_status'),
            "status IN ('queued', 'running', 'ready', 'failed', 'expired')",
        )
        batch_op.alter_column('province_code', existing_type=sa.String(length=2), nullable=True)


def downgrade():
    op.execute("DELETE FROM area_export WHERE province_code IS NULL")
    op.execute("UPDATE area_export SET status = 'failed' WHERE status = 'expired'")
    with op.batch_alter_table('area_export', schema=None) as batch_op:
        batch_op.alter_column('province_code', existing_type=sa.String(length=2), nullable=False)
        batch_op.drop_constraint(op.f('ck_area_export_status'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_area_export_status'), "status IN ('queued', 'running', 'ready', 'failed')"
        )
