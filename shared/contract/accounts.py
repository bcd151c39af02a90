"""Account rules and bodies (docs/api.md, Auth)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field

from shared.contract.model import Body, Resource, rule
from shared.contract.operations import Operation
from shared.contract.patterns import TIME, UUID, trimmed

# An ASCII address: dot-atoms, then a hostname with a letter-only top-level label.
EMAIL_PATTERN = (
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
# Some visible character and no control characters once trimmed.
NAME_PATTERN = r"[^\s\x00-\x1f\x7f-\x9f]([^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f])?"
EMAIL_MAX = 254
PASSWORD_MIN, PASSWORD_MAX = 8, 1024
NAME_MAX = 100
TOKEN_MAX = 200  # refresh and reset tokens are 43 characters
_EMAIL, _NAME = re.compile(EMAIL_PATTERN), re.compile(NAME_PATTERN)


def normalize_email(value: str) -> str:
    """Trimmed and lower-cased: e-mails are unique case-insensitively."""
    return value.strip().lower()


def _email(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    if len(value) > EMAIL_MAX or not _EMAIL.fullmatch(value.strip()):
        raise ValueError("must be a valid email address")
    return normalize_email(value)


def _name(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    name = value.strip()
    if not name:
        raise ValueError("must not be empty")
    if len(value) > NAME_MAX:
        raise ValueError(f"must be at most {NAME_MAX} characters")
    if not _NAME.fullmatch(name):
        raise ValueError("must not contain control characters")
    return name


def _token(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string")
    if len(value) > TOKEN_MAX or not value.isascii() or not value.isprintable():
        raise ValueError(f"must be at most {TOKEN_MAX} printable ASCII characters")
    return value


Email = Annotated[
    str,
    rule(_email, {"type": "string", "maxLength": EMAIL_MAX, "pattern": trimmed(EMAIL_PATTERN)}),
]
Name = Annotated[
    str,
    rule(
        _name,
        {"type": "string", "minLength": 1, "maxLength": NAME_MAX, "pattern": trimmed(NAME_PATTERN)},
    ),
]
NewPassword = Annotated[str, Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)]
# A refresh or reset token: printable ASCII, not only spaces, at most 200 characters.
Token = Annotated[
    str, rule(_token, {"type": "string", "maxLength": TOKEN_MAX, "pattern": r"^[ -~]*[!-~][ -~]*$"})
]


class RegisterRequest(Body):
    email: Email
    password: NewPassword
    name: Name


class LoginRequest(Body):
    """Judged as strictly as a registration: an e-mail no account can have is a 422 at login
    too, before it reaches the throttle or the database (a NUL-padded e-mail, say)."""

    email: Email
    password: Annotated[str, Field(min_length=1, max_length=PASSWORD_MAX)]


class RefreshRequest(Body):
    refresh_token: Token


class PasswordResetRequest(Body):
    email: Email


class PasswordResetConfirm(Body):
    token: Token
    password: NewPassword


class User(Resource):
    id: Annotated[str, Field(json_schema_extra=UUID)]
    email: str
    name: str
    created_at: Annotated[str, Field(json_schema_extra=TIME)]


class RegisterResponse(Resource):
    user: User


class RefreshResponse(Resource):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"]
    expires_in: Annotated[int, Field(ge=1, le=900)]


class LoginResponse(RefreshResponse):
    user: User


OPERATIONS = (
    Operation(
        "POST",
        "/api/auth/register",
        "Create an account",
        "auth",
        ok=201,
        body=RegisterRequest,
        response=RegisterResponse,
        errors=(409, 429),
    ),
    Operation(
        "POST",
        "/api/auth/login",
        "Sign in",
        "auth",
        body=LoginRequest,
        response=LoginResponse,
        errors=(401, 429),
    ),
    Operation("POST", "/api/auth/logout", "Revoke the caller's token", "auth", ok=204),
    Operation("GET", "/api/auth/me", "The signed-in user", "auth", response=User),
    Operation(
        "POST",
        "/api/auth/refresh",
        "A new token pair for a refresh token (rotation; a reused one revokes its family)",
        "auth",
        body=RefreshRequest,
        response=RefreshResponse,
        errors=(401,),
    ),
    Operation(
        "POST",
        "/api/auth/password-reset",
        "E-mail a password-reset link (202 whether or not the account exists)",
        "auth",
        ok=202,
        body=PasswordResetRequest,
        errors=(429,),
    ),
    Operation(
        "POST",
        "/api/auth/password-reset/confirm",
        "Set a new password with a reset token; every token of the account is revoked",
        "auth",
        ok=204,
        body=PasswordResetConfirm,
        errors=(401,),
    ),
)
