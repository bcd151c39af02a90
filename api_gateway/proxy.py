"""The front door: resolve the route, check the token, forward, map upstream failures."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address
from urllib.parse import quote

from flask import Blueprint, Response, current_app, g, request

from api_gateway import cors, routes
from api_gateway.clients import Answer, Upstream, UpstreamBroken, UpstreamDown, UpstreamTimeout
from shared.web.errors import ApiError
from shared.web.ops import set_route
from shared.web.revocations import Revocations, RevocationsUnavailable
from shared.web.tokens import InvalidToken, TokenVerifier, User, bearer_token

log = logging.getLogger(__name__)
bp = Blueprint("proxy", __name__)
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# Forwarded as sent; everything else the client sent (identity headers included) stays here.
FORWARDED_REQUEST_HEADERS = (
    "Accept",
    "Accept-Language",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "If-None-Match",
    "If-Modified-Since",
    "User-Agent",
)
# Hop-by-hop (RFC 9110 7.6.1) or recomputed here.
DROPPED_RESPONSE_HEADERS = frozenset(
    h.lower()
    for h in (
        "Connection",
        "Keep-Alive",
        "Proxy-Authenticate",
        "Proxy-Authorization",
        "TE",
        "Trailer",
        "Transfer-Encoding",
        "Upgrade",
        "Content-Length",
        "Content-Encoding",
        "Server",
        "Date",
        "X-Request-Id",
    )
)
UNAUTHORIZED = "The access token is invalid, expired or revoked."
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="bookstore"'}


@dataclass
class Gateway:
    """What the proxy needs, built once by create_app."""

    upstreams: dict[str, Upstream]
    verifier: TokenVerifier
    revocations: Revocations
    default_timeout: float
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...]


def gateway() -> Gateway:
    return current_app.extensions["gateway"]  # type: ignore[no-any-return]


@bp.route("/api/<path:_rest>", methods=METHODS, provide_automatic_options=False)
def forward(_rest: str) -> Response:
    gw = gateway()
    if request.method == "OPTIONS":
        return cors.preflight(routes.allowed_methods(request.path))
    route = routes.resolve(request.method, request.path)
    set_route(route.path)  # metrics and the access log by template, not by raw path
    authorization = _authorization(gw, route)
    body = _body(route)
    try:
        answer = gw.upstreams[route.upstream].send(
            request.method,
            _path_and_query(),
            headers=_headers(gw, authorization),
            body=body,
            timeout=route.timeout or gw.default_timeout,
        )
    except UpstreamDown as exc:
        log.warning("%s %s: %s (%s)", request.method, route.path, exc, exc.__cause__)
        raise ApiError(503, f"The {route.upstream} service is unavailable.") from None
    except UpstreamTimeout as exc:
        log.warning("%s %s: %s", request.method, route.path, exc)
        raise ApiError(504, f"The {route.upstream} service did not answer in time.") from None
    except UpstreamBroken as exc:
        log.warning("%s %s: %s (%r)", request.method, route.path, exc, exc.__cause__)
        raise ApiError(502, f"The {route.upstream} service answered badly.") from None
    return _response(answer)


def _authorization(gw: Gateway, route: routes.Route) -> str | None:
    """The Authorization header to forward: verified, not revoked; 401 on protected routes."""
    token = bearer_token()
    if token is None:
        if route.protected:
            raise ApiError(401, "Sign in first: a Bearer token is required.", headers=CHALLENGE)
        return None
    user = _unrevoked_user(gw, token, protected=route.protected)
    if user is None:
        if route.protected:
            raise ApiError(401, UNAUTHORIZED, headers=CHALLENGE)
        return None  # public route: it goes on anonymously
    return f"Bearer {token}"


def _unrevoked_user(gw: Gateway, token: str, *, protected: bool) -> User | None:
    """The token's user if it verifies and is not revoked; 503 when a protected route cannot
    know (a public route then goes on anonymously)."""
    try:
        user = gw.verifier.verify(token)
    except InvalidToken:
        return None
    try:
        return None if gw.revocations.is_revoked(user.jti) else user
    except RevocationsUnavailable:
        if not protected:
            return None
        raise ApiError(
            503,
            "Revoked sign-ins cannot be checked right now; retry shortly.",
            headers={"Retry-After": "1"},
        ) from None


def _body(route: routes.Route) -> bytes | None:
    if request.content_length is not None and request.content_length > route.max_body:
        raise ApiError(413, "The request body is too large.")
    data = request.get_data(cache=False)
    if len(data) > route.max_body:
        raise ApiError(413, "The request body is too large.")
    return data or None


def _headers(gw: Gateway, authorization: str | None) -> dict[str, str]:
    headers = {h: v for h in FORWARDED_REQUEST_HEADERS if (v := request.headers.get(h))}
    if authorization:
        headers["Authorization"] = authorization
    headers["X-Request-Id"] = g.request_id
    headers["X-Forwarded-For"] = client_address(gw.trusted_proxies)
    headers["X-Forwarded-Proto"] = request.headers.get("X-Forwarded-Proto", request.scheme)
    headers["X-Forwarded-Host"] = request.host
    return headers


def client_address(trusted: tuple[IPv4Network | IPv6Network, ...]) -> str:
    """The client: walking X-Forwarded-For from the peer leftwards past trusted proxies only.

    The edge and the frontend each record who called them; anything further left was written by
    the client and is never believed. Sent upstream as the only X-Forwarded-For entry.
    """
    forwarded = request.headers.get("X-Forwarded-For", "") if trusted else ""
    chain = [a.strip() for a in forwarded.split(",") if a.strip()]
    chain.append(request.remote_addr or "unknown")
    while len(chain) > 1 and _is_trusted(chain[-1], trusted):
        chain.pop()
    return chain[-1][:64]


def _is_trusted(address: str, trusted: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)


def _path_and_query() -> str:
    path = quote(request.path, safe="/:@!$&'()*+,;=-._~")
    query = request.query_string.decode("latin-1")
    return f"{path}?{query}" if query else path


def _response(answer: Answer) -> Response:
    dropped = DROPPED_RESPONSE_HEADERS
    headers = [(k, v) for k, v in answer.headers.items() if k.lower() not in dropped]
    response = Response(answer.content, status=answer.status_code, headers=headers)
    if "Content-Type" not in answer.headers:
        del response.headers["Content-Type"]  # not Flask's text/html default
    return response
