"""Flask extensions, created unbound here and bound in ``create_app``."""

from __future__ import annotations

import hashlib
import logging
import threading
import time

from cachetools import LRUCache
from flask import request
from flask_babel import Babel
from flask_jwt_extended import JWTManager, decode_token
from flask_limiter import Limiter
from flask_smorest import pagination as smorest_pagination

from api.json_body import request_json

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


def access_claims() -> dict:
    """The claims of the request's well-signed, unexpired access token, or ``{}``.

    Decoded once per request and kept on it (rate-limit keys and the booking's early
    refusal ask for it). Never touches the database and never raises: whether the token's
    session is revoked is ``login_required``'s question (or the caller's).
    """
    cached = request.environ.get(ACCESS_CLAIMS)
    if cached is None:
        cached = claims_of_authorization(request.headers.get("Authorization", ""))
        request.environ[ACCESS_CLAIMS] = cached
    return cached


# Where a request's access claims are kept (an edge middleware that read them already
# leaves them there for the app: the same header, read the same way).
ACCESS_CLAIMS = "palm.access_claims"


def claims_of_authorization(header: str) -> dict:
    """The claims of a well-signed, unexpired access token in an ``Authorization`` header
    value, or ``{}`` (an app context is needed, no request). Read exactly as
    flask-jwt-extended reads the header, so no key or early answer ever speaks for a token
    that ``login_required`` would refuse."""
    parts = header.split()
    if len(parts) != 2 or parts[0] != "Bearer":
        return {}
    try:
        decoded = decode_token(parts[1])  # remembered per worker (CachingJWTManager)
    except Exception:  # malformed, expired, badly signed: login_required answers 401
        return {}
    return decoded if decoded.get("type") == "access" and decoded.get("sub") else {}


def account_key() -> str:
    """Rate-limit key: the account of a well-signed, unexpired access token, else the IP.

    Never touches the database and never raises. Flask-Limiter takes any exception from a
    key function for an outage of its own storage: it switches to the in-memory fallback
    and evaluates again, and after a lost database connection that second try met an
    invalid transaction and answered 500 instead of 503. Whether the token's session is
    revoked is ``login_required``'s question, asked right after.
    """
    subject = access_claims().get("sub")
    return f"account:{subject}" if subject else "ip:" + client_ip()


def body_text(*names: str) -> str:
    """The first non-empty text field of ``names`` in the JSON body; "" when there is no
    body, it does not parse (however it fails) or is not an object, or the field is not
    text. For rate-limit keys, which must never raise: Flask-Limiter takes any exception
    from a key function for an outage of its storage. The body is parsed once, safely
    (``api.json_body``); a bare ``get_json(silent=True)`` let ``RecursionError`` through."""
    body = request_json().value
    if not isinstance(body, dict):
        return ""
    for name in names:
        value = body.get(name)
        if value and isinstance(value, str):
            return value
    return ""


def forget_counted(scope: str) -> None:
    """Empty the counters this request is judged by for the limits of ``scope`` that count
    only some answers (``deduct_when``): a successful login wipes that (account, IP)'s
    failures, so the owner's typos yesterday and today never add up to a lockout."""
    try:
        for limit, args in list(limiter.context.conditional_deductions.items()):
            if limit.scope == scope:
                limiter.limiter.clear(limit.limit, *args)
    except Exception:  # the limit store went away: the counters run out with their window
        logging.getLogger(__name__).warning("could not clear rate-limit counters of %s", scope)


class CachingJWTManager(JWTManager):
    """flask-jwt-extended's manager, remembering the tokens it has verified in this worker.

    A phone sends the same access token on every request for up to 15 minutes, and PyJWT
    checks each base64url segment character by character: verifying it again each time
    was a quarter of the CPU of a refused booking. A token already verified here is
    answered from memory while it is unexpired; anything else (an unknown token, one past
    its ``exp``, another CSRF value) goes through the full verification. Revocation is
    unaffected: the login session is still checked on every request. A replaced signing key
    means a restart of the workers, which empties the memory. Overrides the
    manager's one decoding method, ``_decode_jwt_from_config`` (what ``decode_token`` and
    ``verify_jwt_in_request`` both call); a test fails if that stops being called.
    """

    MAX_TOKENS = 1024  # ~1 KB each: a bounded, small part of a worker's memory

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._verified: LRUCache = LRUCache(maxsize=self.MAX_TOKENS)
        self._verified_lock = threading.Lock()

    def _decode_jwt_from_config(self, encoded_token, csrf_value=None, allow_expired=False):
        # Kept small (~0.5 KB a token): the token's SHA-256 as the key, the claims as a
        # tuple of items (a thousand travellers' tokens in each worker on release day).
        key = (hashlib.sha256(encoded_token.encode()).digest(), csrf_value)
        with self._verified_lock:
            kept = self._verified.get(key)
        if kept is not None:
            claims = dict(kept)
            if allow_expired or time.time() < claims.get("exp", 0):
                return claims
        claims = super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        if "exp" in claims:
            with self._verified_lock:
                self._verified[key] = tuple(claims.items())
        return claims


babel = Babel()
jwt = CachingJWTManager()
limiter = Limiter(key_func=client_ip)
