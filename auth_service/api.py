"""auth_service HTTP routes (filled in by the auth issue)."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/api/auth")
