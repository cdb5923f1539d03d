"""The public lookups (an application's progress, a legalization by its numbers), answered
in front of Flask.

A crisis or a release sends everyone to check their application at once. Inside Flask a
lookup costs the framework's request path around its one statement and its one Redis
round trip; here it costs those and the answer. A lookup is answered here only when the
request is plain (``api.edge.plain_json_post``, at most 2 KB) and its body loads with the
view's own schema instance (a plain body of printable ASCII text, the usual one, is loaded
by ``api.edge.plain_loader``, which gives what the schema would, without its machinery);
the rate limits are then judged for the view's own limits and the keys their ``BodyKey``s give
(``api.rate_limits``: one round trip), the same service function finds the answer, and:

- a hit is written as the app's JSON provider would write it (``json_writer``: the same
  bytes) under the headers of a 200 the app gave to that route in that language (kept by
  ``api.edge``);
- a miss counts against the limits that count misses (a second round trip, as after the
  view) and is answered with the app's own 404 envelope (``api.errors.error_response``,
  made once per language) under the kept 200's headers;
- a limit already spent: when a counted window took this request's hit before the breach,
  the app's 429 is answered here; otherwise the app answers it (counting nothing more).

Until the app has given a 200 to that route in the caller's language, and for anything
else (a body the schema refuses, a query string, CORS, an unexpected failure), the request
goes to the app with its body put back.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import marshmallow as ma
from flask.json.provider import DefaultJSONProvider

from api import edge
from api.i18n import language_of
from api.json_body import parse_json_text
from api.rate_limits import (
    BodyKey,
    Limit,
    count_outside_flask,
    judge_outside_flask,
)
from services.core.errors import NotFound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lookup:
    """One public lookup route, as its view module declares it."""

    path: str  # the full path (also the route template: no variables)
    schema: ma.Schema  # the view's argument schema instance
    limits: tuple[Limit, ...]  # the view's limits (POST), each keyed by a ``BodyKey``
    # The answer's payload in a language; raises NotFound on a miss.
    find: Callable[[dict, str], dict]
    miss_error: str  # the 404's error code

    def __post_init__(self) -> None:
        for limit in self.limits:
            if not isinstance(limit.key_func, BodyKey):
                raise TypeError(f"{limit.scope}: an edge lookup's limits need a BodyKey")

    def keyed_limits(self, raw_body: Any, ip: str) -> list[tuple[Limit, str]]:
        """The limits the view judges a POST by, with the keys it would give them."""
        return [
            (limit, limit.key_func.of(raw_body, ip))  # type: ignore[attr-defined]
            for limit in self.limits
            if limit.methods is None or "POST" in limit.methods
        ]


class EdgeLookups:
    """WSGI middleware answering the public lookups (see the module docstring). It sits
    inside ``ProxyFix``, so ``REMOTE_ADDR`` is the client's address as ``client_ip`` sees
    it."""

    def __init__(
        self, wsgi_app: Callable[..., Iterable[bytes]], app: Any, lookups: list[Lookup]
    ) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self.lookups = {lookup.path: lookup for lookup in lookups}
        self.loaders = {lookup.path: edge.plain_loader(lookup.schema) for lookup in lookups}
        self.json: Callable[[Any], bytes] | None = None  # made on the first answer

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        lookup = self.lookups.get(environ.get("PATH_INFO", ""))
        if lookup is None or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        language = language_of(environ.get("HTTP_ACCEPT_LANGUAGE", ""))
        body = edge.take_body(environ)
        hit = edge.kept(self.app, lookup.path, 200, language)
        if hit and body is not None and edge.plain_json_post(environ):
            try:
                with self.app.app_context():
                    answered = self._judge(
                        lookup, environ, start_response, body, hit, language, started
                    )
            except Exception:  # anything unexpected: the app answers, as it would have
                log.warning("edge lookup fell back to the app", exc_info=True)
                answered = None
            if answered is not None:
                return answered
        return edge.through_app(
            self.wsgi_app, self.app, environ, start_response, language, {200: _always}
        )

    def _judge(self, lookup, environ, start_response, body, hit, language, started):
        parsed = parse_json_text(body)  # the app's own parse: UTF-8 only, depth bounded
        if not parsed.ok:
            return None
        raw = parsed.value
        loader = self.loaders[lookup.path]
        data = loader(raw) if loader else None
        if data is None:
            try:
                data = lookup.schema.load(raw)
            except (TypeError, ma.ValidationError):
                return None
        keyed = lookup.keyed_limits(raw, environ.get("REMOTE_ADDR") or "unknown")
        counted, breach = judge_outside_flask(keyed, environ)
        send = _sender(start_response, environ, lookup.path, started)
        if breach is not None:
            if not counted:
                return None  # nothing counted here: the app answers its 429
            payload, headers = edge.error_answer(
                self.app,
                language,
                hit[1],
                429,
                "rate_limited",
                ("Retry-After", str(breach.retry_after)),
            )
            return send("429 TOO MANY REQUESTS", headers, payload, "limited")
        try:
            found = lookup.find(data, language)
        except NotFound:
            count_outside_flask(keyed)
            payload, headers = edge.error_answer(self.app, language, hit[1], 404, lookup.miss_error)
            return send("404 NOT FOUND", headers, payload, "missed")
        if self.json is None:
            self.json = json_writer(self.app)
        return send("200 OK", [*hit[1]], self.json(found), "found")


def json_writer(app: Any) -> Callable[[Any], bytes]:
    """The body the app's JSON provider gives a payload (``app.json.response(payload)``),
    byte for byte: Flask's default provider's settings (key order, ASCII escapes, compact
    or indented as in debug mode, the final newline) on one encoder made once, rather than
    a ``Response`` object and a new encoder per answer. Another provider is asked itself."""
    provider = app.json
    if type(provider) is not DefaultJSONProvider:
        return lambda payload: provider.response(payload).get_data()
    indented = (provider.compact is None and app.debug) or provider.compact is False
    encoder = json.JSONEncoder(
        ensure_ascii=provider.ensure_ascii,
        sort_keys=provider.sort_keys,
        indent=2 if indented else None,
        separators=None if indented else (",", ":"),
        default=provider.default,
    )
    return lambda payload: (encoder.encode(payload) + "\n").encode()


def _always(_payload: bytes) -> bool:
    return True


def _sender(start_response, environ, endpoint, started):
    def send(status_line, headers, payload, how):
        return edge.answer(
            start_response,
            status_line,
            headers,
            payload,
            environ=environ,
            endpoint=endpoint,
            started=started,
            how=how,
        )

    return send
