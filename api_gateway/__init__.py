"""api_gateway: the one front door of the API (routes, token checks, revocation, forwarding)."""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any
from urllib.parse import quote

from flask import Flask, Response, jsonify

from api_gateway import cors, proxy
from api_gateway.clients import Upstream, build_upstreams
from api_gateway.config import Config, from_env
from api_gateway.openapi import document
from shared.events.topology import Topology
from shared.web.app import init_common
from shared.web.keys import load_verifier
from shared.web.ops import Check
from shared.web.revocations import Revocations


def create_app(config: Config | None = None) -> Flask:
    config = config or from_env()
    app = Flask(__name__)
    app.extensions["config"] = config
    gw = app.extensions["gateway"] = build_gateway(config)
    checks: dict[str, Check] = {name: u.healthy for name, u in gw.upstreams.items()}
    checks["revocations"] = lambda: gw.revocations.live
    init_common(
        app,
        service="api_gateway",
        log_level=config.log_level,
        checks=checks,
        max_body=config.max_body_bytes,
    )
    app.before_request(gw.revocations.start)  # lazily, once per (forked) process
    cors.init_cors(app)
    app.register_blueprint(proxy.bp)
    app.add_url_rule(
        "/api/openapi.json", "openapi", _openapi, methods=["GET"], provide_automatic_options=False
    )
    return app


def build_gateway(config: Config) -> proxy.Gateway:
    """Upstream pools, the token verifier and revocations (their follower not yet started)."""
    upstreams = build_upstreams(
        config.upstream_urls(), pool_size=config.pool_size, connect_timeout=config.connect_timeout
    )
    return proxy.Gateway(
        upstreams=upstreams,
        verifier=load_verifier(
            config.jwt_public_key_file, issuer=config.jwt_issuer, audience=config.jwt_audience
        ),
        revocations=_revocations(config, upstreams),
        default_timeout=config.upstream_timeout,
        trusted_proxies=tuple(ip_network(n, strict=False) for n in config.trusted_proxies),
    )


def _openapi() -> Response:
    return jsonify(document())


def _revocations(config: Config, upstreams: dict[str, Upstream]) -> Revocations:
    """Revocations asked of auth_service through the gateway's own pooled upstream."""

    def get(path: str, timeout: float) -> Any:
        answer = upstreams["auth"].send("GET", path, headers={}, body=None, timeout=timeout)
        if answer.status_code != 200:
            raise ConnectionError(f"auth_service answered {answer.status_code} for {path}")
        return answer.json()

    def fetch() -> list[tuple[str, int]]:
        items = get("/internal/revocations", 5)["items"]
        return [(str(item["jti"]), int(item["exp"])) for item in items]

    def ask(jti: str) -> bool:
        return bool(get(f"/internal/revocations/{quote(jti, safe='')}", 1)["revoked"])

    return Revocations(
        fetch=fetch,
        ask=ask,
        rabbitmq_url=config.rabbitmq_url,
        topology=Topology(config.event_prefix),
        client_name="api_gateway",
        follow=config.follow_revocations,
    )
