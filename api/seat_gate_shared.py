"""The seat gate's part shared by every worker and replica, in Redis (``api.seat_gate``).

Each worker's gate lets in no more bookings of a slot than it has seats left, counting only
its own: with two workers, a slot with one seat left had two bookings in flight, and the
second went the whole booking path (the account, the key's claim, the rules, the
appointment's rows) only to meet the slot row's lock and a 409. On release day's burst that
was half the bookings that reached Flask (10 of 20 in every burst of the contention
scenario, traced per worker) and their CPU came out of the refusals' and the winners'.

Here the bookings in flight of a slot are counted in Redis, for every worker of every
replica that shares the rate limits' Redis:

- ``enter``: one script call; the booking goes in only while fewer bookings of the slot are
  in flight anywhere than the seats its tap may count, and is then a member of the slot's
  set until it leaves (a member carries an expiry, so a worker killed during a booking
  blocks no one for longer than ``IN_FLIGHT_SECONDS``);
- ``leave``: one script call that removes it and publishes the leave (the slot, and whether
  a seat was taken) on the Redis database's channel (``CHANNEL`` and its number);
- a thread per worker process listens on that channel and tells its gate, so that the taps
  waiting there count a seat another worker took, or ask the database again when a booking
  left without one, exactly as for their own worker's bookings.

Like the gate, this only ever delays: a failed call, a lost message or a Redis that is down
costs work (the worker falls back to its own count), never a seat, which the booking's
conditional update still decides. Until the listener has subscribed, and for
``QUIET_SECONDS`` after a call Redis did not answer (a Redis that hangs would otherwise cost
every tap its socket timeout), ``enter`` says ``None`` and the worker's own gate decides
alone; the listener's connection is health-checked, so a silent one is noticed.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

CHANNEL = "palm:seat-gate:left"
KEY = "palm:seat-gate:in-flight:{}"  # a sorted set per slot: member -> expiry (ms)
IN_FLIGHT_SECONDS = 30  # a member outlives any booking (the statement timeouts are shorter)
_RETRY_SECONDS = (0.1, 0.5, 1.0, 2.0, 5.0)  # between the listener's reconnections

# KEYS[1]: the slot's set. ARGV: the seats this tap may count, the member, how long it may
# stay (ms). Members whose expiry passed are dropped first (a worker that died in a
# booking). Expiries are on Redis's clock, the one clock every replica shares (each
# worker's own would let a replica whose clock runs ahead drop the others' bookings in
# flight). 1: in, 0: not now.
_ENTER = """
if redis.replicate_commands then redis.replicate_commands() end -- Redis < 5: TIME, then writes
local time = redis.call('time')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('zremrangebyscore', KEYS[1], '-inf', now)
if redis.call('zcard', KEYS[1]) >= tonumber(ARGV[1]) then
    return 0
