"""favourites, wants, notifications, deliveries, preferences and the read models

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from shared.columns import exact

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Timestamp = mysql.DATETIME(fsp=6)
TABLES = (
    "books",
    "deliveries",
    "favourites",
    "notifications",
    "order_parties",
    "preferences",
    "users",
    "want_matches",
    "wants",
)


def upgrade() -> None:
    op.create_table(
        "books",
        sa.Column("book_id", exact(36), nullable=False),
        sa.Column("seller_id", exact(64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("isbn13", sa.String(length=13), nullable=True),
        sa.Column("condition", sa.String(length=20), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("cover_url", sa.String(length=500), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("book_id"),
    )
    op.create_index(op.f("ix_books_isbn13"), "books", ["isbn13"], unique=False)
    op.create_table(
        "deliveries",
        sa.Column("id", exact(36), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", Timestamp, nullable=False),
        sa.Column("sent_at", Timestamp, nullable=True),
        sa.Column("failed", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_deliveries_due", "deliveries", ["sent_at", "failed", "next_attempt_at"], unique=False
    )
    op.create_table(
        "favourites",
        sa.Column("user_id", exact(64), nullable=False),
        sa.Column("book_id", exact(36), nullable=False),
        sa.Column("price_when_added", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("added_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "book_id"),
    )
    op.create_index("ix_favourites_book", "favourites", ["book_id"], unique=False)
    op.create_table(
        "notifications",
        sa.Column("id", exact(36), nullable=False),
        sa.Column("user_id", exact(64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("read_at", Timestamp, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_notifications_user", "notifications", ["user_id", "created_at"], unique=False
    )
    op.create_table(
        "order_parties",
        sa.Column("order_id", exact(64), nullable=False),
        sa.Column("buyer_id", exact(64), nullable=False),
        sa.PrimaryKeyConstraint("order_id"),
    )
    op.create_table(
        "preferences",
        sa.Column("user_id", exact(64), nullable=False),
        sa.Column("orders", sa.Boolean(), nullable=False),
        sa.Column("sales", sa.Boolean(), nullable=False),
        sa.Column("wants", sa.Boolean(), nullable=False),
        sa.Column("favourites", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "users",
        sa.Column("user_id", exact(64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "want_matches",
        sa.Column("want_id", exact(36), nullable=False),
        sa.Column("book_id", exact(36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("condition", sa.String(length=20), nullable=False),
        sa.Column("matched_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("want_id", "book_id"),
    )
    op.create_table(
        "wants",
        sa.Column("id", exact(36), nullable=False),
        sa.Column("user_id", exact(64), nullable=False),
        sa.Column("isbn", sa.String(length=13), nullable=True),
        sa.Column("isbn13", sa.String(length=13), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("title_key", sa.String(length=200), nullable=True),
        sa.Column("author_key", sa.String(length=200), nullable=True),
        sa.Column("max_price", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("min_condition", sa.String(length=20), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_wants_isbn13"), "wants", ["isbn13"], unique=False)
    op.create_index("ix_wants_user", "wants", ["user_id", "created_at"], unique=False)


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
