"""auth_service HTTP routes: thin views over service.py (docs/api.md, Accounts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from sqlalchemy.orm import Session, sessionmaker

from auth_service import refresh, resets, service, validation
from auth_service.models import User
from auth_service.passwords import Passwords
from auth_service.throttle import ThrottlePolicy
from auth_service.tokens import TokenIssuer
from shared.contract.accounts import PasswordResetConfirm
from shared.contract.model import parse
from shared.domain import Invalid
from shared.timestamps import iso
from shared.web.errors import ApiError
from shared.web.requests import json_body
from shared.web.tokens import User as TokenUser
from shared.web.tokens import current_user

bp = Blueprint("auth", __name__, url_prefix="/api/auth")
internal_bp = Blueprint("auth_internal", __name__, url_prefix="/internal")


@dataclass(frozen=True)
class AuthContext:
    """What the views need, built once by create_app."""

    sessions: sessionmaker[Session]
    passwords: Passwords
    issuer: TokenIssuer
    policy: ThrottlePolicy
    trust_forwarded_for: bool
    refresh_ttl: int = service.DEFAULT_REFRESH_TTL


def _ctx() -> AuthContext:
    return current_app.extensions["auth"]  # type: ignore[no-any-return]


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "created_at": iso(user.created_at),
    }


@bp.post("/register")
def register() -> tuple[Response, int]:
    form = validation.registration(json_body())
    ctx = _ctx()
    try:
        user = service.register_user(
            sessions=ctx.sessions,
            passwords=ctx.passwords,
            policy=ctx.policy,
            email=form.email,
            password=form.password,
            name=form.name,
            client=_client_address(),
            correlation_id=g.get("request_id"),
        )
    except service.EmailTaken:
        raise ApiError(409, "An account with this email already exists.") from None
    except service.Throttled as exc:
        raise _throttled("Too many accounts created from your address; try later.", exc) from None
    return jsonify(user=user_json(user)), 201


@bp.post("/login")
def login() -> Response:
    creds = validation.credentials(json_body())
    ctx = _ctx()
    try:
        result = service.log_in(
            sessions=ctx.sessions,
            passwords=ctx.passwords,
            issuer=ctx.issuer,
            policy=ctx.policy,
            email=creds.email,
            password=creds.password,
            client=_client_address(),
            refresh_ttl=ctx.refresh_ttl,
        )
    except service.Throttled as exc:
        wait = _in_words(exc.retry_after)
        raise _throttled(f"Too many failed sign-ins; try again in {wait}.", exc) from None
    except service.InvalidCredentials:
        raise ApiError(401, "Wrong email or password.") from None
    return jsonify(
        access_token=result.token.token,
        refresh_token=result.refresh_token,
        token_type="Bearer",
        expires_in=result.token.expires_in,
        user=user_json(result.user),
    )


@bp.post("/refresh")
def refresh_tokens() -> Response:
    """A new pair for a live refresh token (rotation; a reused one revokes its family)."""
    token = validation.refresh_token(json_body())
    ctx = _ctx()
    try:
        pair = refresh.rotate(
            sessions=ctx.sessions,
            issuer=ctx.issuer,
            ttl=ctx.refresh_ttl,
            token=token,
            correlation_id=g.get("request_id"),
        )
    except refresh.InvalidRefreshToken:
        raise ApiError(401, "The refresh token is invalid, spent, expired or revoked.") from None
    return jsonify(
        access_token=pair.access.token,
        refresh_token=pair.refresh_token,
        token_type="Bearer",
        expires_in=pair.access.expires_in,
    )


@bp.post("/password-reset")
def password_reset() -> tuple[str, int]:
    """202 whether or not the e-mail has an account; if it has, the link is e-mailed."""
    email = validation.reset_request(json_body())
    ctx = _ctx()
    try:
        resets.request_reset(
            sessions=ctx.sessions,
            policy=ctx.policy,
            email=email,
            client=_client_address(),
            correlation_id=g.get("request_id"),
        )
    except service.Throttled as exc:
        wait = _in_words(exc.retry_after)
        raise _throttled(f"Too many reset requests; try again in {wait}.", exc) from None
    return "", 202


@bp.post("/password-reset/confirm")
def password_reset_confirm() -> tuple[str, int]:
    """Set a new password with a reset token; every token of the account is revoked."""
    ctx, raw = _ctx(), json_body()
    try:
        form = parse(PasswordResetConfirm, raw)
    except Invalid as exc:  # a well-formed token no account holds is a 401, whatever else
        if "token" in (exc.fields or {}) or _reset_account(ctx, raw.get("token")) is not None:
            raise
        raise ApiError(401, _BAD_RESET) from None
    token = form.token
    user = _reset_account(ctx, token)
    if user is None:
        raise ApiError(401, _BAD_RESET)
    password = validation.new_password(form, user.email)
    try:
        resets.confirm_reset(
            sessions=ctx.sessions,
            token=token,
            password_hash=ctx.passwords.hash(password),
            correlation_id=g.get("request_id"),
        )
    except resets.InvalidResetToken:
        raise ApiError(401, _BAD_RESET) from None
    return "", 204


_BAD_RESET = "This reset link is invalid, already used or expired; ask for a new one."


def _reset_account(ctx: AuthContext, token: object) -> User | None:
    return resets.account_for(sessions=ctx.sessions, token=str(token))


def _in_words(seconds: int) -> str:
    """A wait as a person reads it: "40 seconds", "1 minute", "14 minutes"."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@bp.post("/logout")
def logout() -> tuple[str, int]:
    user = _signed_in_user()
    service.log_out(
        sessions=_ctx().sessions, jti=user.jti, exp=user.exp, correlation_id=g.get("request_id")
    )
    return "", 204


@bp.get("/me")
def me() -> Response:
    caller = current_user()
    user = service.signed_in_account(sessions=_ctx().sessions, user_id=caller.id, jti=caller.jti)
    if user is None:
        raise ApiError(401, "The access token is invalid or expired.")
    return jsonify(user_json(user))


@internal_bp.get("/revocations")
def revocations() -> Response:
    """Unexpired revocations for gateways starting up; never routed by the gateway."""
    return jsonify(items=service.unexpired_revocations(sessions=_ctx().sessions))


@internal_bp.get("/revocations/<jti>")
def revocation(jti: str) -> Response:
    """Whether one token is revoked: asked by verifiers while their broadcast feed is down."""
    return jsonify(revoked=service.is_revoked(sessions=_ctx().sessions, jti=jti))


def _signed_in_user() -> TokenUser:
    """The verified caller, also refusing tokens revoked here (the gateway checks too)."""
    user = current_user()
    if service.is_revoked(sessions=_ctx().sessions, jti=user.jti):
        raise ApiError(401, "The access token is invalid or expired.")
    return user


def _throttled(message: str, exc: service.Throttled) -> ApiError:
    return ApiError(429, message, headers={"Retry-After": str(exc.retry_after)})


def _client_address() -> str:
    """The client as the gateway saw it (it overwrites X-Forwarded-For), else the peer; only
    printable ASCII is kept (it is a key of the throttle's exact-match columns)."""
    forwarded = request.headers.get("X-Forwarded-For", "")
    address = request.remote_addr or "unknown"
    if _ctx().trust_forwarded_for and forwarded.strip():
        address = forwarded.split(",")[-1].strip()
    return "".join(c for c in address if " " < c < "\x7f")[:64] or "unknown"
