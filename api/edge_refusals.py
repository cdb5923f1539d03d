"""Release day's taps on a full slot, answered before Flask.

When a post opens a day, a thousand travellers tap "Book" within seconds and most taps land
on a slot that is already full. Inside Flask such a refusal costs about a millisecond of CPU
around its one statement (routing, request hooks, the rate limiter, the view's decorators,
the error handler). This WSGI middleware answers it with the statement, the booking's rate
limits and a kept answer, and nothing else.

It answers ``POST /api/v1/appointments`` itself only when it is sure Flask would answer
409 ``slot_full`` the same way:

- the request is plain: a JSON body (at most 2 KB) that ``AppointmentCreateSchema`` loads,
  no query string, no ``Origin`` (CORS goes through the app), a well-signed unexpired access
  token, and an acceptable ``Idempotency-Key`` or none;
- ``services.appointments.refusals.surely_full`` says yes: one statement (the token's
  session is live and its account verified, the key has no record, the slot has no seat);
- the booking's two rate limits (per IP and per account, shared with rescheduling) have
  room: they are judged here by ``api.rate_limits`` (one Redis round trip) for the same
  keys as the view's, so the budgets are the ones the app counts. When the first window
  judged is already spent the request goes on to the app, which answers the 429 (counting
  nothing more); when a later one is, the 429 is answered here, as the app would;
- Flask has already answered a ``slot_full`` in the caller's language in this worker: that
  answer's body and headers are kept (``_NOT_KEPT`` aside) and replayed with this request's
  id, so the envelope and its headers are the app's own, byte for byte.

Anything else, or any failure along the way, goes to Flask with the body put back, and
Flask reports every rule in its documented order. The app context pushed here closes the
database session as a request's would (the connection goes back to the pool).
"""

from __future__ import annotations

import io
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import marshmallow as ma

from api.edge_limit import refusal_body
from api.extensions import account_key, client_ip
from api.i18n import language_of
from api.observability import LATENCY, REQUEST_ID_PATTERN, REQUESTS, access_log
from api.rate_limits import Limit, judge_outside_flask
from schemas.appointments import AppointmentCreateSchema
from services.appointments import refusals
from services.idempotency.records import KEY_PATTERN

log = logging.getLogger(__name__)

BOOKING_PATH = "/api/v1/appointments"
ENDPOINT = "/api/v1/appointments"  # the route template, as metrics and the access log name it
MAX_BODY = 2048
ASKED = "palm.surely_full.asked"  # set when the statement ran here and said "no"
# Per-answer headers, never replayed from the kept one (as in ``api.cache``).
_NOT_KEPT = frozenset(
    {"x-request-id", "content-length", "date", "server", "set-cookie", "retry-after"}
)
# Booking and rescheduling take seats: they share one budget per IP and one per account
# (declared here, where the edge counts them too; api.resources.appointments uses them).
SEAT_LIMITS = (
    Limit(
        "RATELIMIT_BOOKING_PER_IP",
        lambda: "ip:" + client_ip(),
        scope="seats-ip",
        methods=("POST",),
    ),
    Limit("RATELIMIT_BOOKING_PER_ACCOUNT", account_key, scope="seats-account", methods=("POST",)),
)
_BODY = AppointmentCreateSchema()
# The app's slot_full answer per (app, language), kept from the first one it gave.
_kept: dict[tuple[int, str], tuple[bytes, tuple[tuple[str, str], ...]]] = {}


def clear() -> None:
    """Forget the kept answers (the tests' clean slate)."""
    _kept.clear()


