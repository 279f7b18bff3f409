"""Page views counted per day, page and source; where an order's buyer came from (UTM)

Revision ID: 5cfe394c6807
Revises: b7e41c2a9d03
Create Date: 2026-12-06 07:51:25.660508

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5cfe394c6807"
down_revision = "b7e41c2a9d03"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "page_view_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("page_key", sa.String(length=24), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("medium", sa.String(length=40), nullable=False),
        sa.Column("campaign", sa.String(length=60), nullable=False),
        sa.Column("referrer", sa.String(length=100), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("visitors", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('product', 'lot', 'group')", name=op.f("ck_page_view_day_kind")
        ),
        sa.CheckConstraint(
            "views >= 0 AND visitors >= 0", name=op.f("ck_page_view_day_counts_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["producer_group.id"],
            name=op.f("fk_page_view_day_group_id_producer_group"),
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.id"], name=op.f("fk_page_view_day_lot_id_lot")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_page_view_day_product_id_product")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_view_day")),
        sa.UniqueConstraint(
            "day",
            "page_key",
            "source",
            "medium",
            "campaign",
            "referrer",
            name="uq_page_view_day_page_source",
        ),
    )
    with op.batch_alter_table("page_view_day", schema=None) as batch_op:
        batch_op.create_index("ix_page_view_day_group_day", ["group_id", "day"], unique=False)
        batch_op.create_index(batch_op.f("ix_page_view_day_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_page_view_day_product_id"), ["product_id"], unique=False
        )

    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("utm_source", sa.String(length=40), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("utm_medium", sa.String(length=40), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("utm_campaign", sa.String(length=60), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("referrer", sa.String(length=100), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.drop_column("referrer")
        batch_op.drop_column("utm_campaign")
        batch_op.drop_column("utm_medium")
        batch_op.drop_column("utm_source")

    with op.batch_alter_table("page_view_day", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_page_view_day_product_id"))
        batch_op.drop_index(batch_op.f("ix_page_view_day_lot_id"))
        batch_op.drop_index("ix_page_view_day_group_day")

    op.drop_table("page_view_day")
