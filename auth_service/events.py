"""auth_service model -> outgoing event data (never an ORM object on the wire)."""

from __future__ import annotations

from typing import Any

from auth_service.models import User


def user_registered(user: User) -> dict[str, Any]:
    return {"user_id": user.id, "email": user.email, "name": user.name}


def token_revoked(*, jti: str, exp: int) -> dict[str, Any]:
    """`exp` in epoch seconds: consumers drop the jti from their denylist after it."""
    return {"jti": jti, "exp": exp}
