"""The Redis side of ``api.rate_limits``: the one script that judges every window of a
request, its calls packed in the Redis protocol (``command_of`` from a request's windows;
``CallFrame`` around a request's keys, from parts made once per route and settings), and
the connections they are sent on (``send``), kept per pool and process.

A lookup's limits cost ~45 us of CPU through redis-py's ``Script`` object (the keys' text
built and encoded on every call, the command packed argument by argument, the pool's lock
and bookkeeping, a readiness poll, retry objects and instrumentation); the same call packed
from its frame and sent here costs ~15 us, for a caller never seen before as for any other.
"""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Sequence
from typing import Any

from limits.storage import RedisStorage
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.exceptions import TimeoutError as RedisTimeoutError

# Every window of a request, in one script. KEYS: the previous and the current key of each
# window. ARGV: the mode, then one text per window, "limit length(s) cost counted", counted
# being 1 when the window counts this request and 0 when it is only tested (one argument
# rather than four: each costs its encoding). Mode "check" stops at the first window over
# its limit and returns {its position, previous count, previous ttl (ms), current count,
# current ttl (ms)}, else {0}; mode "deduct" counts every window that has room. Each
# window is the body of limits' acquire_sliding_window.lua (a counted window) or of
# sliding_window.lua with limits' Python test (a tested one), unchanged.
_SCRIPT = """
local mode = ARGV[1]
local n = #KEYS / 2
for i = 1, n do
    local previous_key, current_key = KEYS[2 * i - 1], KEYS[2 * i]
    local limit, expiry, amount, counted = string.match(ARGV[i + 1], '(%d+) (%d+) (%d+) (%d)')
    limit, expiry, amount = tonumber(limit), tonumber(expiry) * 1000, tonumber(amount)
    counted = mode == 'deduct' or counted == '1'
    local current_ttl = tonumber(redis.call('pttl', current_key))
    if current_ttl > 0 and current_ttl < expiry then
        redis.call('rename', current_key, previous_key)
        redis.call('set', current_key, 0, 'PX', current_ttl + expiry)
    end
    local previous_count = tonumber(redis.call('get', previous_key)) or 0
    local previous_ttl = tonumber(redis.call('pttl', previous_key)) or 0
    local current_count = tonumber(redis.call('get', current_key)) or 0
    current_ttl = tonumber(redis.call('pttl', current_key)) or 0
    if previous_ttl <= 0 then previous_ttl = 0 end
    if current_ttl <= 0 then current_ttl = 0 end
    local over
    if counted then
        local weighted = math.floor(previous_count * previous_ttl / expiry) + current_count
        over = amount > limit or weighted + amount > limit
        if not over then
            if redis.call('exists', current_key) == 1 then
                redis.call('incrby', current_key, amount)
            else
                redis.call('set', current_key, amount, 'PX', expiry * 2)
            end
        end
    else
        over = not (previous_count * previous_ttl / expiry + current_count < limit - amount + 1)
    end
    if over and mode == 'check' then
        return {i, previous_count, previous_ttl, current_count, current_ttl}
    end
end
return {0}
"""


def script(storage: RedisStorage):
    """The script registered with the storage's client (its ``sha``), once per storage."""
    registered = getattr(storage, "_palm_windows_script", None)
    if registered is None:
        registered = storage.get_connection().register_script(_SCRIPT)
        storage._palm_windows_script = registered  # type: ignore[attr-defined]
    return registered


def command_of(storage: RedisStorage, windows: Sequence[Any], mode: str) -> bytes:
    """The script's call for ``windows`` in ``mode``, packed in the Redis protocol."""
    keys: list[str] = []
    argv: list[str] = [mode]
    for window in windows:
        key = window.item.key_for(*window.args)
        keys.append(storage.prefixed_key(storage._previous_window_key(key)))
        keys.append(storage.prefixed_key(storage._current_window_key(key)))
        item = window.item
        argv.append(f"{item.amount} {item.get_expiry()} {window.cost} {int(window.counted)}")
    parts = [b"EVALSHA", script(storage).sha.encode(), b"%d" % len(keys)]
    parts += [_utf8(text) for text in (*keys, *argv)]
    return b"*%d\r\n" % len(parts) + _framed(parts)


