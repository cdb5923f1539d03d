"""Rate limits evaluated in one Redis round trip: every window of every limit of a request.

Flask-Limiter asks Redis once per window (``"30/minute;300/hour"`` is two windows) and
once more for each limit that counts only some answers, so a route with three limits of
one or two windows each paid three to five round trips before its view ran. Here a
request's limits are declared once and judged together by one registered Lua script
(``EVALSHA``; ``api.rate_limit_redis``, its call packed around the caller's keys in a frame
made once per route and settings), in the order Flask-Limiter judges them, with the same
semantics:

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
from api.rate_limit_redis import KEY_HOLE, CallFrame, command_of, send

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


class _Shape:
    """The windows of a request's limits under the current settings, whoever the caller:
    each window's limit (its position among the request's keys), item and counting, in
    judging order, and the script's call around the callers' keys per mode and storage
    (``api.rate_limit_redis.CallFrame``). Made once per limits and settings
    (``_shapes``), never per caller: a surge is thousands of callers, each seen once or
    twice, and a call prepared per caller (kept for 512 of them) cost every new caller
    what packing from scratch costs."""

    __slots__ = ("limits", "prefix", "specs", "due", "counted_before", "frames")

    def __init__(
        self, keyed: Sequence[tuple[Limit, str]], config: Mapping[str, Any], prefix: str
    ) -> None:
        self.limits = tuple(declared for declared, _ in keyed)  # alive: the key holds ids
        self.prefix = prefix
        specs = [
            (position, item, declared)
            for position, (declared, key) in enumerate(keyed)
            if key  # as Flask-Limiter: an empty key skips the limit
            for item in _items(config[declared.config_name])
        ]
        # Shortest window first, as Flask-Limiter sorts (stable: declaration order otherwise).
        specs.sort(key=lambda spec: spec[1].GRANULARITY.seconds)
        self.specs = tuple(specs)
        self.due = tuple(spec for spec in specs if spec[2].deduct_when is not None)
        # Whether a window before the n-th counts every request (took this request's hit).
        self.counted_before = tuple(
            any(spec[2].deduct_when is None for spec in specs[:n]) for n in range(len(specs) + 1)
        )
        self.frames: dict[str, tuple[RedisStorage, CallFrame | None]] = {}

    def windows(self, specs: Sequence[tuple], keys: Sequence[str]) -> list[_Window]:
        prefix = self.prefix
        return [
            _Window(
                item,
                (prefix, keys[position], declared.scope)
                if prefix
                else (keys[position], declared.scope),
                declared.deduct_when,
                declared.cost,
            )
            for position, item, declared in specs
        ]

    def frame(self, storage: RedisStorage, mode: str) -> CallFrame | None:
        """The call's frame for ``mode`` on ``storage``; None when it would not pack the
        call ``command_of`` packs (checked once, on made-up keys)."""
        made = self.frames.get(mode)
        if made is None or made[0] is not storage:
            specs = self.specs if mode == "check" else self.due
            positions = [spec[0] for spec in specs]
            frame: CallFrame | None
            try:
                frame = CallFrame(
                    storage, self.windows(specs, [KEY_HOLE] * len(self.limits)), positions, mode
                )
                # Keys with what an escaping or folding layout would change.
                probe = [f"Probe/{{x}}:é-{n}" for n in range(len(self.limits))]
                if frame.pack(probe) != command_of(storage, self.windows(specs, probe), mode):
                    raise ValueError("the frame packs another call")
            except ValueError:
                log.warning("rate limit calls packed one by one", exc_info=True)
                frame = None
            made = self.frames[mode] = (storage, frame)
        return made[1]


class _Prepared:
    """One request's limits: their shape and the caller's keys. Its windows are made only
    when needed (a breach, a storage other than one Redis, Flask-Limiter's fallback)."""

    __slots__ = ("shape", "keys", "_windows", "_due")

    def __init__(self, shape: _Shape, keys: list[str]) -> None:
        self.shape = shape
        self.keys = keys
        self._windows: list[_Window] | None = None
        self._due: list[_Window] | None = None

    @property
    def windows(self) -> list[_Window]:
        if self._windows is None:
            self._windows = self.shape.windows(self.shape.specs, self.keys)
        return self._windows

    @property
    def due(self) -> list[_Window]:
        """The windows counted only when the answer says so (``deduct_when``)."""
        if self._due is None:
            self._due = [window for window in self.windows if not window.counted]
        return self._due

    def windows_for(self, mode: str) -> list[_Window]:
        return self.windows if mode == "check" else self.due

    def command(self, storage: RedisStorage, mode: str) -> bytes:
        frame = self.shape.frame(storage, mode)
        if frame is None:
            return command_of(storage, self.windows_for(mode), mode)
        return frame.pack(self.keys)


_shapes: dict[tuple, _Shape] = {}
_SHAPES_MAX = 64  # a few per route; more only when settings change from request to request


def _prepare(
    keyed: Sequence[tuple[Limit, str]], config: Mapping[str, Any] | None = None
) -> _Prepared:
    """The request's ``_Prepared`` for ``keyed`` under the current settings (``config``:
    the app's, when there is no app context; a changed limit string or key prefix is
    another shape)."""
    config = current_app.config if config is None else config
    prefix = limiter._key_prefix
    shape_key = (prefix, *[(id(d), config[d.config_name], not k) for d, k in keyed])
    shape = _shapes.get(shape_key)
    if shape is None:
        if len(_shapes) >= _SHAPES_MAX:
            _shapes.clear()
        shape = _shapes[shape_key] = _Shape(keyed, config, prefix)
    return _Prepared(shape, [key for _, key in keyed])


def retry_after(window_seconds: int, reset_in: float) -> int:
    """Seconds until the window lets the caller in again: at least 1, at most the window."""
    return min(window_seconds, max(1, math.ceil(reset_in)))


# --- judging on Redis, in one round trip --------------------------------------------------


def _one_trip(
    storage: RedisStorage, judged: _Prepared | list[_Window], mode: str
) -> _Breach | None:
    if isinstance(judged, _Prepared):
        command = judged.command(storage, mode)
    else:
        command = command_of(storage, judged, mode)
    answer = send(storage, command)
    position = int(answer[0])
    if not position:
        return None
    breached = _windows_in(judged, mode)[position - 1]
    previous, previous_ttl, current, current_ttl = (float(v) for v in answer[1:5])
    expiry = breached.item.get_expiry()
    # limits' get_window_stats: the earliest moment a hit leaves the weighted count.
    reset_in = math.inf
    if previous:
        reset_in = (previous_ttl / 1000) % (expiry / previous)
    if current:
        reset_in = min(reset_in, (current_ttl / 1000) % expiry)
    return _Breach(breached, retry_after(expiry, 0 if math.isinf(reset_in) else reset_in))


def _windows_in(judged: _Prepared | list[_Window], mode: str) -> list[_Window]:
    return judged.windows_for(mode) if isinstance(judged, _Prepared) else judged


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


def _judge(judged: _Prepared | list[_Window], mode: str) -> _Breach | None:
    """Judge a request's windows in ``mode``: ``judged`` is its ``_Prepared`` (its windows
    for that mode) or a list of windows."""
    if limiter._storage_dead and limiter._in_memory_fallback_enabled and not _storage_back():
        return _per_window(limiter._fallback_limiter, _windows_in(judged, mode), mode)
    storage = one_trip_storage()
    try:
        if storage is not None:
            return _one_trip(storage, judged, mode)
        return _per_window(limiter.limiter, _windows_in(judged, mode), mode)
    except Exception:
        if not limiter._in_memory_fallback_enabled or limiter._storage_dead:
            raise
        log.warning("Rate limit storage unreachable - falling back to in-memory storage")
        limiter._storage_dead = True
        return _per_window(limiter._fallback_limiter, _windows_in(judged, mode), mode)


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
    counted_before = prepared.shape.counted_before
    if not prepared.shape.specs:
        return False, None
    breach = _judge(prepared, "check")
    # The windows judged before the breach (all of them without one).
    before = len(counted_before) - 1 if breach is None else prepared.windows.index(breach.window)
    counted = counted_before[before]
    if counted:
        environ[LIMITS_JUDGED] = True
    return counted, breach


def count_outside_flask(keyed: Sequence[tuple[Limit, str]]) -> None:
    """Count an answer against the limits of ``keyed`` that count only some answers (a
    lookup's miss), as ``rate_limited`` does after the view; a failure is logged."""
    if not (limiter.enabled and limiter.initialized):
        return
    prepared = _prepare(keyed)
    if prepared.shape.due:
        try:
            _judge(prepared, "deduct")
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
            if prepared.shape.specs and request.environ.get(LIMITS_JUDGED):
                # Judged and counted in front of Flask (api.edge_*), which then handed the
                # request on (its database failed): count only what is counted after.
                _count_after(prepared)
            elif prepared.shape.specs:
                breach = _judge(prepared, "check")
                if breach is not None:
                    log.info(
                        "rate limit %s of %s exceeded",
                        breach.window.item,
                        breach.window.args[-1],
                    )
                    raise TooManyRequests(retry_after=breach.retry_after)
                _count_after(prepared)
            return view(*args, **kwargs)

        wrapper.palm_rate_limited = True  # type: ignore[attr-defined]
        wrapper.palm_rate_limits = limits  # type: ignore[attr-defined]  # read by api.cache
        return wrapper

    return decorate


def _count_after(prepared: _Prepared) -> None:
    if not prepared.shape.due:
        return
    conditional = prepared.due

    @after_this_request
    def count(response: Response) -> Response:
        due = [w for w in conditional if w.deduct_when(response)]  # type: ignore[misc]
        if due:
            try:
                # All of them (a miss, usually): the call packed from the shape's frame.
                _judge(prepared if len(due) == len(conditional) else due, "deduct")
            except Exception:  # as Flask-Limiter's swallowed deduction: the answer stands
                log.exception("could not count the answer against its rate limits")
        return response


def exempt_from_flask_limiter() -> bool:
    """Flask-Limiter request filter: routes judged here skip its own per-request work."""
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "palm_rate_limited", False))


limiter.request_filter(exempt_from_flask_limiter)
