"""What the answers given in front of Flask share (``api.edge_refusals``, ``api.edge_lookups``).

A middleware that answers a request itself must do what the app's request hooks would for
that answer: the request id, the access log line, the request metrics, and the app's own
headers. The headers (security headers, ``Vary``, ``Cache-Control``) and error envelopes
are taken from an answer the app gave to the same route in the same language, kept here
per (app, route, status, language) and replayed with the request's own id: byte for byte
the app's, by construction. Anything a middleware cannot judge goes to the app with its
body put back (``take_body``).
"""

from __future__ import annotations

import io
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from api.observability import LATENCY, REQUEST_ID_PATTERN, REQUESTS, access_log

MAX_BODY = 2048  # larger bodies are never judged in front of the app
# Per-answer headers, never replayed from a kept answer (as in ``api.cache``).
NOT_KEPT = frozenset(
    {"x-request-id", "content-length", "date", "server", "set-cookie", "retry-after"}
)

Kept = tuple[bytes, tuple[tuple[str, str], ...]]  # body, headers
_kept: dict[tuple[int, str, int, str], Kept] = {}


_envelopes: dict[tuple[int, str, int, str], tuple[bytes, str]] = {}


def clear() -> None:
    """Forget the kept answers and envelopes (the tests' clean slate)."""
    _kept.clear()
    _envelopes.clear()
    _metrics.clear()


def envelope_body(app: Any, language: str, status: int, error: str) -> tuple[bytes, str]:
    """The app's own error envelope for ``status`` and ``error`` in ``language``, and its
    content type (made once per app, language and error)."""
    key = (id(app), language, status, error)
    made = _envelopes.get(key)
    if made is None:
        from api.errors import error_response

        with app.test_request_context(headers={"Accept-Language": language}):
            response = error_response(status, error)
            made = (response.get_data(), response.headers["Content-Type"])
        _envelopes[key] = made
    return made


def error_answer(
    app: Any,
    language: str,
    kept_headers: tuple[tuple[str, str], ...],
    status: int,
    error: str,
    *extra_headers: tuple[str, str],
) -> tuple[bytes, list[tuple[str, str]]]:
    """An error answered in front of the app: its envelope, under the headers of the route's
    kept answer (security headers, ``Vary``, ``Cache-Control``) with the envelope's type."""
    payload, content_type = envelope_body(app, language, status, error)
    headers = [(k, v) for k, v in kept_headers if k.lower() != "content-type"]
    headers += [("Content-Type", content_type), *extra_headers]
    return payload, headers


def kept(app: Any, path: str, status: int, language: str) -> Kept | None:
    return _kept.get((id(app), path, status, language))


def take_body(environ: dict[str, Any]) -> bytes | None:
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


def plain_json_post(environ: dict[str, Any]) -> bool:
    """A JSON POST the app's hooks would let through to the view unchanged: no query string
    (unknown parameters are refused), no ``Origin`` (CORS answers go through the app)."""
    content_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    return (
        not environ.get("QUERY_STRING")
        and "HTTP_ORIGIN" not in environ
        and content_type == "application/json"
    )


def request_id(environ: dict[str, Any]) -> str:
    incoming = environ.get("HTTP_X_REQUEST_ID", "")
    return incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex


def called(
    wsgi_app: Callable[..., Iterable[bytes]],
    environ: dict[str, Any],
    start_response: Callable[..., Any],
) -> tuple[Iterable[bytes], dict[str, Any]]:
    """The app's answer to ``environ``, and its ``status`` and ``headers`` as it started it."""
    captured: dict[str, Any] = {}

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
        captured["status"], captured["headers"] = status, headers
        return start_response(status, headers, exc_info)

    return wsgi_app(environ, capture), captured


def read_all(answer: Iterable[bytes]) -> bytes:
    """An answer's whole body, the answer closed as WSGI asks."""
    try:
        return b"".join(answer)
    finally:
        if hasattr(answer, "close"):
            answer.close()


def through_app(
    wsgi_app: Callable[..., Iterable[bytes]],
    app: Any,
    environ: dict[str, Any],
    start_response: Callable[..., Any],
    language: str,
    keep: dict[int, Callable[[bytes], bool]],
) -> Iterable[bytes]:
    """Let the app answer, and keep its answer for (route, status, language) the first time
    it has a status of ``keep`` whose test the body passes."""
    answer, captured = called(wsgi_app, environ, start_response)
    status_text = captured.get("status", "")
    status = int(status_text[:3]) if status_text[:3].isdigit() else 0
    key = (id(app), environ.get("PATH_INFO", ""), status, language)
    # Only an answer to a request the edge could have judged is kept: one to a CORS
    # request would carry its Access-Control-* headers to everyone after.
    if status not in keep or key in _kept or not plain_json_post(environ):
        return answer
    payload = read_all(answer)
    if keep[status](payload):
        headers = tuple((k, v) for k, v in captured["headers"] if k.lower() not in NOT_KEPT)
        _kept[key] = (payload, headers)
    return [payload]


def error_of(payload: bytes) -> str | None:
    """The ``error`` code of an envelope, if the body is one."""
    try:
        return json.loads(payload).get("error")
    except (ValueError, AttributeError):
        return None


_metrics: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def answer(
    start_response: Callable[..., Any],
    status_line: str,
    headers: list[tuple[str, str]],
    payload: bytes,
    *,
    environ: dict[str, Any],
    endpoint: str,
    started: float,
    how: str,
) -> list[bytes]:
    """Send an answer given in front of the app, with what the app's hooks would add."""
    rid = request_id(environ)
    start_response(
        status_line,
        [*headers, ("Content-Length", str(len(payload))), ("X-Request-ID", rid)],
    )
    status = int(status_line.split(" ", 1)[0])
    method = environ.get("REQUEST_METHOD", "")
    elapsed = time.perf_counter() - started
    counted = _metrics.get((method, endpoint, status))
    if counted is None:  # each metric's child, found once (``labels`` takes a lock)
        counted = _metrics[(method, endpoint, status)] = (
            REQUESTS.labels(method, endpoint, str(status)),
            LATENCY.labels(method, endpoint),
        )
    counted[0].inc()
    counted[1].observe(elapsed)
    if access_log.isEnabledFor(logging.INFO):
        access_log.info(
            "request",
            extra={
                "request_id": rid,
                "method": method,
                "endpoint": endpoint,
                "status": status,
                "duration_ms": round(elapsed * 1000, 1),
                "edge": how,
            },
        )
    return [payload]
