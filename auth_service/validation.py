"""Auth's input: the bodies of shared/contract/accounts.py, plus what only auth can judge (a
password on lists of leaked passwords, or the account's own e-mail)."""

from __future__ import annotations

from typing import Any

from auth_service.common_passwords import is_common
from shared.contract.accounts import (
    LoginRequest,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    RegisterRequest,
    normalize_email,
)
from shared.contract.model import parse
from shared.domain import Invalid

__all__ = ["credentials", "new_password", "normalize_email", "registration", "reset_request"]


def registration(payload: dict[str, Any]) -> RegisterRequest:
    """A valid registration, or Invalid naming every bad field (a weak password with the
    others)."""
    try:
        form = parse(RegisterRequest, payload)
    except Invalid as exc:
        fields = dict(exc.fields or {})
        password, email = payload.get("password"), payload.get("email")
        if "password" not in fields and isinstance(password, str):
            fields.setdefault("password", _weakness(password, str(email or "").strip().lower()))
        raise Invalid(exc.message, fields={k: v for k, v in fields.items() if v}) from None
    strong_password(form.password, form.email)
    return form


def credentials(payload: dict[str, Any]) -> LoginRequest:
    return parse(LoginRequest, payload)


def refresh_token(payload: dict[str, Any]) -> str:
    """The refresh token presented: a non-empty string of sane length (401 if unknown)."""
    return parse(RefreshRequest, payload).refresh_token


def reset_request(payload: dict[str, Any]) -> str:
    """The e-mail a password reset is asked for, normalized."""
    return parse(PasswordResetRequest, payload).email


def new_password(form: PasswordResetConfirm, email: str) -> str:
    """The new password of a reset, as strong as a registration's."""
    strong_password(form.password, email)
    return form.password


def strong_password(password: str, email: str) -> None:
    if weakness := _weakness(password, email):
        raise Invalid("The request is not valid.", fields={"password": weakness})


def _weakness(password: str, email: str) -> str:
    """Why `password` is too weak for the account of `email`, or "" when it is not."""
    if password.strip().lower() == email:
        return _OWN_EMAIL
    return _COMMON if is_common(password) else ""


_OWN_EMAIL = "must not be your email address"
_COMMON = "is too common; choose one that is not on lists of leaked passwords"
