"""Flask extensions, created unbound here and bound in ``create_app``."""

from __future__ import annotations

from flask import request
from flask_jwt_extended import JWTManager, decode_token
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_smorest import pagination as smorest_pagination

# X-Pagination carries JSON text; documenting it as an object makes clients (and
# schemathesis) expect a structured header value that HTTP cannot carry.
smorest_pagination.PAGINATION_HEADER.update(
    {
        "description": 'Pagination metadata as JSON, e.g. {"total": 42, "total_pages": 5, '
        '"first_page": 1, "last_page": 5, "page": 1, "next_page": 2}',
        "schema": {"type": "string"},
    }
)


def client_ip() -> str:
    # ProxyFix (configured by TRUSTED_PROXY_COUNT) has already resolved X-Forwarded-For.
    return request.remote_addr or "unknown"


def account_key() -> str:
    """Rate-limit key: the account of a well-signed, unexpired access token, else the IP.

    Never touches the database and never raises. Flask-Limiter takes any exception from a
    key function for an outage of its own storage: it switches to the in-memory fallback
    and evaluates again, and after a lost database connection that second try met an
    invalid transaction and answered 500 instead of 503. Whether the token's session is
    revoked is ``login_required``'s question, asked right after.
    """
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        try:
            claims = decode_token(token.strip())
        except Exception:  # malformed, expired, badly signed: login_required answers 401
            claims = {}
        if claims.get("type") == "access" and claims.get("sub"):
            return f"account:{claims['sub']}"
    return "ip:" + client_ip()


def body_text(*names: str) -> str:
    """The first non-empty field of ``names`` in the JSON body, as text; "" when there is
    no body, it is not JSON or not an object. For rate-limit keys, which must never raise:
    Flask-Limiter takes any exception from a key function for an outage of its storage."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return ""
    for name in names:
        value = body.get(name)
        if value:
            return str(value)
    return ""


jwt = JWTManager()
migrate = Migrate()
limiter = Limiter(key_func=client_ip)
