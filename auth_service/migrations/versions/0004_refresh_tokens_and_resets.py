"""refresh tokens (hashed, in families), issued access tokens, password resets

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from shared.columns import exact

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issued_access_tokens",
        sa.Column("jti", exact(64), primary_key=True),
        sa.Column("user_id", exact(36), nullable=False),
        sa.Column("family_id", exact(36), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    for column in ("user_id", "family_id", "expires_at"):
        op.create_index(f"ix_issued_access_tokens_{column}", "issued_access_tokens", [column])
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", exact(64), primary_key=True),
        sa.Column("family_id", exact(36), nullable=False),
        sa.Column("user_id", exact(36), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("spent_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )
    for column in ("family_id", "user_id", "expires_at"):
        op.create_index(f"ix_refresh_tokens_{column}", "refresh_tokens", [column])
    op.create_table(
        "password_resets",
        sa.Column("token_hash", exact(64), primary_key=True),
        sa.Column("user_id", exact(36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_password_resets_user_id", "password_resets", ["user_id"])
    op.create_index("ix_password_resets_expires_at", "password_resets", ["expires_at"])
    op.create_table(
        "reset_requests",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("email", exact(254), nullable=False),
        sa.Column("client", exact(64), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_reset_requests_email", "reset_requests", ["email", "requested_at"])
    op.create_index("ix_reset_requests_client", "reset_requests", ["client", "requested_at"])
    op.create_index("ix_reset_requests_requested_at", "reset_requests", ["requested_at"])


def downgrade() -> None:
    for table in ("reset_requests", "password_resets", "refresh_tokens", "issued_access_tokens"):
        op.drop_table(table)
