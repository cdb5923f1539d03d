"""What the answers given in front of Flask share (``api.edge_refusals``, ``api.edge_lookups``).

A middleware that answers a request itself must do what the app's request hooks would for
that answer: the request id, the access log line, the request metrics, and the app's own
headers. The headers (security headers, ``Vary``, ``Cache-Control``) and error envelopes
are taken from an answer the app gave to the same route in the same language, kept here
per (app, route, status, language) and replayed with the request's own id: byte for byte
the app's, by construction. Anything a middleware cannot judge goes to the app with its
body put back (``take_body``). A plain body (the usual one) is loaded as the view's schema
would load it, without the schema's machinery (``plain_loader``).
"""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from weakref import WeakKeyDictionary

import marshmallow as ma

from api.observability import LATENCY, REQUEST_ID_PATTERN, REQUESTS, access_log, new_request_id
from schemas.common import Base

MAX_BODY = 2048  # larger bodies are never judged in front of the app
# Per-answer headers, never replayed from a kept answer (as in ``api.cache``).
NOT_KEPT = frozenset(
    {"x-request-id", "content-length", "date", "server", "set-cookie", "retry-after"}
)

Kept = tuple[bytes, tuple[tuple[str, str], ...]]  # body, headers
# Per app (a worker has one; the tests make many): held by the app object itself, not its
# id(), which a later app may be given once the first is gone.
_kept: WeakKeyDictionary[Any, dict[tuple[str, int, str], Kept]] = WeakKeyDictionary()
_envelopes: WeakKeyDictionary[Any, dict[tuple[str, int, str], tuple[bytes, str]]] = (
    WeakKeyDictionary()
)


def clear() -> None:
    """Forget the kept answers and envelopes (the tests' clean slate)."""
    _kept.clear()
    _envelopes.clear()
    _metrics.clear()


def _of(store: WeakKeyDictionary, app: Any) -> dict:
    found = store.get(app)
    if found is None:
        found = store.setdefault(app, {})
    return found


def envelope_body(app: Any, language: str, status: int, error: str) -> tuple[bytes, str]:
    """The app's own error envelope for ``status`` and ``error`` in ``language``, and its
    content type (made once per app, language and error)."""
    envelopes = _of(_envelopes, app)
    key = (language, status, error)
    made = envelopes.get(key)
    if made is None:
        from api.errors import error_response

        with app.test_request_context(headers={"Accept-Language": language}):
            response = error_response(status, error)
            made = (response.get_data(), response.headers["Content-Type"])
        envelopes[key] = made
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
    found = _kept.get(app)
    return None if found is None else found.get((path, status, language))


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
    return incoming if REQUEST_ID_PATTERN.match(incoming) else new_request_id()


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
    kept_here = _of(_kept, app)
    key = (environ.get("PATH_INFO", ""), status, language)
    # Only an answer to a request the edge could have judged is kept: one to a CORS
    # request would carry its Access-Control-* headers to everyone after.
    if status not in keep or key in kept_here or not plain_json_post(environ):
        return answer
    payload = read_all(answer)
    if keep[status](payload):
        headers = tuple((k, v) for k, v in captured["headers"] if k.lower() not in NOT_KEPT)
        kept_here[key] = (payload, headers)
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


TEXT, DATE, INTEGER = "text", "date", "integer"  # the kinds of plain field
INF = float("inf")
_PLAIN_TEXT = re.compile(r"[\x20-\x7e]*")  # printable ASCII: nothing the text checks refuse
# schemas.common.Base's text checks, which plain text passes: the only hook allowed.
_PLAIN_HOOKS = {"_refuse_unsafe_text": Base._refuse_unsafe_text}


def plain_loader(schema: ma.Schema) -> Callable[[Any], dict | None] | None:
    """For a flat schema of required strings bounded by length, ISO dates (the lookups'
    arguments) and integers bounded by an inclusive range (a booking's ids), a loader of the
    plain case: a JSON object with exactly those fields, each printable ASCII text or a JSON
    integer. It gives what ``schema.load`` gives, or None when the body is anything else
    (the schema then decides, errors and all). None for any other schema.

    The schema's machinery (its pre-load text checks, field lookups, error collection) was
    a tenth of a lookup's CPU; the tests check the two agree."""
    hooks = {hook[0] for hooks in schema._hooks.values() for hook in hooks}
    if schema.many or schema.partial or schema.unknown != ma.RAISE:
        return None
    if any(getattr(type(schema), hook, None) is not _PLAIN_HOOKS.get(hook) for hook in hooks):
        return None
    fields = []
    for name, field in schema.load_fields.items():
        if not field.required or field.allow_none or field.data_key not in (None, name):
            return None
        if type(field) is ma.fields.Date and field.format in ("iso", "iso8601"):
            if field.validators:
                return None
            fields.append((name, DATE, 0, 0))
        elif type(field) is ma.fields.Integer and all(
            type(v) is ma.validate.Range and v.min_inclusive and v.max_inclusive
            for v in field.validators
        ):
            low = max((v.min for v in field.validators if v.min is not None), default=-INF)
            high = min((v.max for v in field.validators if v.max is not None), default=INF)
            fields.append((name, INTEGER, low, high))
        elif type(field) is ma.fields.String and all(
            type(v) is ma.validate.Length and v.equal is None for v in field.validators
        ):
            low = max((v.min for v in field.validators if v.min is not None), default=0)
            high = min((v.max for v in field.validators if v.max is not None), default=None)
            fields.append((name, TEXT, low, high if high is not None else INF))
        else:
            return None
    names = frozenset(name for name, *_ in fields)
    plain = _PLAIN_TEXT.fullmatch

    def load(raw: Any) -> dict | None:
        if type(raw) is not dict or raw.keys() != names:
            return None
        data: dict[str, Any] = {}
        for name, kind, low, high in fields:
            value = raw[name]
            if kind is INTEGER:  # a JSON integer (never a bool, a float or a string of one)
                if type(value) is not int or not low <= value <= high:
                    return None
                data[name] = value
                continue
            if type(value) is not str or plain(value) is None:
                return None
            if kind is DATE:
                try:
                    value = date.fromisoformat(value)  # the field's own parser
                except ValueError:
                    return None
            elif not low <= len(value) <= high:
                return None
            data[name] = value
        return data

    return load
