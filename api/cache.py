"""A short-lived, per-process cache of public catalogue answers.

The catalogue changes a few times a year and is read on every app start, so its GETs are
served from memory: the serialised body, its ETag and pagination header, keyed by the
route, the query string and the negotiated language. A change committed in this process
drops the cache at once (``services.catalogue.catalogue_version``); other workers and
replicas see it within ``CATALOGUE_CACHE_SECONDS`` (default 30). ``If-None-Match`` is
answered from the cached ETag without touching the database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, current_app, g, make_response, request

from services.catalogue import catalogue_version

_KEPT_HEADERS = ("ETag", "X-Pagination", "Content-Type")
_MAX_ENTRIES = 2048

_lock = threading.Lock()
_entries: dict[tuple, tuple[float, int, bytes, dict[str, str]]] = {}


def _etag_matches(etag: str) -> bool:
    return etag in request.if_none_match or "*" in request.if_none_match


def cached_public(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ttl = current_app.config.get("CATALOGUE_CACHE_SECONDS", 30)
        if ttl <= 0 or request.method != "GET":
            return view(*args, **kwargs)
        key = (request.endpoint, request.query_string, tuple(sorted(kwargs.items())), g.language)
        version = catalogue_version()
        now = time.monotonic()
        entry = _entries.get(key)
        if entry and entry[0] > now and entry[1] == version:
            _, _, body, headers = entry
            etag = headers.get("ETag", "").strip('"')
            if etag and _etag_matches(etag):
                return Response(status=304, headers={"ETag": headers["ETag"]})
            return Response(body, status=200, headers=headers)
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200:
            headers = {k: response.headers[k] for k in _KEPT_HEADERS if k in response.headers}
            with _lock:
                if len(_entries) >= _MAX_ENTRIES:
                    _entries.clear()
                _entries[key] = (now + ttl, version, response.get_data(), headers)
        return response

    return wrapper


def clear() -> None:
    with _lock:
        _entries.clear()