# Stands for a caller's key while a frame's key texts are made (``CallFrame``); never sent.
KEY_HOLE = "\x00palm-key\x00"


class CallFrame:
    """The script's call for one shape of windows (which limits, which windows of each, in
    which order, under which settings), packed around the callers' keys: the script's sha,
    the windows' key texts on either side of the key, their arguments and the protocol's
    framing are made once per shape and storage, so a caller seen for the first time costs
    what a caller seen before costs (a surge's travellers are each new: packing a call from
    scratch, ``command_of``, cost a first caller five times the call of a known one).

    ``windows``: the shape's windows in judging order, each with the key identifier
    ``KEY_HOLE`` and the position of its limit among the request's keys. Raises ``ValueError``
    when ``limits`` no longer makes a window's key by joining the key in as given (then
    ``command_of`` packs each call, as before)."""

    __slots__ = ("head", "pieces", "tail")

    def __init__(
        self, storage: RedisStorage, windows: Sequence[Any], positions: Sequence[int], mode: str
    ):
        head = [b"EVALSHA", script(storage).sha.encode(), b"%d" % (2 * len(windows))]
        argv = [mode.encode()]
        pieces = []
        for window, position in zip(windows, positions, strict=True):
            key = window.item.key_for(*window.args)
            texts = []
            for text in (
                storage.prefixed_key(storage._previous_window_key(key)),
                storage.prefixed_key(storage._current_window_key(key)),
            ):
                before, hole, after = text.partition(KEY_HOLE)
                if not hole or KEY_HOLE in after:
                    raise ValueError(f"no single place for the key in {text!r}")
                texts += [_utf8(before), _utf8(after) + b"\r\n"]
            pieces.append((position, *texts))
            item = window.item
            argv.append(
                f"{item.amount} {item.get_expiry()} {window.cost} {int(window.counted)}".encode()
            )
        self.head = b"*%d\r\n" % (len(head) + 2 * len(windows) + len(argv)) + _framed(head)
        self.pieces = tuple(pieces)
        self.tail = _framed(argv)

    def pack(self, keys: Sequence[str]) -> bytes:
        """The call for a request whose limits have ``keys`` (one per limit, by position)."""
        encoded = [_utf8(key) for key in keys]
        parts = [self.head]
        for position, previous_before, previous_after, current_before, current_after in self.pieces:
            key = encoded[position]
            parts += (
                b"$%d\r\n" % (len(previous_before) + len(key) + len(previous_after) - 2),
                previous_before,
                key,
                previous_after,
                b"$%d\r\n" % (len(current_before) + len(key) + len(current_after) - 2),
                current_before,
                key,
                current_after,
            )
        parts.append(self.tail)
        return b"".join(parts)


def _utf8(text: str) -> bytes:
    """A key's bytes for Redis (its keys are bytes): UTF-8, with any lone surrogate kept as
    it came. JSON lets a body carry one (``"\\ud800"``), a key made from the body then has
    one, and a strict encoding raised, which ``api.rate_limits`` took for Redis failing:
    one such request moved the whole process to its in-memory budgets."""
    return text.encode("utf-8", "surrogatepass")


def _framed(parts: Sequence[bytes]) -> bytes:
    return b"".join(b"$%d\r\n%s\r\n" % (len(part), part) for part in parts)


_idle_redis: dict[int, tuple[Any, int, list[Any]]] = {}  # per pool: pool, pid, idle ones
_MAX_IDLE_REDIS = 8  # per pool and process (a worker's threads); more are opened and closed


