"""The seat gate shared by every worker (``api.seat_gate_shared``), on the test command's
real Redis: two gates stand for two gunicorn workers (each its own ``SharedSeats``, as each
process has its own)."""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from datetime import timedelta

import pytest

from api import seat_gate, seat_gate_shared
from api.edge_refusals import EdgeRefusals
from api.seat_gate import SeatGate
from api.seat_gate_shared import SharedSeats, shared_seats_for
from tests.api.edge_support import reaching_flask
from tests.api.test_seat_gate import _edge, kept  # noqa: F401
from tests.services.appointments.appointment_support import START
from tests.services.appointments.test_appointments_concurrency import (  # noqa: F401
    booking,
    citizens,
    race,
    server,  # the fixture: a threaded server on 127.0.0.1
)
from tests.serving import served

_opened: list[SharedSeats] = []


@pytest.fixture(autouse=True)
def _close_listeners():
    yield
    while _opened:
        _opened.pop().close()


def _gate(url: str) -> SeatGate:
    gate = SeatGate()
    gate.shared = SharedSeats(url, gate.remote_left)
    _opened.append(gate.shared)
    return gate


def _worker(url: str) -> SeatGate:
    gate = _gate(url)
    assert gate.shared.ready(wait=5.0), "the listener did not subscribe"
    return gate


@pytest.fixture
def slot_id() -> int:
    # Each test its own slot (and key), whatever ran before on this Redis database.
    return random.randrange(10**9, 2 * 10**9)


