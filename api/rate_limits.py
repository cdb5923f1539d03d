"""Rate limits evaluated in one Redis round trip: every window of every limit of a request.

Flask-Limiter asks Redis once per window (``"30/minute;300/hour"`` is two windows) and
once more for each limit that counts only some answers, so a route with three limits of
one or two windows each paid three to five round trips before its view ran. Here a
request's limits are declared once and judged together by one registered Lua script
(``EVALSHA``; ``api.rate_limit_redis``, its call packed once per caller and settings), in
the order Flask-Limiter judges them, with the same semantics:

- the strategy is ``limits``' sliding-window counter (``RATELIMIT_STRATEGY =
  "sliding-window-counter"``), on the same Redis keys: ``LIMITS:{LIMITER/<key>/<scope>/
  <amount>/<multiples>/<granularity>}`` and its ``/-1`` twin for the previous window (with
  ``RATELIMIT_KEY_PREFIX`` before the key when one is set). A scope shared with routes
  still on Flask-Limiter (``limiter.shared_limit(..., scope=...)``) is one budget for both,
  and ``limiter.reset()`` (the tests' clean-up) empties these counters too;
- windows are judged from the shortest to the longest (stable for equal lengths); a limit
  that counts every request takes its hit as it is judged (only if it is not over), one
  that counts some answers only is tested; the first window over its limit stops the
  request with 429 ``rate_limited`` in the error envelope, with ``Retry-After`` computed
  from that window as ``api.errors`` does for Flask-Limiter's limits;
- a limit with ``deduct_when`` is counted after the answer, only when
  ``deduct_when(response)`` says so (a 404 miss): a second round trip, on those answers only.

Anything else is judged window by window through Flask-Limiter's own strategy object, which
is exactly what Flask-Limiter would do, with no round trip to save: the ``memory://``
storage (SQLite, development, most tests), another strategy, a Redis Cluster (a script
cannot span its slots). When Redis does not answer, the request is judged in memory, per
process, like every Flask-Limiter route (``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``; the
"storage is down" flag is Flask-Limiter's own, so both move to memory and back together;
Redis is asked again after 1, 2, 4 ... 32 s). Without the fallback, the error propagates as
it does in Flask-Limiter (a 500). ``RATELIMIT_ENABLED = False`` (or ``limiter.enabled =
False``) turns these limits off with the others.

Declaring limits, shaped like Flask-Limiter's arguments::

    PER_IP = Limit("RATELIMIT_X_PER_IP", client_ip, scope="x-ip")
    MISSES = Limit("RATELIMIT_X_MISSES", client_ip, scope="x-miss",
                   deduct_when=lambda response: response.status_code == 404)

    class X(MethodView):
        decorators = [rate_limited(PER_IP, MISSES)]

``config_name`` names a setting holding a limit string (``"10/minute;40/day"``), read per
request so that tests and deployments can change it; ``key_func`` gives the caller's key
(an empty key skips that limit, as in Flask-Limiter; it must never raise); ``scope`` names
the budget: the same scope and key on several routes is one shared budget (Flask-Limiter's
``shared_limit``). A route's own budget simply gets a scope no other route uses.
``methods=("POST",)`` limits only those methods of a view class; ``cost`` counts a request
as several. A view judged here is exempted from Flask-Limiter's own per-request work (a
request filter), so a view uses one or the other, not both.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any

from flask import Response, after_this_request, current_app, request
from limits import RateLimitItem, parse_many
from limits.storage import RedisClusterStorage, RedisStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from werkzeug.exceptions import TooManyRequests

from api import errors as api_errors
from api.extensions import client_ip, limiter
from api.json_body import request_json
from api.rate_limit_redis import command_of, send

log = logging.getLogger(__name__)

_BACKOFF_MAX = 32  # seconds between two checks of a storage that went away


@dataclass(frozen=True)
class Limit:
    """One declared limit: a setting naming its windows, whose key, which budget."""

    config_name: str
    key_func: Callable[[], str]
    scope: str
    deduct_when: Callable[[Response], bool] | None = None
    cost: int = 1
    methods: tuple[str, ...] | None = None  # only these HTTP methods (upper case); None: all


class BodyKey:
    """A limit's key made from the request's parsed JSON body and the client's address, for
    a route also answered in front of Flask (``api.edge_lookups``): the view calls it with
    no argument (it reads the request), the edge calls ``of(raw_body, ip)`` with what it
    has. One definition of the key for both, so the two can never count different
    budgets. ``of`` must never raise (any parsed JSON value may come). ``in_view``: a
    cheaper way to the same key inside Flask (``client_ip`` for ``BY_IP``)."""

    __slots__ = ("of", "in_view")

    def __init__(
        self, of: Callable[[Any, str], str], in_view: Callable[[], str] | None = None
    ) -> None:
        self.of = of
        self.in_view = in_view

    def __call__(self) -> str:
        if self.in_view is not None:
            return self.in_view()
        return self.of(request_json().value, client_ip())


BY_IP = BodyKey(lambda _body, ip: ip, client_ip)  # the client's address


@dataclass(frozen=True)
class _Window:
    item: RateLimitItem
    args: tuple[str, ...]  # the identifiers of its key (prefix, key, scope)
    deduct_when: Callable[[Response], bool] | None  # None: every request counts
    cost: int

    @property
    def counted(self) -> bool:
        return self.deduct_when is None


@dataclass(frozen=True)
class _Breach:
    window: _Window
    retry_after: int  # seconds


@lru_cache(maxsize=64)
def _items(limit_string: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limit_string))


def _keyed(limits: Sequence[Limit]) -> list[tuple[Limit, str]]:
    """The request's limits with their keys."""
    return [
        (declared, declared.key_func())
        for declared in limits
        if declared.methods is None or request.method in declared.methods
    ]


