"""The public lookups (an application's progress, a legalization by its numbers), answered
in front of Flask.

A crisis or a release sends everyone to check their application at once. Inside Flask a
lookup costs the framework's request path around its one statement and its one Redis
round trip; here it costs those and the answer. A lookup is answered here only when the
request is plain (``api.edge.plain_json_post``, at most 2 KB) and its body loads with the
view's own schema instance; the rate limits are then judged for the very keys the view's
key functions give (``api.rate_limits``: one round trip), the same service function finds
the answer, and:

- a hit is written with the app's JSON provider and the headers of a 200 the app gave to
  that route in that language (kept by ``api.edge``);
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

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import marshmallow as ma

from api import edge
from api.i18n import language_of
from api.json_body import parse_json_text
from api.rate_limits import LIMITS_JUDGED, Limit, count_outside_flask, judge_outside_flask
from services.core.errors import NotFound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lookup:
    """One public lookup route, as its view module declares it."""

    path: str  # the full path (also the route template: no variables)
    schema: ma.Schema  # the view's argument schema instance
    # The view's limits with the keys its key functions give, from the raw body and the IP.
    keyed_limits: Callable[[dict, str], list[tuple[Limit, str]]]
    # The answer's payload in a language; raises NotFound on a miss.
    find: Callable[[dict, str], dict]
    miss_error: str  # the 404's error code


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
        try:
            data = lookup.schema.load(raw)
        except (TypeError, ma.ValidationError):
            return None
        keyed = lookup.keyed_limits(raw, environ.get("REMOTE_ADDR") or "unknown")
        counted, breach = judge_outside_flask(keyed)
        if counted:
            environ[LIMITS_JUDGED] = True  # should anything fail now, the app counts nothing
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
        payload = self.app.json.response(found).get_data()
        return send("200 OK", [*hit[1]], payload, "found")


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
