"""api_gateway: the one front door of the API (routes, token checks, revocation, forwarding)."""

from __future__ import annotations

from ipaddress import ip_network

from flask import Flask, Response, jsonify

from api_gateway import cors, proxy
from api_gateway.clients import Upstream, build_upstreams
from api_gateway.config import Config, from_env
from api_gateway.denylist import Denylist, FollowerGuard, RevocationFollower
from api_gateway.openapi import document
from shared.events.topology import Topology
from shared.web.app import init_common
from shared.web.keys import load_verifier
from shared.web.ops import Check


def create_app(config: Config | None = None) -> Flask:
    config = config or from_env()
    app = Flask(__name__)
    app.extensions["config"] = config
    gw = app.extensions["gateway"] = build_gateway(config)
    checks: dict[str, Check] = {name: u.healthy for name, u in gw.upstreams.items()}
    checks["revocations"] = lambda: _follower_ready(gw)
    init_common(
        app,
        service="api_gateway",
        log_level=config.log_level,
        checks=checks,
        max_body=config.max_body_bytes,
    )
    if gw.guard is not None:
        app.before_request(gw.guard.ensure_started)  # lazily, once per (forked) process
    cors.init_cors(app)
    app.register_blueprint(proxy.bp)
    app.add_url_rule(
        "/api/openapi.json", "openapi", _openapi, methods=["GET"], provide_automatic_options=False
    )
    return app


def build_gateway(config: Config) -> proxy.Gateway:
    """Upstream pools, the token verifier and the denylist with its (not yet started) follower."""
    upstreams = build_upstreams(
        config.upstream_urls(), pool_size=config.pool_size, connect_timeout=config.connect_timeout
    )
    denylist = Denylist()
    if not config.follow_revocations:
        denylist.synced.set()  # nothing to wait for: revocation is off (tests, tools)
    guard = FollowerGuard(lambda: _follower(config, denylist, upstreams["auth"]))
    return proxy.Gateway(
        upstreams=upstreams,
        verifier=load_verifier(
            config.jwt_public_key_file, issuer=config.jwt_issuer, audience=config.jwt_audience
        ),
        denylist=denylist,
        guard=guard if config.follow_revocations else None,
        default_timeout=config.upstream_timeout,
        sync_wait=config.revocation_sync_wait,
        trusted_proxies=tuple(ip_network(n, strict=False) for n in config.trusted_proxies),
    )


def _openapi() -> Response:
    return jsonify(document())


def _follower(config: Config, denylist: Denylist, auth: Upstream) -> RevocationFollower:
    def fetch() -> list[tuple[str, int]]:
        """auth_service's unexpired revocations (the only call the gateway makes to it)."""
        answer = auth.send("GET", "/internal/revocations", headers={}, body=None, timeout=5)
        if answer.status_code != 200:
            raise ConnectionError(f"auth_service answered {answer.status_code} for revocations")
        try:
            return [(str(item["jti"]), int(item["exp"])) for item in answer.json()["items"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise ConnectionError(f"unreadable revocation list: {exc}") from None

    return RevocationFollower(
        denylist=denylist,
        fetch=fetch,
        rabbitmq_url=config.rabbitmq_url,
        topology=Topology(config.event_prefix),
    )


def _follower_ready(gw: proxy.Gateway) -> bool:
    if gw.guard is None:
        return gw.denylist.synced.is_set()
    follower = gw.guard.follower
    return follower is not None and follower.connected.is_set() and gw.denylist.synced.is_set()
