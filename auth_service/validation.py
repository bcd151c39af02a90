"""Request validation for auth: per-field messages, normalized values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from auth_service.common_passwords import is_common
from shared.contract.accounts import (
    EMAIL_MAX,
    EMAIL_PATTERN,
    NAME_MAX,
    NAME_PATTERN,
    PASSWORD_MAX,
    PASSWORD_MIN,
)
from shared.web.errors import ValidationError

TOKEN_MAX = 200  # refresh and reset tokens are 43 characters

_EMAIL, _NAME = re.compile(EMAIL_PATTERN), re.compile(NAME_PATTERN)


@dataclass(frozen=True)
class Registration:
    email: str
    password: str
    name: str


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str


def normalize_email(value: str) -> str:
    """Trimmed and lower-cased: emails are unique case-insensitively."""
    return value.strip().lower()


def registration(payload: dict[str, Any]) -> Registration:
    """A valid registration, or ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    email = _email(payload.get("email"), errors)
    password = _password(payload.get("password"), errors)
    name = _name(payload.get("name"), errors)
    if "password" not in errors:
        _strong_password(password, email, errors)
    if errors:
        raise ValidationError(errors)
    return Registration(email=email, password=password, name=name)


def credentials(payload: dict[str, Any]) -> Credentials:
    """Login input, judged as strictly as a registration's: anything no account can have is a
    422 before it reaches the throttle or the database (a NUL-padded e-mail, say)."""
    errors: dict[str, str] = {}
    email = _email(payload.get("email"), errors)
    password = payload.get("password")
    if not isinstance(password, str) or not password:
        errors["password"] = "is required and must be a non-empty string"
    elif len(password) > PASSWORD_MAX:
        errors["password"] = f"must be at most {PASSWORD_MAX} characters"
    if errors:
        raise ValidationError(errors)
    return Credentials(email=email, password=str(password))


def _email(value: object, errors: dict[str, str]) -> str:
    if not isinstance(value, str):
        errors["email"] = "is required and must be a string"
        return ""
    if len(value) > EMAIL_MAX or not _EMAIL.fullmatch(value.strip()):
        errors["email"] = "must be a valid email address"
    return normalize_email(value)


def _password(value: object, errors: dict[str, str]) -> str:
    if not isinstance(value, str):
        errors["password"] = "is required and must be a string"
        return ""
    if len(value) < PASSWORD_MIN:
        errors["password"] = f"must be at least {PASSWORD_MIN} characters"
    elif len(value) > PASSWORD_MAX:
        errors["password"] = f"must be at most {PASSWORD_MAX} characters"
    return value


def _strong_password(password: str, email: str, errors: dict[str, str]) -> None:
    if password.strip().lower() == email:
        errors["password"] = "must not be your email address"
    elif is_common(password):
        errors["password"] = "is too common; choose one that is not on lists of leaked passwords"


def _name(value: object, errors: dict[str, str]) -> str:
    if not isinstance(value, str):
        errors["name"] = "is required and must be a string"
        return ""
    name = value.strip()
    if not name:
        errors["name"] = "must not be empty"
    elif len(value) > NAME_MAX:
        errors["name"] = f"must be at most {NAME_MAX} characters"
    elif not _NAME.fullmatch(name):
        errors["name"] = "must not contain control characters"
    return name


def refresh_token(payload: dict[str, Any]) -> str:
    """The refresh token presented: a non-empty string of sane length (401 if unknown)."""
    return _token(payload.get("refresh_token"), "refresh_token")


def reset_request(payload: dict[str, Any]) -> str:
    """The e-mail a password reset is asked for, normalized."""
    errors: dict[str, str] = {}
    email = _email(payload.get("email"), errors)
    if errors:
        raise ValidationError(errors)
    return email


def reset_token(payload: dict[str, Any]) -> str:
    return _token(payload.get("token"), "token")


def new_password(payload: dict[str, Any], email: str) -> str:
    """The new password of a reset, as strong as a registration's."""
    errors: dict[str, str] = {}
    password = _password(payload.get("password"), errors)
    if "password" not in errors:
        _strong_password(password, email, errors)
    if errors:
        raise ValidationError(errors)
    return password


def _token(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError({name: "is required and must be a non-empty string"})
    if len(value) > TOKEN_MAX or not value.isascii() or not value.isprintable():
        raise ValidationError({name: f"must be at most {TOKEN_MAX} printable ASCII characters"})
    return value
