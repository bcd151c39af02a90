"""ids and idempotency keys compared byte-exact (shared/columns.py)

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from shared.columns import make_exact

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# (table, column, length): every column that identifies a book, user, order or request.
EXACT = [
    ("books", "book_id", 36),
    ("books", "seller_id", 36),
    ("cart_items", "user_id", 36),
    ("cart_items", "book_id", 36),
    ("cart_notices", "user_id", 36),
    ("orders", "id", 36),
    ("orders", "buyer_id", 36),
    ("order_items", "order_id", 36),
    ("order_items", "book_id", 36),
    ("order_items", "seller_id", 36),
    ("order_timeline", "order_id", 36),
    ("order_timers", "order_id", 36),
    ("idempotency_keys", "user_id", 36),
    ("idempotency_keys", "key", 255),
    ("idempotency_keys", "order_id", 36),
]


# The foreign keys on orders.id, named as MariaDB named them: dropped while the columns change.
REFERENCES = [("order_items_ibfk_1", "order_items"), ("order_timeline_ibfk_1", "order_timeline")]


def upgrade() -> None:
    for name, table in REFERENCES:
        op.drop_constraint(name, table, type_="foreignkey")
    for table, column, length in EXACT:
        make_exact(op, table, column, length)
    for name, table in REFERENCES:
        op.create_foreign_key(name, table, "orders", ["order_id"], ["id"])


def downgrade() -> None:
    raise NotImplementedError("identifiers stay byte-exact; restore a backup to go back")
