"""exact (binary) e-mails, ids and token ids; throttle guards; registrations per client

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from shared.columns import exact, make_exact

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Failures are transient (15 minutes) and may hold values no e-mail can have: start afresh.
    op.execute("DELETE FROM login_failures")
    make_exact(op, "login_failures", "email", 254)
    make_exact(op, "login_failures", "client", 64)
    op.create_index("ix_login_failures_pair", "login_failures", ["email", "client", "failed_at"])
    make_exact(op, "users", "id", 36)
    make_exact(op, "users", "email", 254)
    make_exact(op, "revoked_tokens", "jti", 64)
    op.create_table(
        "throttle_guards",
        sa.Column("key", exact(64), primary_key=True),
        sa.Column("used_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_throttle_guards_used_at", "throttle_guards", ["used_at"])
    op.create_table(
        "registrations",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("client", exact(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_registrations_client", "registrations", ["client", "created_at"])
    op.create_index("ix_registrations_created_at", "registrations", ["created_at"])


def downgrade() -> None:
    op.drop_table("registrations")
    op.drop_table("throttle_guards")
    op.drop_index("ix_login_failures_pair", "login_failures")
    for table, column, length in (
        ("login_failures", "email", 254),
        ("login_failures", "client", 64),
        ("users", "id", 36),
        ("users", "email", 254),
        ("revoked_tokens", "jti", 64),
    ):
        op.alter_column(table, column, type_=sa.String(length), existing_nullable=False)
