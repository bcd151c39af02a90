"""full-text indexes on title and author alone, so a title match outranks a passing mention

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE FULLTEXT INDEX ft_books_title ON books (title)")
    op.execute("CREATE FULLTEXT INDEX ft_books_author ON books (author)")


def downgrade() -> None:
    op.drop_index("ft_books_author", "books")
    op.drop_index("ft_books_title", "books")
