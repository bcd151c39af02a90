"""What a use case says went wrong, in the domain's words. Use cases raise these and never
think in HTTP; shared/web/errors.py answers each with its status in the API's error shape."""

from __future__ import annotations


class DomainError(Exception):
    """Something the caller asked for cannot be done; `message` is safe to show them."""

    status = 400

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message, self.fields = message, fields


class NotFound(DomainError):
    """No such thing (or not the caller's to see: never reveal that it exists)."""

    status = 404


class NotAllowed(DomainError):
    """It exists, but the caller may not do this to it."""

    status = 403


class Conflict(DomainError):
    """Not in the state this needs (sold out, already shipped, one's own listing...)."""

    status = 409


class Declined(DomainError):
    """The payment provider refused the card."""

    status = 402


class Invalid(DomainError):
    """Well-formed input the rules refuse, per field."""

    status = 422
