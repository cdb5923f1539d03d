"""One error envelope for every error the API returns.

``{"code": 409, "status": "Conflict", "error": "slot_full", "message": "...", "errors": {...}}``:
``error`` is a stable snake_case code the app switches on; ``message`` is in the language of
``Accept-Language``; ``errors`` carries field-level validation details, in that language too.
Domain errors map to HTTP statuses in ``DOMAIN_STATUS``, the one table of that mapping. The
message of a code is its ``error_text`` (declared in the ``texts.py`` of the domain that
raises it, or ``api/texts.py``), translated by the catalogues; a code without one reads as
the generic message of its status.
"""

from __future__ import annotations

import logging
import math
import time
from http import HTTPStatus
from typing import Any

import marshmallow as ma
from flask import Flask, jsonify
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from api import texts as api_texts  # noqa: F401  (declares the HTTP layer's messages)
from api.extensions import limiter
from api.validation import translate_details
from services.core import errors as domain
from services.core.db import db, hides_a_lost_connection
from services.core.i18n import ERROR_TEXTS, translate

log = logging.getLogger(__name__)

DOMAIN_STATUS: dict[type[domain.DomainError], int] = {
    domain.InvalidInput: 422,
    domain.NotFound: 404,
    domain.Conflict: 409,
    domain.Unauthorized: 401,
    domain.Forbidden: 403,
    domain.PayloadTooLarge: 413,
    domain.TooManyRequests: 429,
    domain.ServiceUnavailable: 503,
}


# The generic message of each status, for a code that has none of its own.
STATUS_FALLBACK = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    428: "precondition_required",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


def message_for(code: str, status: int, params: dict[str, Any] | None = None) -> str:
    """The sentence for ``code`` in the current locale, else the one of ``status``."""
    text = ERROR_TEXTS.get(code) or ERROR_TEXTS[STATUS_FALLBACK.get(status, "bad_request")]
    return translate(text, params)


class ErrorSchema(ma.Schema):
    """The error envelope (documentation only)."""

    code = ma.fields.Integer(required=True, metadata={"description": "HTTP status code"})
    status = ma.fields.String(required=True, metadata={"description": "HTTP status name"})
    error = ma.fields.String(
        required=True,
        metadata={"description": "Stable machine-readable error code", "example": "slot_full"},
    )
    message = ma.fields.String(
        required=True, metadata={"description": "Human-readable message in the request language"}
    )
    errors = ma.fields.Dict(metadata={"description": "Field-level validation errors"})


def error_response(
    status: int,
    error: str | None = None,
    params: dict[str, Any] | None = None,
    errors: Any = None,
    headers: dict[str, str] | None = None,
):
    """Build the envelope response for ``status`` and ``error`` in the request's language."""
    error = error or STATUS_FALLBACK.get(status, "bad_request")
    try:
        status_name = HTTPStatus(status).phrase
    except ValueError:
        status_name = "Error"
    payload: dict[str, Any] = {
        "code": status,
        "status": status_name,
        "error": error,
        "message": message_for(error, status, params),
    }
    if errors:
        payload["errors"] = translate_details(errors)
    response = jsonify(payload)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def status_for(exc: domain.DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in DOMAIN_STATUS:
            return DOMAIN_STATUS[cls]
    return 400


def handle_http_exception(exc: HTTPException):
    data = getattr(exc, "data", None) or {}
    status = exc.code or 500
    errors = data.get("errors") or data.get("messages")
    # webargs nests errors by location ({"json": {...}}); keep that, it tells the client where.
    error = data.get("error")
    if status == 429 and not error:
        error = "rate_limited"
    # Keep what Werkzeug adds (Allow on 405, Retry-After), minus its HTML content type.
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    if status == 429 and "Retry-After" not in headers:
        headers["Retry-After"] = _retry_after_of_breached_limit()
    if status >= 500:
        log.error("http error %s", status)
    return error_response(status, error, data.get("params"), errors, headers)


def _retry_after_of_breached_limit() -> str:
    """Seconds until the breached limit's window lets the caller in again (at least 1)."""
    try:
        breached = limiter.current_limit
        # The window's own reset time: Flask-Limiter's ``reset_at`` is rounded up to the
        # next whole second and padded by one, which could promise more than the window.
        reset_at = breached.window.reset_time if breached else None
        window_seconds = breached.limit.get_expiry() if breached else None
    except Exception:  # the limit store went away meanwhile: a cautious guess
        reset_at = None
    if reset_at is None:
        return "60"
    return str(min(window_seconds, max(1, math.ceil(reset_at - time.time()))))


def retry_after_of(item: Any, args: list[str]) -> str:
    """The same for limit ``item`` counted under ``args`` outside Flask-Limiter's request
    context: the cache's 429 (``api.cache``) says what the app's would."""
    try:
        reset_at = limiter.limiter.get_window_stats(item, *args).reset_time
    except Exception:  # the limit store went away meanwhile: a cautious guess
        return "60"
    return str(min(item.get_expiry(), max(1, math.ceil(reset_at - time.time()))))


def handle_domain_error(exc: domain.DomainError):
    # A domain error may carry details (for example every bad row of an import) in ``errors``.
    # ... and headers (Retry-After on a 503 from a payment gateway outage).
    return error_response(
        status_for(exc),
        exc.code,
        exc.params,
        getattr(exc, "errors", None),
        getattr(exc, "headers", None),
    )


def handle_integrity_error(exc: IntegrityError):
    # A uniqueness race that a service did not turn into a named error: still a clean 409.
    db.session.rollback()
    log.warning("integrity error mapped to 409: %s", type(exc.orig).__name__)
    return error_response(409, "conflict")


def handle_database_error(exc: DBAPIError):
    """The database went away (restart, failover, a dropped connection): a retryable 503.
    Drivers report that as an operational or an interface error, as any error on a
    connection SQLAlchemy has since invalidated, or as another error raised while the
    connection was dying (psycopg's "can't change 'autocommit' now" after a pre-ping lost
    its socket); other driver errors are our bugs."""
    if not (
        isinstance(exc, OperationalError | InterfaceError)
        or exc.connection_invalidated
        or hides_a_lost_connection(exc.orig)
    ):
        return handle_unexpected(exc)
    db.session.rollback()
    log.error("database unavailable: %s", type(exc.orig).__name__)
    return error_response(503, "service_unavailable", headers={"Retry-After": "5"})


def handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    log.exception("unhandled error")
    return error_response(500, "internal_error")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(domain.DomainError, handle_domain_error)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)