def _windows(limits: Sequence[Limit]) -> list[_Window]:
    return _prepare(_keyed(limits)).windows


def _windows_of(
    keyed: Sequence[tuple[Limit, str]], config: Mapping[str, Any] | None = None
) -> list[_Window]:
    config = current_app.config if config is None else config
    prefix = limiter._key_prefix
    windows = []
    for declared, key in keyed:
        if not key:
            continue  # as Flask-Limiter: an empty key skips the limit
        args = (prefix, key, declared.scope) if prefix else (key, declared.scope)
        for item in _items(config[declared.config_name]):
            windows.append(_Window(item, args, declared.deduct_when, declared.cost))
    # Shortest window first, as Flask-Limiter sorts (stable: declaration order otherwise).
    windows.sort(key=lambda window: window.item.GRANULARITY.seconds)
    return windows


class _Prepared:
    """The windows of one request's (limit, key) pairs and their packed script calls, built
    once per caller and settings (``_prepared``) rather than on every request: the keys'
    text, their encoding and the protocol's framing were a third of a lookup's limits."""

    __slots__ = ("limits", "windows", "due", "commands")

    def __init__(self, limits: tuple[Limit, ...], windows: list[_Window]) -> None:
        self.limits = limits  # kept alive: the cache key holds their ids
        self.windows = windows
        self.due = [window for window in windows if not window.counted]
        self.commands: dict[str, tuple[RedisStorage, bytes]] = {}

    def command(self, storage: RedisStorage, mode: str) -> bytes:
        made = self.commands.get(mode)
        if made is None or made[0] is not storage:
            windows = self.windows if mode == "check" else self.due
            made = self.commands[mode] = (storage, command_of(storage, windows, mode))
        return made[1]


_prepared: dict[tuple, _Prepared] = {}
_PREPARED_MAX = 512  # callers remembered per process (~2.5 KB each); all forgotten beyond


