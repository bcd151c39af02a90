"""shipments per seller, their timers, seller settings, the seller ledger, payouts, reviews,
partial refunds in the simulated provider

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from shared.columns import exact

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=12, scale=2)
AT = mysql.DATETIME(fsp=6)


def _id(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, exact(36), nullable=nullable)


def upgrade() -> None:
    op.add_column(
        "simulated_payments",
        sa.Column("refunded_amount", MONEY, nullable=False, server_default="0"),
    )
    op.create_table(
        "simulated_refunds",
        sa.Column("reference", sa.String(64), primary_key=True),
        sa.Column("payment_id", sa.String(64), nullable=False, index=True),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("created_at", AT, nullable=False),
    )
    op.create_table(
        "shipments",
        _id("id"),
        _id("order_id"),
        _id("seller_id"),
        sa.Column("seller_name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("subtotal", MONEY, nullable=False),
        sa.Column("carrier", sa.String(50)),
        sa.Column("tracking_number", sa.String(50)),
        sa.Column("ship_by", AT, nullable=False),
        sa.Column("shipped_at", AT),
        sa.Column("delivered_at", AT),
        sa.Column("cancelled_at", AT),
        sa.Column("cancelled_reason", sa.String(300)),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("updated_at", AT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
    )
    op.create_index("ix_shipments_order_id", "shipments", ["order_id"])
    op.create_index("ix_shipments_seller_status", "shipments", ["seller_id", "status", "ship_by"])
    op.create_table(
        "shipment_timers",
        sa.Column("id", sa.BigInteger(), autoincrement=True, primary_key=True),
        _id("shipment_id"),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("due_at", AT, nullable=False),
        sa.Column("done_at", AT),
        sa.UniqueConstraint("shipment_id", "kind", name="uq_shipment_timers_shipment_kind"),
    )
    op.create_index("ix_shipment_timers_due", "shipment_timers", ["done_at", "due_at"])
    op.create_table(
        "seller_settings",
        _id("seller_id"),
        sa.Column("auto_ship", sa.Boolean(), nullable=False),
        sa.Column("updated_at", AT, nullable=False),
        sa.PrimaryKeyConstraint("seller_id"),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.BigInteger(), autoincrement=True, primary_key=True),
        _id("seller_id"),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        _id("order_id", nullable=True),
        _id("shipment_id", nullable=True),
        _id("payout_id", nullable=True),
        sa.Column("at", AT, nullable=False),
        sa.UniqueConstraint("shipment_id", "kind", name="uq_ledger_shipment_kind"),
    )
    op.create_index("ix_ledger_seller_at", "ledger_entries", ["seller_id", "at"])
    op.create_table(
        "payouts",
        _id("id"),
        _id("seller_id"),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_payouts_seller_id", "payouts", ["seller_id"])
    op.create_table(
        "reviews",
        _id("id"),
        _id("shipment_id"),
        _id("order_id"),
        _id("seller_id"),
        _id("buyer_id"),
        sa.Column("buyer_name", sa.String(200), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(1000)),
        sa.Column("created_at", AT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shipment_id", name="uq_reviews_shipment"),
    )
    op.create_index("ix_reviews_seller_created", "reviews", ["seller_id", "created_at"])


def downgrade() -> None:
    for table in (
        "reviews",
        "payouts",
        "ledger_entries",
        "seller_settings",
        "shipment_timers",
        "shipments",
        "simulated_refunds",
    ):
        op.drop_table(table)
    op.drop_column("simulated_payments", "refunded_amount")
