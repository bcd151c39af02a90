"""books, sellers, reservations

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.mysql import DATETIME

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MICROS = sa.DateTime().with_variant(DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "books",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("seller_id", sa.String(36), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("isbn", sa.String(13)),
        sa.Column("category", sa.String(60), nullable=False),
        sa.Column("condition", sa.String(20), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("language", sa.String(35)),
        sa.Column("published_year", sa.Integer),
        sa.Column("price", sa.Numeric(10, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("stock", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("cover_hash", sa.String(64)),
        sa.Column("cover_type", sa.String(20)),
        sa.Column("created_at", MICROS, nullable=False),
        sa.Column("updated_at", MICROS, nullable=False),
        sa.Column("deleted_at", MICROS),
        sa.CheckConstraint("stock >= 0", name="ck_books_stock_not_negative"),
    )
    op.create_index("ix_books_listing", "books", ["deleted_at", "created_at"])
    op.create_index("ix_books_seller", "books", ["seller_id", "created_at"])
    op.create_index("ix_books_category", "books", ["category"])
    op.create_index("ix_books_isbn", "books", ["isbn"])
    op.create_index("ix_books_price", "books", ["price"])
    op.execute("CREATE FULLTEXT INDEX ft_books ON books (title, author, description)")
    op.create_table(
        "sellers",
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("updated_at", MICROS, nullable=False),
    )
    op.create_table(
        "reservations",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("items", sa.JSON, nullable=False),
        sa.Column("created_at", MICROS, nullable=False),
        sa.Column("updated_at", MICROS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reservations")
    op.drop_table("sellers")
    op.drop_table("books")