def _prepare(
    keyed: Sequence[tuple[Limit, str]], config: Mapping[str, Any] | None = None
) -> _Prepared:
    """The ``_Prepared`` of ``keyed`` under the current settings (``config``: the app's,
    when there is no app context; a changed limit string or key prefix is another entry)."""
    config = current_app.config if config is None else config
    cache_key = (limiter._key_prefix, *[(id(d), config[d.config_name], k) for d, k in keyed])
    prepared = _prepared.get(cache_key)
    if prepared is None:
        if len(_prepared) >= _PREPARED_MAX:
            _prepared.clear()
        prepared = _prepared[cache_key] = _Prepared(
            tuple(declared for declared, _ in keyed), _windows_of(keyed, config)
        )
    return prepared


def retry_after(window_seconds: int, reset_in: float) -> int:
    """Seconds until the window lets the caller in again: at least 1, at most the window."""
    return min(window_seconds, max(1, math.ceil(reset_in)))


# --- judging on Redis, in one round trip --------------------------------------------------


def _one_trip(
    storage: RedisStorage, windows: list[_Window], mode: str, prepared: _Prepared | None
) -> _Breach | None:
    command = prepared.command(storage, mode) if prepared else command_of(storage, windows, mode)
    answer = send(storage, command)
    position = int(answer[0])
    if not position:
        return None
    breached = windows[position - 1]
    previous, previous_ttl, current, current_ttl = (float(v) for v in answer[1:5])
    expiry = breached.item.get_expiry()
    # limits' get_window_stats: the earliest moment a hit leaves the weighted count.
    reset_in = math.inf
    if previous:
        reset_in = (previous_ttl / 1000) % (expiry / previous)
    if current:
        reset_in = min(reset_in, (current_ttl / 1000) % expiry)
    return _Breach(breached, retry_after(expiry, 0 if math.isinf(reset_in) else reset_in))


# --- judging through the strategy object, window by window ---------------------------------


def _per_window(strategy, windows: list[_Window], mode: str) -> _Breach | None:
    for window in windows:
        if mode == "deduct" or window.counted:
            allowed = strategy.hit(window.item, *window.args, cost=window.cost)
        else:
            allowed = strategy.test(window.item, *window.args, cost=window.cost)
        if not allowed and mode == "check":
            stats = strategy.get_window_stats(window.item, *window.args)
            # api.errors's clock (the tests run the in-memory limiter on a clock of theirs).
            reset_in = stats.reset_time - api_errors.time.time()
            return _Breach(window, retry_after(window.item.get_expiry(), reset_in))
    return None


# --- storage outages ---------------------------------------------------------------------

_recheck = {"at": 0.0, "wait": 1.0}


def _storage_back() -> bool:
    """Whether a storage that went away answers again (asked with a growing pause)."""
    now = time.monotonic()
    if now < _recheck["at"]:
        return False
    wait = _recheck["wait"]
    _recheck["at"], _recheck["wait"] = now + wait, (wait * 2 if wait < _BACKOFF_MAX else 1.0)
    if limiter.storage.check():
        log.info("Rate limit storage recovered")
        limiter._storage_dead = False
        _recheck["at"], _recheck["wait"] = 0.0, 1.0
        return True
    return False


def one_trip_storage() -> RedisStorage | None:
    """The limits' Redis when every window of a request is judged there in one round trip
    (a single server and the sliding-window counter); None otherwise (memory, a cluster)."""
    storage = limiter.storage
    if (
        isinstance(storage, RedisStorage)
        and not isinstance(storage, RedisClusterStorage)
        and isinstance(limiter.limiter, SlidingWindowCounterRateLimiter)
    ):
        return storage
    return None


def _judge(windows: list[_Window], mode: str, prepared: _Prepared | None = None) -> _Breach | None:
    if limiter._storage_dead and limiter._in_memory_fallback_enabled and not _storage_back():
        return _per_window(limiter._fallback_limiter, windows, mode)
    storage = one_trip_storage()
    try:
        if storage is not None:
            return _one_trip(storage, windows, mode, prepared)
        return _per_window(limiter.limiter, windows, mode)
    except Exception:
        if not limiter._in_memory_fallback_enabled or limiter._storage_dead:
            raise
        log.warning("Rate limit storage unreachable - falling back to in-memory storage")
        limiter._storage_dead = True
        return _per_window(limiter._fallback_limiter, windows, mode)


