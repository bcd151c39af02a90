"""ids compared byte-exact (shared/columns.py)

Revision ID: 0005
Revises: 0004
"""

from alembic import op

from shared.columns import make_exact

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (table, column, length): every column that identifies a book, a user or an order.
EXACT = [
    ("books", "id", 36),
    ("books", "seller_id", 36),
    ("sellers", "user_id", 36),
    ("reservations", "order_id", 64),
]


def upgrade() -> None:
    for table, column, length in EXACT:
        make_exact(op, table, column, length)


def downgrade() -> None:
    raise NotImplementedError("identifiers stay byte-exact; restore a backup to go back")
