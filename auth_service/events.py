"""auth_service model -> the events it publishes (never an ORM object on the wire)."""

from __future__ import annotations

from auth_service.models import User, outbox
from shared.events import Recorder
from shared.events.catalogue import TokenRevoked, UserRegistered

record = Recorder("auth_service", outbox)


def user_registered(user: User) -> UserRegistered:
    return UserRegistered(user_id=user.id, email=user.email, name=user.name)


def token_revoked(*, jti: str, exp: int) -> TokenRevoked:
    """`exp` in epoch seconds: consumers drop the jti from their denylist after it."""
    return TokenRevoked(jti=jti, exp=exp)