def _until(condition, seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


def test_a_slot_with_one_seat_has_one_booking_in_flight_across_workers(redis_url, slot_id):
    first, second = _worker(redis_url), _worker(redis_url)
    with first.watch(slot_id) as mine, second.watch(slot_id) as theirs:
        assert mine.enter(1)
        ticket = mine.ticket
        assert ticket is not None
        # The other worker has nothing in flight of its own, yet keeps its tap out.
        assert not theirs.enter(1)
        assert second.in_flight(slot_id) == 0
        first.leave(slot_id, took_seat=True, ticket=ticket)
        # The other worker hears the seat taken: by its count none is left (no question
        # to the database needed to know it must ask one).
        assert _until(lambda: theirs.seats_counted(1) == 0)


def test_a_booking_that_left_without_a_seat_elsewhere_lets_the_waiter_in(redis_url, slot_id):
    first, second = _worker(redis_url), _worker(redis_url)
    with first.watch(slot_id) as mine, second.watch(slot_id) as theirs:
        assert mine.enter(1)
        assert not theirs.enter(1)
        first.leave(slot_id, took_seat=False, ticket=mine.ticket)
        # Only the database knows what is left now (once the leave is heard): ask again,
        # then go in.
        assert _until(lambda: theirs.seats_counted(1) is None)
        assert theirs.ask("tap", lambda callers: [1], time.monotonic() + 10) == 1
        assert theirs.enter(1) and theirs.ticket is not None


def test_seats_are_counted_across_workers_up_to_the_seats_left(redis_url, slot_id):
    workers = [_worker(redis_url) for _ in range(3)]
    let_in = 0
    with workers[0].watch(slot_id) as a, workers[1].watch(slot_id) as b:
        with workers[2].watch(slot_id) as c:
            for watch in (a, b, c, a, b, c):
                let_in += watch.enter(2)
    assert let_in == 2


def test_a_worker_that_died_during_a_booking_blocks_no_one_past_its_expiry(
    redis_url, slot_id, monkeypatch
):
    first, second = _worker(redis_url), _worker(redis_url)
    monkeypatch.setattr(seat_gate_shared, "IN_FLIGHT_SECONDS", 0.2)
    with first.watch(slot_id) as dying, second.watch(slot_id) as theirs:
        assert dying.enter(1)  # and never leaves
        assert not theirs.enter(1)
        time.sleep(0.3)
        assert theirs.enter(1)


def test_a_replica_whose_clock_runs_ahead_does_not_drop_the_others_bookings(
    redis_url, slot_id, monkeypatch
):
    """Expiries are on Redis's clock: a replica an hour ahead (or behind) of another sees
    the other's booking in flight, and cannot take the slot's one seat beside it."""
    import types

    first, second = _worker(redis_url), _worker(redis_url)
    with first.watch(slot_id) as mine, second.watch(slot_id) as theirs:
        assert mine.enter(1)
        for skew in (3600, -3600):
            ahead = types.SimpleNamespace(
                time=lambda skew=skew: time.time() + skew, monotonic=time.monotonic
            )
            monkeypatch.setattr(seat_gate_shared, "time", ahead)
            assert not theirs.enter(1)
        monkeypatch.setattr(seat_gate_shared, "time", time)
        first.leave(slot_id, took_seat=False, ticket=mine.ticket)
        assert _until(lambda: theirs.seats_counted(1) is None)
        assert theirs.ask("tap", lambda callers: [1], time.monotonic() + 10) == 1
        assert theirs.enter(1)


def test_a_tap_kept_out_looks_again_even_if_no_leave_is_heard(redis_url, slot_id):
    first, second = _worker(redis_url), _worker(redis_url)
    with first.watch(slot_id) as mine, second.watch(slot_id) as theirs:
        assert mine.enter(1)
        assert not theirs.enter(1)
        started = time.monotonic()
        assert not theirs.wait(started + 2.0)  # nothing finished: it did not wake for one
        assert time.monotonic() - started < seat_gate.SHARED_RECHECK_SECONDS + 0.5


def test_without_redis_each_worker_counts_its_own(slot_id):
    # Nothing listens on this port: the gate decides alone, as it did before sharing (a
    # live Redis would have subscribed the listener well within the pause).
    gate = _gate("redis://127.0.0.1:9/0")
    assert not gate.shared.ready(wait=0.5)
    with gate.watch(slot_id) as watch:
        assert watch.enter(1) and watch.ticket is None
        assert not watch.enter(1)
    gate.leave(slot_id, took_seat=True, ticket=None)
    assert gate.in_flight(slot_id) == 0


def test_a_redis_that_stops_answering_leaves_the_worker_its_own_count(redis_url, slot_id):
    gate = _worker(redis_url)
    calls: list[int] = []

    def failing(**_kwargs):
        calls.append(1)
        raise ConnectionError("Redis went away")

    gate.shared._enter = failing
    with gate.watch(slot_id) as watch:
        assert watch.enter(1) and watch.ticket is None
    gate.leave(slot_id, took_seat=False, ticket=None)
    # For a while, this worker does not ask again: a hung Redis costs one timeout, not one
    # per tap.
    with gate.watch(slot_id) as watch:
        assert watch.enter(1) and watch.ticket is None
    gate.leave(slot_id, took_seat=False, ticket=None)
    assert calls == [1]


def test_a_failure_inside_the_shared_gate_gives_the_seat_count_back(redis_url, slot_id):
    gate = _worker(redis_url)

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug, or a thread that could not start")

    gate.shared.enter = broken
    with gate.watch(slot_id) as watch:
        assert watch.enter(1) and watch.ticket is None  # this worker's count decided
    gate.leave(slot_id)
    assert gate.in_flight(slot_id) == 0


def test_a_leave_is_out_of_redis_before_this_workers_waiters_are_woken(redis_url, slot_id):
    """This process does not hear its own leave: a tap here woken by it must find the
    slot's set in Redis without that booking, or it is kept out until its next look."""
    import redis

    gate = _worker(redis_url)
    in_redis_when_woken: list[int] = []
    finished = gate._finished

    def noting(*args):
        in_redis_when_woken.append(
            redis.Redis.from_url(redis_url).zcard(seat_gate_shared.KEY.format(slot_id))
        )
        finished(*args)

    gate._finished = noting
    with gate.watch(slot_id) as watch:
        assert watch.enter(1) and watch.ticket is not None
        gate.leave(slot_id, took_seat=False, ticket=watch.ticket)
    assert in_redis_when_woken == [0]


def test_workers_on_another_redis_database_do_not_hear_each_other(redis_url, slot_id):
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(redis_url)
    other_database = urlunsplit(parts._replace(path=f"/{(int(parts.path[1:] or 0) + 1) % 16}"))
    here, elsewhere, beside = _worker(redis_url), _worker(other_database), _worker(redis_url)
    with elsewhere.watch(slot_id) as theirs, beside.watch(slot_id) as neighbour:
        with here.watch(slot_id) as mine:
            assert mine.enter(1)
            here.leave(slot_id, took_seat=True, ticket=mine.ticket)
        assert _until(lambda: neighbour.seats_counted(1) == 0)  # heard on the same database
        assert theirs.seats_counted(1) == 1  # not on another one


def test_only_a_single_redis_of_the_rate_limits_is_shared():
    on_left = SeatGate().remote_left
    redis = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/1"}
    assert isinstance(shared_seats_for(redis, on_left), SharedSeats)
    assert shared_seats_for({**redis, "BOOKING_GATE_SHARED": False}, on_left) is None
    assert shared_seats_for({"RATELIMIT_STORAGE_URI": "memory://"}, on_left) is None
    assert shared_seats_for({"RATELIMIT_STORAGE_URI": "redis+cluster://h:1"}, on_left) is None
    # The limits library's Unix socket, in redis-py's spelling.
    socket = shared_seats_for({"RATELIMIT_STORAGE_URI": "redis+unix:///run/r.sock?db=3"}, on_left)
    assert socket.url == "unix:///run/r.sock?db=3"
    options = {**redis, "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": 0.2, "password": "x"}}
    shared = shared_seats_for(options, on_left)
    assert shared.options["socket_timeout"] == 0.2 and shared.options["password"] == "x"