def send(storage: RedisStorage, command: bytes) -> Any:
    """Send a packed script call and read its answer: what ``Script.__call__`` does, without
    redis-py's per-command packing, retry objects and instrumentation, on a connection of
    the pool's kind and settings kept here (list pops and appends: no lock, no pool
    bookkeeping, no readiness poll; about a third of the call's CPU went there). A
    connection that broke (Redis restarted) is reconnected once, as redis-py's retry would;
    a script Redis no longer knows (``SCRIPT FLUSH``, a restart) is loaded again and the
    call repeated. A pool with a client-side cache is used as redis-py uses it."""
    client = storage.get_connection()
    pool = client.connection_pool
    if getattr(pool, "cache", None) is not None:
        connection = pool.get_connection()
        try:
            return _call(client, connection, command)
        finally:
            pool.release(connection)
    idle = _idle_of(pool)
    try:
        connection = idle.pop()
    except IndexError:
        connection = pool.connection_class(**pool.connection_kwargs)
    try:
        answer = _call(client, connection, command)
    except BaseException:
        connection.disconnect()
        raise
    _kernel_timeouts(connection)  # for its next calls
    if len(idle) < _MAX_IDLE_REDIS:
        idle.append(connection)
    else:
        connection.disconnect()
    return answer


def _kernel_timeouts(connection: Any) -> None:
    """Give the socket of a connected ``connection`` its timeout in the kernel
    (``SO_SNDTIMEO``, ``SO_RCVTIMEO``) instead of Python's: a Python socket with a timeout
    polls before every ``send`` and ``recv``, each a system call that lets go of the GIL,
    and with a worker's threads all busy every such call hands the GIL to another thread
    and waits to get it back. A call the kernel times out fails as a broken connection
    (``_call`` reconnects once, then the limits fall back as for any Redis failure)."""
    sock = getattr(connection, "_sock", None)
    timeout = sock.gettimeout() if sock is not None else None
    if not timeout:  # not connected, or blocking already (done, or no timeout to keep)
        return
    seconds = int(timeout)
    limit = struct.pack("ll", seconds, int((timeout - seconds) * 1_000_000))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, limit)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, limit)
    sock.settimeout(None)


def _idle_of(pool: Any) -> list[Any]:
    """The connections kept for ``pool`` in this process (a new list for a new pool or
    after a fork: a parent's sockets are not this process's to use)."""
    kept = _idle_redis.get(id(pool))
    if kept is None or kept[0] is not pool or kept[1] != os.getpid():
        kept = _idle_redis[id(pool)] = (pool, os.getpid(), [])
    return kept[2]


def prepare(storage: RedisStorage, connections: int) -> int:
    """Before a worker's first request (``api.warm``): the script loaded in Redis and up to
    ``connections`` connections (one per thread, at most ``_MAX_IDLE_REDIS``) opened and
    kept for ``send``, so that release day's first taps open none (each a TCP connection and
    redis-py's handshake) and none meets an unknown script. How many are kept; raises when
    Redis cannot be reached (the warm-up logs it, and the first requests open them)."""
    client = storage.get_connection()
    client.script_load(_SCRIPT)
    pool = client.connection_pool
    if getattr(pool, "cache", None) is not None:
        return 0  # such a pool's connections are redis-py's to keep (see ``send``)
    idle = _idle_of(pool)
    while len(idle) < min(connections, _MAX_IDLE_REDIS):
        connection = pool.connection_class(**pool.connection_kwargs)
        connection.connect()
        _kernel_timeouts(connection)
        idle.append(connection)
    return len(idle)


def _call(client: Any, connection: Any, command: bytes) -> Any:
    for attempt in (1, 2):
        try:
            connection.send_packed_command([command])
            return connection.read_response()
        except (RedisConnectionError, RedisTimeoutError):
            connection.disconnect()
            if attempt == 2:
                raise
        except NoScriptError:
            client.script_load(_SCRIPT)
            if attempt == 2:
                raise
    return None  # unreachable: the second attempt returns or raises
