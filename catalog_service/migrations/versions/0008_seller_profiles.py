"""seller profiles (member since, rating count and sum, sales), their reviews, and the cancelled
shipments whose stock went back

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.mysql import DATETIME

from shared.columns import exact

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

AT = DATETIME(fsp=6)


def upgrade() -> None:
    op.create_table(
        "seller_profiles",
        sa.Column("seller_id", exact(36), primary_key=True),
        sa.Column("member_since", AT),
        sa.Column("rating_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("rating_sum", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("sales_count", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "seller_reviews",
        sa.Column("review_id", exact(36), primary_key=True),
        sa.Column("seller_id", exact(36), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(1000)),
        sa.Column("buyer_name", sa.String(200), nullable=False),
        sa.Column("created_at", AT, nullable=False),
    )
    op.create_index(
        "ix_seller_reviews_seller_created", "seller_reviews", ["seller_id", "created_at"]
    )
    op.create_table(
        "shipment_releases",
        sa.Column("shipment_id", exact(64), primary_key=True),
        sa.Column("order_id", exact(64), nullable=False),
        sa.Column("created_at", AT, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("shipment_releases")
    op.drop_table("seller_reviews")
    op.drop_table("seller_profiles")
