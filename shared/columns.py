"""Column types for values that must compare exactly: identifiers, e-mails, keys, tokens.

The databases default to `utf8mb4_unicode_ci`, which ignores case, trailing spaces and some
characters altogether (NUL, for one): under it `"a@b.com" + "\\0" * 300` equals `"a@b.com"`.
Every column that identifies something (an id, an e-mail, an idempotency key, a token id, a
client address) uses `utf8mb4_nopad_bin` instead: byte-exact and without padding, so two
different strings are never the same row, and any string (even one no identifier can be) still
compares without the "illegal mix of collations" error an ASCII column would raise. Values are
validated (and e-mails lower-cased) before they get here, so case-insensitive uniqueness of
e-mails is kept by construction, not by the collation.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.dialects.mysql import VARCHAR
from sqlalchemy.types import TypeEngine

EXACT_COLLATION = "utf8mb4_nopad_bin"


def exact(length: int) -> TypeEngine[str]:
    """A VARCHAR compared byte for byte (see the module docstring)."""
    exact_varchar = VARCHAR(length, charset="utf8mb4", collation=EXACT_COLLATION)
    return String(length).with_variant(exact_varchar, "mysql", "mariadb")


def make_exact(op: Any, table: str, column: str, length: int, *, nullable: bool = False) -> None:
    """Alembic: switch an existing column to `exact(length)`, keeping its nullability."""
    op.alter_column(table, column, type_=exact(length), existing_nullable=nullable)
