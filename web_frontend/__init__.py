"""web_frontend: the server-rendered shop. It talks only to the gateway, from the server side."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from shared.web.app import init_common
from web_frontend import clients, presenters
from web_frontend.auth import current_user
from web_frontend.config import DEV_SECRET, Config, from_env
from web_frontend.forms import ActionForm
from web_frontend.views import account, cart, catalogue, discovery, errors, orders, selling
from web_frontend.views import fulfilment as fulfilment_views
from web_frontend.views import notifications as notification_views
from web_frontend.views import password as password_views

csrf = CSRFProtect()

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the page was served over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(super().get_cookie_secure(app) or request.is_secure)


def create_app(config: Config | None = None) -> Flask:
    config = config or from_env()
    if not config.development and config.secret_key == DEV_SECRET:
        # the session cookie holds the user's token: never sign it with a published key
        raise RuntimeError("Set FRONTEND_SECRET_KEY (or _FILE) outside development.")
    app = Flask(__name__)
    _configure_session(app, config)
    clients.init_app(app, config.gateway_url, config.gateway_timeout)
    init_common(
        app,
        service="web_frontend",
        log_level=config.log_level,
        checks={"gateway": clients.gateway_alive},
        max_body=config.max_cover_bytes + 2**20,
    )
    csrf.init_app(app)
    presenters.register(app)
    for module in (catalogue, account, selling, cart, orders, discovery):
        app.register_blueprint(module.bp)
    app.register_blueprint(password_views.bp)
    notification_views.init_app(app)  # favourites, wants, inbox, settings; the header's bell
    fulfilment_views.init_app(app)  # shipments, balance, auto-ship, seller profiles, reviews
    errors.register(app)  # after init_common: pages get HTML errors, not the API's JSON
    app.context_processor(_page_context)
    app.after_request(_headers)
    return app


def _configure_session(app: Flask, config: Config) -> None:
    """A signed cookie: HttpOnly, SameSite=Lax, Secure over HTTPS (seen through the edge)."""
    app.config.update(
        SECRET_KEY=config.secret_key,
        SESSION_COOKIE_NAME="bookstore_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        WTF_CSRF_TIME_LIMIT=8 * 3600,
    )
    app.extensions["config"] = config
    app.session_interface = SessionInterface()
    if config.behind_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore


def _page_context() -> dict[str, Any]:
    """What every template sees: the user, a CSRF-only form for buttons, the settings."""
    return {
        "user": current_user(),
        "action_form": ActionForm(),
        "settings": current_app.extensions["config"],
    }


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    # Pages are personal (header, cart, orders) and never kept: after logout, Back and the
    # back-forward cache show nothing private.
    if response.mimetype in ("text/html", "application/json"):
        response.headers["Cache-Control"] = "no-store"
    return response