class EdgeRefusals:
    """WSGI middleware for release day's refusals (see the module docstring). It sits inside
    ``ProxyFix``, so ``REMOTE_ADDR`` is the client's address as ``client_ip`` sees it."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], app: Any) -> None:
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != BOOKING_PATH:
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        language = language_of(environ.get("HTTP_ACCEPT_LANGUAGE", ""))
        body = _take_body(environ)
        kept = _kept.get((id(self.app), language))
        if kept is not None and body is not None and _plain(environ):
            answered = self._answer(environ, start_response, body, kept, language, started)
            if answered is not None:
                return answered
        return self._through_app(environ, start_response, language)

    # --- answering here --------------------------------------------------------------------
    def _answer(self, environ, start_response, body, kept, language, started):
        try:
            with self.app.app_context():
                return self._judge(environ, start_response, body, kept, language, started)
        except Exception:  # anything unexpected: the app answers, as it would have
            log.warning("edge refusal fell back to the app", exc_info=True)
            return None

    def _judge(self, environ, start_response, body, kept, language, started):
        from flask_jwt_extended import decode_token

        claims = _claims(environ, decode_token)
        if claims is None:
            return None
        try:
            data = _BODY.load(json.loads(body))
        except (ValueError, TypeError, ma.ValidationError):
            return None
        key = environ.get("HTTP_IDEMPOTENCY_KEY")
        if key is not None and not KEY_PATTERN.match(key):
            return None
        if not refusals.surely_full(
            session_id=claims["sid"],
            account_id=int(claims["sub"]),
            slot_id=data["slot_id"],
            idempotency_scope=f"account:{claims['sub']}",
            idempotency_key=key,
        ):
            environ[ASKED] = True  # the view does not ask the same question again
            return None
        request_id = _request_id(environ)
        status, headers, payload = 409, [*kept[1]], kept[0]
        ip = "ip:" + (environ.get("REMOTE_ADDR") or "unknown")
        keys = {"seats-ip": ip, "seats-account": f"account:{claims['sub']}"}
        counted, breach = judge_outside_flask([(limit, keys[limit.scope]) for limit in SEAT_LIMITS])
        if breach is not None:
            if not counted:
                return None  # nothing counted here: the app answers its 429
            status = 429
            payload, content_type = refusal_body(self.app, language)
            headers = [(k, v) for k, v in kept[1] if k.lower() != "content-type"]
            headers += [("Content-Type", content_type), ("Retry-After", str(breach.retry_after))]
        headers += [("Content-Length", str(len(payload))), ("X-Request-ID", request_id)]
        start_response("409 CONFLICT" if status == 409 else "429 TOO MANY REQUESTS", headers)
        _observe(request_id, status, started)
        return [payload]

    # --- through the app, keeping its slot_full -------------------------------------------
    def _through_app(self, environ, start_response, language):
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        answer = self.wsgi_app(environ, capture)
        if (id(self.app), language) in _kept or not captured.get("status", "").startswith("409"):
            return answer
        try:
            payload = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        if _is_slot_full(payload):
            headers = tuple((k, v) for k, v in captured["headers"] if k.lower() not in _NOT_KEPT)
            _kept[(id(self.app), language)] = (payload, headers)
        return [payload]


def _take_body(environ: dict[str, Any]) -> bytes | None:
    """The body if it is small enough to judge here, put back for the app either way; None
    when it is not (the app reads it itself)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= MAX_BODY:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _plain(environ: dict[str, Any]) -> bool:
    """A request the app's hooks would let through to the view unchanged."""
    content_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    return (
        not environ.get("QUERY_STRING")
        and "HTTP_ORIGIN" not in environ
        and content_type == "application/json"
    )


def _claims(environ: dict[str, Any], decode_token) -> dict | None:
    scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        claims = decode_token(token.strip())  # remembered per worker (api.extensions)
    except Exception:  # expired, malformed, badly signed: the app answers its 401
        return None
    if claims.get("type") != "access" or not claims.get("sub") or not claims.get("sid"):
        return None
    return claims


def _is_slot_full(payload: bytes) -> bool:
    try:
        return json.loads(payload).get("error") == "slot_full"
    except (ValueError, AttributeError):
        return False


def _request_id(environ: dict[str, Any]) -> str:
    incoming = environ.get("HTTP_X_REQUEST_ID", "")
    return incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex


def _observe(request_id: str, status: int, started: float) -> None:
    elapsed = time.perf_counter() - started
    REQUESTS.labels("POST", ENDPOINT, str(status)).inc()
    LATENCY.labels("POST", ENDPOINT).observe(elapsed)
    if access_log.isEnabledFor(logging.INFO):
        access_log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": "POST",
                "endpoint": ENDPOINT,
                "status": status,
                "duration_ms": round(elapsed * 1000, 1),
                "edge": "refused",
            },
        )
