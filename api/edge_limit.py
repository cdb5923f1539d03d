"""A view's per-IP rate limit, counted in front of Flask for the hits ``api.cache`` answers.

A cached availability answer is served by ``api.cache.EdgeCache`` before Flask, so
Flask-Limiter never sees it; the per-IP limit must still count every request. It is counted
here with Flask-Limiter's own strategy and storage (``limiter.limiter``: Redis, or the
in-memory fallback while Redis is down), under the very key Flask-Limiter gives the view's
limit (``[RATELIMIT_KEY_PREFIX,] client IP, endpoint``): misses (counted by Flask-Limiter)
and hits (counted here) fill the same counters, and ``limiter.reset()`` empties both. One
storage round trip per window of the limit (the default "120/minute" has one).

The entry is trusted to count alike only after checking it: when the cache keeps an answer,
``judged_alike`` compares the keys Flask-Limiter judged that very request by with the keys
this module would count for the same caller; any difference (another limit on the view, a
custom key) and the hits stay inside Flask.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from limits import RateLimitItem, parse_many

from api.extensions import limiter

log = logging.getLogger(__name__)


@lru_cache(maxsize=64)
def _items(limit_string: str) -> tuple[RateLimitItem, ...]:
    # Flask-Limiter judges a view's limits shortest window first and stops at the first
    # breach; so do we (one item for "120/minute").
    return tuple(sorted(parse_many(limit_string)))


def active() -> bool:
    """Whether Flask-Limiter limits at all (RATELIMIT_ENABLED, or switched off at run time)."""
    return bool(limiter.enabled and limiter.initialized)


@dataclass(frozen=True)
class EdgeLimit:
    """The per-IP limit of one view: its setting's name and Flask-Limiter's scope for it."""

    setting: str  # the config key holding the limit string, read per request
    scope: str  # Flask-Limiter's scope of a view's own limit: the endpoint name

    def _args(self, config: Mapping[str, Any], ip: str) -> list[str]:
        prefix = config.get("RATELIMIT_KEY_PREFIX") or ""
        return [prefix, ip, self.scope] if prefix else [ip, self.scope]

    def keys(self, config: Mapping[str, Any], ip: str) -> set[str]:
        args = self._args(config, ip)
        return {item.key_for(*args) for item in _items(config[self.setting])}

    def count(self, config: Mapping[str, Any], ip: str) -> tuple[RateLimitItem, list[str]] | None:
        """Count one request of ``ip``; the breached limit and its key arguments, or None.

        Storage errors are handled as Flask-Limiter handles them: with the in-memory
        fallback enabled, the storage is marked dead (Flask-Limiter's own flag, so both
        sides fall back together and Flask-Limiter's periodic check brings both back) and
        the request is counted in memory; without it, the error is raised.
        """
        args = self._args(config, ip)
        try:
            return self._hit(config, args)
        except Exception:
            if not limiter._in_memory_fallback_enabled or limiter._storage_dead:
                raise
            log.warning("Rate limit storage unreachable - falling back to in-memory storage")
            limiter._storage_dead = True
            return self._hit(config, args)

    def _hit(self, config: Mapping[str, Any], args: list[str]):
        strategy = limiter.limiter  # the fallback's while the storage is marked dead
        for item in _items(config[self.setting]):
            if not strategy.hit(item, *args):
                return item, args
        return None


def judged_alike(edge_limit: EdgeLimit | None, config: Mapping[str, Any], ip: str) -> bool:
    """Whether the current request (inside Flask, after the limiter) was judged by exactly
    the limits ``edge_limit`` counts for ``ip``: no more, no fewer, under the same keys."""
    if not active():
        return True  # nothing counted either side
    judged = {limit.key for limit in limiter.context.view_rate_limits}
    ours = edge_limit.keys(config, ip) if edge_limit is not None else set()
    if judged != ours:
        log.warning(
            "cached answers stay inside Flask: the limits judged (%s) are not those the edge "
            "would count (%s)",
            sorted(judged),
            sorted(ours),
        )
        return False
    return True