end
redis.call('zadd', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('pexpire', KEYS[1], ARGV[3])
return 1
"""
# KEYS[1]: the slot's set. ARGV: the member, the message "<process> <slot> <0|1>", the
# channel (one per Redis database: two deployments sharing a server do not hear each other).
_LEAVE = """
redis.call('zrem', KEYS[1], ARGV[1])
redis.call('publish', ARGV[3], ARGV[2])
return 1
"""
QUIET_SECONDS = 2.0  # after a call Redis did not answer: this worker's own count decides


class SharedSeats:
    """Bookings in flight per slot across processes, in Redis at ``url``. ``on_left(slot,
    took_seat)`` is called, on the listener's thread, for each booking that left in another
    process."""

    def __init__(
        self,
        url: str,
        on_left: Callable[[int, bool], None],
        options: dict[str, Any] | None = None,
    ) -> None:
        self.url = url
        self.on_left = on_left
        # The rate limits' connection options (password, TLS, timeouts) first; a health
        # check keeps the listener from trusting a connection that went silent.
        self.options = {
            "socket_connect_timeout": 0.5,
            "socket_timeout": 0.5,
            "health_check_interval": 5,
            **(options or {}),
        }
        self.channel = CHANNEL
        self._quiet_until = 0.0
        self._lock = threading.Lock()
        self._pid: int | None = None  # the process the client and listener belong to
        self._client: Any = None
        self._enter: Any = None
        self._leave: Any = None
        self._process = ""
        self._numbers = itertools.count()
        self.listening = threading.Event()  # the listener has subscribed
        self._closed = threading.Event()

    def ready(self, wait: float = 0.0) -> bool:
        """Whether this process's listener is subscribed (waiting at most ``wait`` seconds);
        the client and listener are made on the first call in each process (after a fork)."""
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._start()
        return self.listening.wait(wait) if wait else self.listening.is_set()

    def _start(self) -> None:
        import redis

        self._client = redis.Redis.from_url(self.url, **self.options)
        self.channel = f"{CHANNEL}:{self._client.connection_pool.connection_kwargs.get('db', 0)}"
        self._enter = self._client.register_script(_ENTER)
        self._leave = self._client.register_script(_LEAVE)
        self._process = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.listening = threading.Event()
        self._pid = os.getpid()
        threading.Thread(
            target=self._listen, args=(self._process,), name="seat-gate-listener", daemon=True
        ).start()

    def enter(self, slot_id: int, seats: int) -> str | None | bool:
        """Go in if fewer than ``seats`` bookings of the slot are in flight anywhere: the
        ticket to ``leave`` with; False when not now; None when Redis cannot say (the
        worker's own gate decides alone)."""
        if time.monotonic() < self._quiet_until:
            return None
        try:
            if not self.ready():
                return None
            member = f"{self._process}-{next(self._numbers)}"
            answer = self._enter(
                keys=[KEY.format(slot_id)],
                args=[seats, member, int(IN_FLIGHT_SECONDS * 1000)],
            )
        except Exception:
            self._quiet()
            log.warning("the shared seat gate could not be asked", exc_info=True)
            return None
        return member if answer == 1 else False

    def _quiet(self) -> None:
        """Redis did not answer: no more calls from this process for ``QUIET_SECONDS`` (a
        Redis that hangs would otherwise cost every tap its socket timeout)."""
        self._quiet_until = time.monotonic() + QUIET_SECONDS

    def leave(self, slot_id: int, ticket: str, took_seat: bool) -> None:
        """A booking let in by ``enter`` has its answer: out of the slot's set, and every
        other process told."""
        if time.monotonic() < self._quiet_until:
            return  # the member expires; the other workers count alone meanwhile too
        try:
            self._leave(
                keys=[KEY.format(slot_id)],
                args=[ticket, f"{self._process} {slot_id} {int(took_seat)}", self.channel],
            )
        except Exception:  # the member expires; the waiters elsewhere stop at their deadline
            self._quiet()
            log.warning("the shared seat gate could not be told of a leave", exc_info=True)

    def prepare(self, connections: int) -> bool:
        """Before a worker's first request (``api.warm``): the listener subscribed, the two
        scripts loaded, and ``connections`` connections open (one per thread), so that a
        release day's first taps pay for none of it. Whether the listener is subscribed."""
        listening = self.ready(wait=1.0)
        try:
            self._client.script_load(_ENTER)
            self._client.script_load(_LEAVE)
            pool = self._client.connection_pool
            try:
                opened = [pool.get_connection() for _ in range(connections)]
            except TypeError:  # redis-py 5.0-5.2 wanted a command name
                opened = [pool.get_connection("PING") for _ in range(connections)]
            for connection in opened:
                pool.release(connection)
        except Exception:
            log.warning("the shared seat gate could not prepare its connections", exc_info=True)
        return listening

    def close(self) -> None:
        """Stop listening (within a second); ``enter`` then says None."""
        self._closed.set()
        self.listening.clear()

    def _listen(self, process: str) -> None:
        """Tell this process's gate of the leaves in other processes, until ``close``
        (reconnecting with a growing pause)."""
        failures = 0
        while not self._closed.is_set():
            pubsub = self._client.pubsub()
            try:
                pubsub.subscribe(self.channel)
                while not self._closed.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    if message["type"] == "subscribe" and not self._closed.is_set():
                        self.listening.set()
                        if failures:
                            log.info("the shared seat gate's listener reached Redis again")
                        failures = 0
                    elif message["type"] == "message":
                        self._heard(message["data"], process)
            except Exception:
                self.listening.clear()  # the worker's own gate decides alone meanwhile
                # The first failure of a run of them with its traceback; the retries that
                # follow (every few seconds while Redis is away) in one line each.
                if failures == 0:
                    log.warning("the shared seat gate's listener lost Redis", exc_info=True)
                else:
                    log.info("the shared seat gate's listener still cannot reach Redis")
                self._closed.wait(_RETRY_SECONDS[min(failures, len(_RETRY_SECONDS) - 1)])
                failures += 1
            finally:
                try:
                    pubsub.close()
                except Exception:
                    pass

    def _heard(self, data: bytes, process: str) -> None:
        try:
            sender, slot, took = data.decode().split(" ")
            slot_id, took_seat = int(slot), took == "1"
        except ValueError:
            return
        if sender != process:  # this process told its own gate already
            self.on_left(slot_id, took_seat)


def shared_seats_for(config: Any, on_left: Callable[[int, bool], None]) -> SharedSeats | None:
    """The shared part of the gate when the app's rate limits are kept in a single Redis,
    over TCP, TLS or a Unix socket (``BOOKING_GATE_SHARED``, on by default); None otherwise
    (memory, another storage, a cluster): each worker's gate then counts only its own
    bookings."""
    uri = config.get("RATELIMIT_STORAGE_URI") or ""
    if uri.startswith("redis+unix://"):  # the limits library's name for a Unix socket
        uri = "unix://" + uri[len("redis+unix://") :]
    if not config.get("BOOKING_GATE_SHARED", True) or not uri.startswith(
        ("redis://", "rediss://", "unix://")
    ):
        return None
    return SharedSeats(uri, on_left, dict(config.get("RATELIMIT_STORAGE_OPTIONS") or {}))