@pytest.fixture
def two_workers(app, kept, redis_url, server):  # noqa: F811
    """The app served twice over HTTP, each with its own edge and gate sharing Redis, as two
    gunicorn workers are: (its address, the other's address)."""
    first = _edge(app)
    first.gate.shared = SharedSeats(redis_url, first.gate.remote_left)
    second = EdgeRefusals(first.wsgi_app, app)  # the same Flask app behind a second edge
    second.gate.shared = SharedSeats(redis_url, second.gate.remote_left)
    _opened.extend([first.gate.shared, second.gate.shared])
    assert first.gate.shared.ready(wait=5.0) and second.gate.shared.ready(wait=5.0)
    try:
        with served(second) as url:
            yield server, url
    finally:
        first.gate.shared = None


@pytest.mark.postgres
def test_a_burst_split_between_two_workers_sends_no_more_bookings_to_flask_than_seats(
    app, make, desk, two_workers, monkeypatch
):
    """Twenty taps at once on two seats, half to each worker, over real HTTP: two bookings,
    every other tap a clean 409. Each worker alone would let two in (four bookings, two of
    them going the whole way for a 409); sharing the count lets two in, or three when a
    tap asks between a booking's leave and the other worker hearing of it."""
    monkeypatch.setitem(app.config, "BOOKING_GATE_WAIT_MS", 30_000)  # never times out here
    slot = make.slot(desk.post, desk.service, START + timedelta(days=6), capacity=2)
    people = citizens(make, 20)
    calls = [
        booking(two_workers[n % 2], desk, slot.id, headers, applicant)
        for n, (headers, applicant) in enumerate(people)
    ]
    with reaching_flask(app) as seen:
        results = race(calls)
    assert Counter(results) == {(201, None): 2, (409, "slot_full"): 18}
    assert 2 <= len(seen) <= 3


def test_a_worker_prepares_the_shared_gate_before_its_first_tap(redis_url):
    import redis

    redis.Redis.from_url(redis_url).script_flush()  # as after a Redis restart
    shared = _gate(redis_url).shared
    assert shared.prepare(3)
    client = shared._client
    assert client.script_exists(shared._enter.sha, shared._leave.sha) == [True, True]
    assert len(client.connection_pool._available_connections) >= 3


def test_preparing_without_redis_says_so_and_does_not_raise():
    assert not _gate("redis://127.0.0.1:9/0").shared.prepare(2)


def test_workers_share_the_gate_over_a_unix_socket(redis_url, slot_id, tmp_path):
    """A Redis reached over a Unix socket (``redis+unix://``, as the rate limits name it) is
    shared as one over TCP is: a Redis of the test's own, listening on a socket only."""
    import shutil
    import subprocess

    redis_server = shutil.which("redis-server")
    if redis_server is None:  # a REDIS_URL given from outside, with no server here
        if os.environ.get("CI", "").lower() == "true":  # as the suite's own rule reads it
            pytest.fail("no redis-server: the test command installs it in CI")
        pytest.skip("needs redis-server on PATH (scripts/test.sh installs it)")
    socket = tmp_path / "redis.sock"
    process = subprocess.Popen(
        [
            redis_server,
            "--port",
            "0",
            "--unixsocket",
            str(socket),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        assert _until(socket.exists, 5.0), "redis-server did not open its socket"
        config = {"RATELIMIT_STORAGE_URI": f"redis+unix://{socket}?db=4"}
        first, second = SeatGate(), SeatGate()
        for gate in (first, second):
            gate.shared = shared_seats_for(config, gate.remote_left)
            _opened.append(gate.shared)
            assert gate.shared.ready(wait=5.0), "the listener did not subscribe"
        assert first.shared.channel.endswith(":4")
        with first.watch(slot_id) as mine, second.watch(slot_id) as theirs:
            assert mine.enter(1) and not theirs.enter(1)
            first.leave(slot_id, took_seat=True, ticket=mine.ticket)
            assert _until(lambda: theirs.seats_counted(1) == 0)
    finally:
        for shared in _opened:
            shared.close()
        process.terminate()
        process.wait(5)
