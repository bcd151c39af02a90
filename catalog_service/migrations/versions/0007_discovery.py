"""discovery: purchases (bought-together counts), title and author indexes for short titles and
suggestions; purchases backfilled from the reservations already sold

Revision ID: 0007
Revises: 0006
"""

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.mysql import DATETIME

from shared.columns import exact

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

MICROS = sa.DateTime().with_variant(DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    purchases = op.create_table(
        "purchases",
        sa.Column("order_id", exact(64), primary_key=True),
        sa.Column("book_id", exact(36), primary_key=True),
        sa.Column("created_at", MICROS, nullable=False),
        mysql_charset="utf8mb4",
    )
    op.create_index("ix_purchases_book", "purchases", ["book_id", "order_id"])
    op.create_index("ix_books_title", "books", ["title"])
    op.create_index("ix_books_author", "books", ["author"])
    sold = op.get_bind().execute(
        sa.text("SELECT order_id, items, updated_at FROM reservations WHERE status = 'sold'")
    )
    rows = [
        {"order_id": order_id, "book_id": item["book_id"], "created_at": at}
        for order_id, items, at in sold
        for item in (json.loads(items) if isinstance(items, str) else items)
    ]
    if rows:
        op.bulk_insert(purchases, rows)


def downgrade() -> None:
    op.drop_index("ix_books_author", "books")
    op.drop_index("ix_books_title", "books")
    op.drop_table("purchases")
