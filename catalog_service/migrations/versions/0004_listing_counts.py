"""an index that answers "how many books are for sale" without reading the rows

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_books_live_stock", "books", ["deleted_at", "stock"])


def downgrade() -> None:
    op.drop_index("ix_books_live_stock", "books")
