"""how many sellers an order has (a part shipped or cancelled is news only for several)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "order_parties", sa.Column("sellers", sa.Integer(), nullable=False, server_default="1")
    )


def downgrade() -> None:
    op.drop_column("order_parties", "sellers")
