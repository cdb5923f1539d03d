"""A short-lived, per-process cache of public answers (catalogue, appointment availability).

Public GETs that every phone makes with the same URL are kept in memory: the finished
response (body, ETag and every header the app added), keyed by the path, the query string
and the negotiated language. Each entry remembers a version number of its data as it was
when the view started (``services.catalogue.catalogue_version``,
``services.slots.availability_version``: they move as soon as a change commits in this
process), so a local change drops it at once; other workers and replicas see a change within
the entry's lifetime (``CATALOGUE_CACHE_SECONDS``, default 30; ``AVAILABILITY_CACHE_SECONDS``,
default 3; 0 turns a cache off). ``If-None-Match`` is answered from the kept ETag.

Two ways in. ``@cached_public(...)`` on a view serves hits inside Flask, after the rate
limiter and the other request hooks. With ``edge=True`` a hit is answered by ``EdgeCache``,
a WSGI middleware in front of Flask that adds what Flask's hooks would (a request id, the
access log line, the request metrics) and nothing else: a read that hundreds of thousands
of app starts make costs a dictionary lookup. A view with a per-IP limit (availability)
names it (``limit=``, the ``api.rate_limits.Limit`` the view is ``rate_limited`` by, keyed
by the client's address): the edge counts every hit against it with ``api.rate_limits``
(the same windows, keys and storage as the view: one Redis round trip), and answers the
app's 429 when it is reached. An entry is served at the edge only when the limits its
filler was judged by are exactly those the edge counts, for the same caller; else its hits
stay inside Flask, after the limits.

Only anonymous requests are cached or served from the cache (no Authorization, no Origin:
personal answers and CORS answers always go through the app). A view opts in only for what
is the same for every caller.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Response, current_app, request
from werkzeug.http import parse_etags

from api import edge
from api.extensions import limiter
from api.i18n import language_of
from api.observability import CLIENT_STATUS, LATENCY, REQUESTS, access_log
from api.rate_limits import Limit, judge_outside_flask
from services.catalogue.catalogue import catalogue_version

log = logging.getLogger(__name__)

# A budget in bytes (a 60-day availability answer is ~100 KB) and in entries (a caller who
# varies the query string must not be able to make a worker hold millions of tiny ones);
# each entry is charged its body, key and headers plus a fixed overhead for the objects.
_MAX_BYTES = 16 * 1024 * 1024
_MAX_ENTRIES = 4096
_ENTRY_OVERHEAD = 512
_FILL = "palm.cache.fill"  # set in the WSGI environ by a view that may be kept
# Headers that belong to one answer, not to the kept one.
_NOT_KEPT = edge.NOT_KEPT  # per-answer headers
_NOT_KEPT_PREFIXES = ("x-ratelimit-",)  # the filler's counters, not the next caller's
# What a 304 keeps (RFC 9110 §15.4.5): no body headers.
_NOT_MODIFIED_DROPS = frozenset({"content-type", "content-encoding", "content-language"})
# What the edge's 429 keeps of the kept answer: the headers every answer gets (security
# headers, Vary), none that describe the kept body.
_NOT_ON_REFUSALS = _NOT_MODIFIED_DROPS | {"etag", "last-modified", "cache-control", "expires"}


@dataclass(frozen=True)
class Entry:
    """One kept 200 answer."""

    expires: float
    version_of: Callable[[], Hashable]
    version: Hashable
    edge: bool
    endpoint: str  # route template, for metrics and the access log
    body: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str | None  # unquoted
    limit: Limit | None = None  # counted by the edge for every hit (keyed by the client's IP)

    def fresh(self, now: float) -> bool:
        return self.expires > now and self.version_of() == self.version

    def not_modified_for(self, if_none_match: str | None) -> bool:
        return _not_modified(if_none_match, self.etag)

    def flask_response(self, if_none_match: str | None) -> Response:
        """The kept answer for a view (Flask's hooks then add the per-answer headers)."""
        if self.not_modified_for(if_none_match):
            kept = [h for h in self.headers if h[0].lower() not in _NOT_MODIFIED_DROPS]
            return Response(status=304, headers=kept)
        return Response(self.body, status=200, headers=list(self.headers))

    def wsgi_headers(self, not_modified: bool, request_id: str) -> list[tuple[str, str]]:
        if not_modified:
            headers = [h for h in self.headers if h[0].lower() not in _NOT_MODIFIED_DROPS]
        else:
            headers = [*self.headers, ("Content-Length", str(len(self.body)))]
        headers.append(("X-Request-ID", request_id))
        return headers

    def refusal_headers(
        self, body: bytes, content_type: str, retry_after: str, request_id: str
    ) -> list[tuple[str, str]]:
        headers = [h for h in self.headers if h[0].lower() not in _NOT_ON_REFUSALS]
        headers += [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Retry-After", retry_after),
            ("X-Request-ID", request_id),
        ]
        return headers


_lock = threading.Lock()
_entries: dict[tuple, Entry] = {}  # oldest first (insertion order)
_size = 0  # bytes charged for the kept entries
# Keys of stale edge entries one request is computing again; the others wait for it (at
# most this long, then ask the app themselves).
_refilling: dict[tuple, threading.Event] = {}
_REFILL_WAIT_SECONDS = 2.0


def _unquoted(etag_header: str | None) -> str | None:
    """An ``ETag`` header's tag, without quotes or weakness."""
    return parse_etags(etag_header).as_set(include_weak=True).pop() if etag_header else None


def _not_modified(if_none_match: str | None, etag: str | None) -> bool:
    """Whether ``If-None-Match`` names the (unquoted) ``etag``, weakly compared."""
    return bool(etag and if_none_match) and parse_etags(if_none_match).contains_weak(etag)


def _no_write(_data: bytes) -> None:
    """The ``write`` of a deferred start (PEP 3333's legacy way to send a body): the app
    behind the cache returns its body, it never writes it."""
    raise RuntimeError("write() is not supported behind the public cache")


def _key(environ: dict[str, Any]) -> tuple:
    # The negotiated language (one of four), not the raw header: the answer depends only on
    # the former, and the latter is the caller's to vary without end.
    return (
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        language_of(environ.get("HTTP_ACCEPT_LANGUAGE", "")),
    )


def _charge(key: tuple, entry: Entry) -> int:
    """Bytes an entry is counted for against the budget."""
    headers = sum(len(k) + len(v) for k, v in entry.headers)
    return len(entry.body) + sum(len(part) for part in key) + headers + _ENTRY_OVERHEAD


def _cacheable(environ: dict[str, Any]) -> bool:
    """A GET any caller could have made: nothing personal, nothing CORS-specific."""
    return (
        environ.get("REQUEST_METHOD") == "GET"
        and "HTTP_AUTHORIZATION" not in environ
        and "HTTP_ORIGIN" not in environ
        and "HTTP_COOKIE" not in environ
    )


def _lookup(environ: dict[str, Any]) -> Entry | None:
    entry = _entries.get(_key(environ))
    if entry is None or not entry.fresh(time.monotonic()):
        return None
    return entry


def _refill_of(key: tuple) -> tuple[threading.Event, bool]:
    """The event marking ``key``'s refill, and whether this request is the one refilling."""
    with _lock:
        event = _refilling.get(key)
        if event is not None:
            return event, False
        event = _refilling[key] = threading.Event()
        return event, True


def clear() -> None:
    global _size
    with _lock:
        _entries.clear()
        _size = 0


def _limits_on() -> bool:
    return bool(limiter.enabled and limiter.initialized)


def _judged_alike(limit: Limit | None) -> bool:
    """Whether the current request (inside Flask, after its limits) was judged by exactly
    ``limit`` (or by nothing, for None), under the key the edge counts it by: the client's
    address. Otherwise the entry's hits stay inside Flask."""
    if not _limits_on():
        return True  # nothing counted either side
    view = current_app.view_functions.get(request.endpoint or "")
    declared = tuple(
        declared
        for declared in getattr(view, "palm_rate_limits", ())
        if declared.methods is None or "GET" in declared.methods
    )
    ours = (limit,) if limit is not None else ()
    by_flask_limiter = sorted(judged.key for judged in limiter.context.view_rate_limits)
    same_key = limit is None or limit.key_func() == (request.environ.get("REMOTE_ADDR") or "")
    if declared != ours or by_flask_limiter or not same_key:
        log.warning(
            "cached answers stay inside Flask: the view's limits (%s, Flask-Limiter's %s) are "
            "not those the edge would count (%s) for the client's address",
            [d.scope for d in declared],
            by_flask_limiter,
            [o.scope for o in ours],
        )
        return False
    return True


def cached_public(
    ttl_setting: str = "CATALOGUE_CACHE_SECONDS",
    version: Callable[[], Hashable] | None = None,
    *,
    edge: bool = False,
    limit: Limit | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Keep this view's 200 answers for ``ttl_setting`` seconds while ``version()`` stays.

    ``edge``: serve hits before Flask. ``limit``: the view's own per-IP limit (it is
    ``rate_limited(limit)``, keyed by ``client_ip``), which the edge then counts."""
    if version is None:
        version = catalogue_version

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            ttl = current_app.config.get(ttl_setting, 0)
            environ = request.environ
            if ttl <= 0 or not _cacheable(environ):
                return view(*args, **kwargs)
            entry = _lookup(environ)
            if entry is not None:
                return entry.flask_response(environ.get("HTTP_IF_NONE_MATCH"))
            # The version is read before the data: a change committed meanwhile makes this
            # entry stale at once instead of hiding the change for a whole lifetime.
            at_edge = edge and _judged_alike(limit)
            environ[_FILL] = (ttl, version, version(), at_edge, request.url_rule.rule, limit)
            # A revalidation that finds no fresh entry: with its condition, the view would
            # answer a 304, which cannot be kept, and every revalidation would then reach
            # the view (phones revalidate the catalogue, so the cache would stay empty from
            # its first expiry on). The view renders the whole answer instead, kept by
            # ``EdgeCache``, which answers the caller's condition from it.
            condition = environ.pop("HTTP_IF_NONE_MATCH", None)
            if condition is None:
                return view(*args, **kwargs)
            request.__dict__.pop("if_none_match", None)  # werkzeug's cached parse
            response = view(*args, **kwargs)
            etag = getattr(response, "headers", {}).get("ETag")
            if getattr(response, "status_code", 0) == 200 and _not_modified(
                condition, _unquoted(etag)
            ):
                environ[CLIENT_STATUS] = 304  # answered so by EdgeCache, logged and counted so
            return response

        return wrapper

    return decorate


def _store(environ: dict[str, Any], headers: list[tuple[str, str]], body: bytes) -> None:
    ttl, version_of, version, edge, endpoint, limit = environ[_FILL]
    kept = tuple(
        (k, v)
        for k, v in headers
        if k.lower() not in _NOT_KEPT and not k.lower().startswith(_NOT_KEPT_PREFIXES)
    )
    etag = next((v for k, v in kept if k.lower() == "etag"), None)
    entry = Entry(
        expires=time.monotonic() + ttl,
        version_of=version_of,
        version=version,
        edge=edge,
        endpoint=endpoint,
        body=body,
        headers=kept,
        etag=_unquoted(etag),
        limit=limit,
    )
    global _size
    key = _key(environ)
    charge = _charge(key, entry)
    if charge > _MAX_BYTES // 4:
        return  # never worth evicting a quarter of the cache for
    with _lock:
        replaced = _entries.pop(key, None)
        if replaced is not None:
            _size -= _charge(key, replaced)
        now = time.monotonic()
        for old_key in [k for k, e in _entries.items() if e.expires <= now]:
            _size -= _charge(old_key, _entries.pop(old_key))
        while _entries and (_size + charge > _MAX_BYTES or len(_entries) >= _MAX_ENTRIES):
            oldest = next(iter(_entries))
            _size -= _charge(oldest, _entries.pop(oldest))
        _entries[key] = entry
        _size += charge


class EdgeCache:
    """WSGI middleware: answers hits of ``edge`` entries before Flask (counting the per-IP
    limit of those that have one), and keeps the 200 answers that a ``@cached_public``
    view marked for keeping. It sits inside ``ProxyFix``, so ``REMOTE_ADDR`` is the client's
    address as the app's ``client_ip`` sees it."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], app: Any) -> None:
        self.wsgi_app = wsgi_app
        self.app = app  # its config (the limits) and its error envelope (the 429)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        if not _cacheable(environ):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        key = _key(environ)
        entry = _entries.get(key)
        refill = None
        if entry is not None and entry.edge and not entry.fresh(time.monotonic()):
            # Stale (a local write moved its version, or its lifetime ran out): one request
            # computes the answer again, and the others arriving meanwhile (during a
            # release, every worker thread at once) wait for it instead of all doing so.
            refill, leading = _refill_of(key)
            if not leading:
                refill.wait(_REFILL_WAIT_SECONDS)
                refill = None
            entry = _lookup(environ)
        try:
            if entry is not None and entry.edge:
                served = self._serve(entry, environ, start_response, started)
                if served is not None:
                    return served
            return self._through_app(environ, start_response)
        finally:
            if refill is not None:  # kept (or not: then the waiters ask the app)
                with _lock:
                    _refilling.pop(key, None)
                refill.set()

    def _through_app(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        # The answer is started only once it is known whether the view rendered a whole
        # answer to keep and, for a revalidation that refilled the cache, whether the caller
        # gets the 304 it asked for (``CLIENT_STATUS``, decided in ``cached_public``).
        # Nothing is sent before the first body bytes, so a deferred start is the same to
        # the server; an answer not kept is handed on unread (a streamed file stays one).
        started: list[tuple] = []

        def start_later(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            started.append((status, headers, exc_info))
            return _no_write

        answer = self.wsgi_app(environ, start_later)
        if not started:
            raise RuntimeError("the app returned without starting its answer")
        status, headers, exc_info = started[-1]
        if _FILL not in environ or not status.startswith("200"):
            start_response(status, headers, exc_info)
            return answer
        body = edge.read_all(answer)
        _store(environ, headers, body)
        if environ.get(CLIENT_STATUS) == 304:
            drops = _NOT_MODIFIED_DROPS | {"content-length"}
            start_response("304 NOT MODIFIED", [h for h in headers if h[0].lower() not in drops])
            return []
        start_response(status, headers, exc_info)
        return [body]

    def _serve(
        self,
        entry: Entry,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        started: float,
    ) -> list[bytes] | None:
        breach = None
        if entry.limit is not None and _limits_on():
            keyed = [(entry.limit, environ.get("REMOTE_ADDR") or "unknown")]
            try:
                _counted, breach = judge_outside_flask(keyed, environ, config=self.app.config)
            except Exception:
                # The limit store failed with no fallback: the app decides (as it would).
                return None
        request_id = edge.request_id(environ)
        if breach is not None:
            body, content_type = self._refusal(environ)
            status = 429
            start_response(
                "429 TOO MANY REQUESTS",
                entry.refusal_headers(body, content_type, str(breach.retry_after), request_id),
            )
        else:
            not_modified = entry.not_modified_for(environ.get("HTTP_IF_NONE_MATCH"))
            status = 304 if not_modified else 200
            body = b"" if not_modified else entry.body
            start_response(
                "304 NOT MODIFIED" if not_modified else "200 OK",
                entry.wsgi_headers(not_modified, request_id),
            )
        elapsed = time.perf_counter() - started
        REQUESTS.labels("GET", entry.endpoint, str(status)).inc()
        LATENCY.labels("GET", entry.endpoint).observe(elapsed)
        if access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": "GET",
                    "endpoint": entry.endpoint,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                    "cache": "hit",
                },
            )
        return [body] if body else []

    def _refusal(self, environ: dict[str, Any]) -> tuple[bytes, str]:
        """The app's own 429 envelope in the caller's language."""
        language = language_of(environ.get("HTTP_ACCEPT_LANGUAGE", ""))
        return edge.envelope_body(self.app, language, 429, "rate_limited")
