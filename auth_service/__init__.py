"""auth_service: accounts, tokens, revocation."""

from __future__ import annotations

from flask import Flask

from auth_service import api
from auth_service.config import Config, from_env
from auth_service.db import Database
from auth_service.passwords import Passwords
from auth_service.throttle import ThrottlePolicy
from auth_service.tokens import TokenIssuer
from shared.web.service_app import create_service_app


def create_app(config: Config | None = None) -> Flask:
    config = config or from_env()
    db = Database(config.database_url)
    auth = api.AuthContext(
        sessions=db.session,
        passwords=Passwords(config.argon2_profile, max_concurrent=config.argon2_max_concurrent),
        issuer=TokenIssuer.from_file(
            config.jwt_private_key_file,
            issuer=config.jwt_issuer,
            audience=config.jwt_audience,
            ttl=config.access_token_ttl,
        ),
        policy=throttle_policy(config),
        trust_forwarded_for=config.trust_forwarded_for,
        refresh_ttl=config.refresh_token_ttl,
    )
    # No revocations follower: auth_service keeps the list the others follow.
    return create_service_app(
        __name__,
        config,
        db,
        [api.bp, api.internal_bp],
        extensions={"auth": auth},
        max_body=64 * 1024,  # auth bodies are tiny
    )


def throttle_policy(config: Config) -> ThrottlePolicy:
    return ThrottlePolicy(
        window=config.throttle_window,
        pair_limit=config.throttle_pair_limit,
        client_limit=config.throttle_client_limit,
        email_limit=config.throttle_email_limit,
        registration_limit=config.registration_limit_per_client,
        reset_email_limit=config.password_reset_limit_per_email,
        reset_client_limit=config.password_reset_limit_per_client,
    )