# Set in the WSGI environ by an answer given in front of Flask once it has counted this
# request's windows: if it then hands the request to the app, the view does not count again.
LIMITS_JUDGED = "palm.rate_limits.judged"


def judge_outside_flask(
    keyed: Sequence[tuple[Limit, str]],
    environ: dict[str, Any],
    *,
    config: Mapping[str, Any] | None = None,
) -> tuple[bool, _Breach | None]:
    """Judge ``limits`` for the given keys as ``rate_limited`` would, for an answer given in
    front of Flask (an app context, no request): whether any window took this request's hit
    before a breach, and the breach (None when every window had room). Once a window has
    counted the request, ``environ`` is marked ``LIMITS_JUDGED``: should the request go on to
    the app after all, the view counts nothing more. Limits that count only some answers are
    tested, as before a view; ``count_outside_flask`` counts them. ``config``: the app's, for
    a caller without an app context (``api.cache``'s hits)."""
    if not (limiter.enabled and limiter.initialized):
        return False, None
    prepared = _prepare(keyed, config)
    windows = prepared.windows
    if not windows:
        return False, None
    breach = _judge(windows, "check", prepared)
    judged = windows if breach is None else windows[: windows.index(breach.window)]
    counted = any(window.counted for window in judged)
    if counted:
        environ[LIMITS_JUDGED] = True
    return counted, breach


def count_outside_flask(keyed: Sequence[tuple[Limit, str]]) -> None:
    """Count an answer against the limits of ``keyed`` that count only some answers (a
    lookup's miss), as ``rate_limited`` does after the view; a failure is logged."""
    if not (limiter.enabled and limiter.initialized):
        return
    prepared = _prepare(keyed)
    if prepared.due:
        try:
            _judge(prepared.due, "deduct", prepared)
        except Exception:  # as after a view: the answer stands
            log.exception("could not count the answer against its rate limits")


# --- the view decorator --------------------------------------------------------------------


def rate_limited(*limits: Limit) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Judge ``limits`` before the view (one round trip on Redis); count the ``deduct_when``
    ones after the answer when it says so."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not (limiter.enabled and limiter.initialized):
                return view(*args, **kwargs)
            prepared = _prepare(_keyed(limits))
            windows = prepared.windows
            if windows and request.environ.get(LIMITS_JUDGED):
                # Judged and counted in front of Flask (api.edge_*), which then handed the
                # request on (its database failed): count only what is counted after.
                _count_after(windows)
            elif windows:
                breach = _judge(windows, "check", prepared)
                if breach is not None:
                    log.info(
                        "rate limit %s of %s exceeded",
                        breach.window.item,
                        breach.window.args[-1],
                    )
                    raise TooManyRequests(retry_after=breach.retry_after)
                _count_after(windows)
            return view(*args, **kwargs)

        wrapper.palm_rate_limited = True  # type: ignore[attr-defined]
        wrapper.palm_rate_limits = limits  # type: ignore[attr-defined]  # read by api.cache
        return wrapper

    return decorate


def _count_after(windows: list[_Window]) -> None:
    conditional = [window for window in windows if not window.counted]
    if not conditional:
        return

    @after_this_request
    def count(response: Response) -> Response:
        due = [w for w in conditional if w.deduct_when(response)]  # type: ignore[misc]
        if due:
            try:
                _judge(due, "deduct")
            except Exception:  # as Flask-Limiter's swallowed deduction: the answer stands
                log.exception("could not count the answer against its rate limits")
        return response


def exempt_from_flask_limiter() -> bool:
    """Flask-Limiter request filter: routes judged here skip its own per-request work."""
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "palm_rate_limited", False))


limiter.request_filter(exempt_from_flask_limiter)
