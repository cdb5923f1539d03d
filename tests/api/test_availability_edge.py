"""Availability hits answered in front of Flask (api/cache.py, api/rate_limits.py) while the
per-IP limit keeps counting every request: the same counters as the app's limiter, the same
429, the same fallback when the limit store fails, and nothing counted when limits are off.
"""

from __future__ import annotations

import pytest

from api import cache
from api.extensions import limiter

ENDPOINT = "/api/v1/posts/<string:code>/availability"


@pytest.fixture
def edge(app, monkeypatch):
    """Cached availability, a limit of 3 a minute, and a count of requests reaching Flask."""
    monkeypatch.setitem(app.config, "AVAILABILITY_CACHE_SECONDS", 60)
    monkeypatch.setitem(app.config, "RATELIMIT_AVAILABILITY_PER_IP", "3/minute")
    middleware = app.wsgi_app
    assert isinstance(middleware, cache.EdgeCache)
    reached = {"flask": 0}
    inner = middleware.wsgi_app

    def counting(environ, start_response):
        reached["flask"] += 1
        return inner(environ, start_response)

    monkeypatch.setattr(middleware, "wsgi_app", counting)
    return reached


def _get(client, desk, **headers):
    return client.get(
        f"/api/v1/posts/{desk.post}/availability",
        query_string={"service": desk.service},
        headers=headers,
    )


def _metric(status: str) -> float:
    from api.observability import REQUESTS

    return REQUESTS.labels("GET", ENDPOINT, status)._value.get()


def _without_request_id(response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k != "X-Request-ID"}


def test_hits_skip_flask_keep_every_header_and_share_the_apps_counters(
    app, client, desk, edge, monkeypatch
):
    monkeypatch.setitem(app.config, "RATELIMIT_AVAILABILITY_PER_IP", "4/minute")
    first = _get(client, desk)
    assert first.status_code == 200 and edge["flask"] == 1
    hits_before, refusals_before = _metric("200"), _metric("429")
    hit = _get(client, desk, **{"X-Request-ID": "trace-12345678"})
    assert edge["flask"] == 1  # answered before Flask
    assert _metric("200") == hits_before + 1  # and still in the metrics
    assert hit.get_data() == first.get_data()
    # What the route answers (no Cache-Control, no Content-Language today) is what is kept.
    assert _without_request_id(hit) == _without_request_id(first)
    assert hit.headers["X-Request-ID"] == "trace-12345678"
    not_modified = _get(client, desk, **{"If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304 and edge["flask"] == 1

    # The Vietnamese answer is another entry: its miss (through Flask) is the fourth request
    # of the 4 a minute, its first hit the fifth.
    vietnamese = {"Accept-Language": "vi"}
    assert _get(client, desk, **vietnamese).status_code == 200 and edge["flask"] == 2
    refused = _get(client, desk, **vietnamese)
    assert refused.status_code == 429 and edge["flask"] == 2
    assert _metric("429") == refusals_before + 1
    # The app, reached once the entry is gone, sees the edge's counts: the very same keys.
    cache.clear()
    from_app = _get(client, desk, **vietnamese)
    assert from_app.status_code == 429 and edge["flask"] == 3
    assert refused.get_json() == from_app.get_json()
    assert refused.get_json()["message"] != "Too many requests"  # Vietnamese, as asked
    assert _without_request_id(refused).keys() == _without_request_id(from_app).keys()
    for name, value in _without_request_id(from_app).items():
        if name != "Retry-After":
            assert refused.headers[name] == value, name
    assert 1 <= int(refused.headers["Retry-After"]) <= 60

    # Emptying the limiter's counters (as the tests do between tests) empties the edge's.
    limiter.reset()
    assert [_get(client, desk).status_code for _ in range(5)] == [200, 200, 200, 200, 429]
    assert edge["flask"] == 4  # one miss filled the cache again; the rest at the edge


def test_a_hit_counts_against_the_limit_of_its_own_ip_only(app, client, desk, edge):
    for _ in range(3):
        assert _get(client, desk).status_code == 200
    assert _get(client, desk).status_code == 429
    other = client.get(
        f"/api/v1/posts/{desk.post}/availability",
        query_string={"service": desk.service},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert other.status_code == 200 and edge["flask"] == 1


def test_nothing_is_counted_when_limits_are_off(app, client, desk, edge, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", False)
    assert {_get(client, desk).status_code for _ in range(6)} == {200}
    assert edge["flask"] == 1
    monkeypatch.setattr(limiter, "enabled", True)
    assert [_get(client, desk).status_code for _ in range(4)] == [200, 200, 200, 429]


class _Broken:
    """A limit store that has gone away."""

    def hit(self, *args, **kwargs):
        raise ConnectionError("limit store down")

    test = get_window_stats = hit


def test_a_failing_limit_store_falls_back_to_memory_as_the_app_does(
    app, client, desk, edge, monkeypatch
):
    assert _get(client, desk).status_code == 200  # counted in the store, which then fails
    monkeypatch.setattr(limiter, "_limiter", _Broken())
    monkeypatch.setattr(limiter, "_storage_dead", False)  # restored after the test
    statuses = [_get(client, desk).status_code for _ in range(4)]
    # Counted afresh in the process's memory, the fallback the app's limiter uses too.
    assert statuses == [200, 200, 200, 429]
    assert limiter._storage_dead and edge["flask"] == 1
    cache.clear()
    assert _get(client, desk).status_code == 429  # the app counts in the same fallback


def test_without_a_fallback_a_failing_store_is_left_to_the_app(
    app, client, desk, edge, monkeypatch
):
    assert _get(client, desk).status_code == 200
    monkeypatch.setattr(limiter, "_limiter", _Broken())
    monkeypatch.setattr(limiter, "_storage_dead", False)
    monkeypatch.setattr(limiter, "_in_memory_fallback_enabled", False)
    _get(client, desk)
    assert edge["flask"] == 2  # the app answered, whatever its limiter makes of it


def test_an_entry_whose_limits_the_edge_would_not_count_alike_stays_in_flask(
    app, client, desk, edge, monkeypatch
):
    # The view judged by another limit than the one its cache counts (here: one keyed by
    # something else than the client's address): the hits must stay behind the limits.
    from dataclasses import replace

    from api.resources.appointments import AVAILABILITY_PER_IP

    view = app.view_functions["appointments.Availability"]
    other = replace(AVAILABILITY_PER_IP, key_func=lambda: "someone-else")
    monkeypatch.setattr(view, "palm_rate_limits", (other,))
    statuses = [_get(client, desk).status_code for _ in range(4)]
    assert edge["flask"] == 4
    assert all(not entry.edge for entry in cache._entries.values())
    assert statuses == [200, 200, 200, 429]  # the view's own limit still counts


def test_the_view_and_the_edge_judge_one_limit_with_one_mechanism(app):
    """Found in review: the edge had a limiter of its own (api.edge_limit) beside
    api.rate_limits. Availability is rate_limited, and its cache counts that same Limit."""
    from api.resources.appointments import AVAILABILITY_PER_IP

    view = app.view_functions["appointments.Availability"]
    assert view.palm_rate_limits == (AVAILABILITY_PER_IP,)
    assert AVAILABILITY_PER_IP.scope == "appointments.Availability"  # Flask-Limiter's counters


@pytest.fixture
def behind_a_proxy(app, monkeypatch):
    """The app as deployed behind one proxy (TRUSTED_PROXY_COUNT=1)."""
    from api import create_app

    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "1")
    proxied = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "AVAILABILITY_CACHE_SECONDS": 60,
            "RATELIMIT_AVAILABILITY_PER_IP": "2/minute",
        }
    )
    yield proxied
    limiter.reset()
    limiter.init_app(app)
    limiter._storage_dead = False


def test_behind_a_proxy_the_edge_counts_the_clients_address(desk, behind_a_proxy):
    client = behind_a_proxy.test_client()

    def get(address: str) -> int:
        return _get(client, desk, **{"X-Forwarded-For": address}).status_code

    assert [get("198.51.100.1") for _ in range(3)] == [200, 200, 429]
    assert get("198.51.100.2") == 200  # a hit, counted for its own address
    keys = " ".join(limiter.storage.storage)
    assert "198.51.100.1/appointments.Availability" in keys
    assert "198.51.100.2/appointments.Availability" in keys
    assert "127.0.0.1" not in keys


# --- with Redis, as in production -------------------------------------------------------
@pytest.fixture
def redis_edge(app, own_redis_for_edge, desk):
    """A second app whose limits live in a Redis of this test's own (so it can be stopped),
    with cached availability and a limit of 5 a minute."""
    from api import create_app

    url, proc = own_redis_for_edge
    limited = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_STORAGE_URI": url,
            "AVAILABILITY_CACHE_SECONDS": 60,
            "RATELIMIT_AVAILABILITY_PER_IP": "5/minute",
        }
    )
    yield limited, url, proc
    limiter.init_app(app)
    limiter._storage_dead = False  # init_app leaves Flask-Limiter's "storage is down" flag


@pytest.fixture
def own_redis_for_edge(redis_url):
    import shutil

    from bench.servers import own_redis

    if not shutil.which("redis-server"):
        pytest.fail("redis-server is not installed (scripts/test.sh installs it)")
    with own_redis() as (url, proc):
        yield url, proc


@pytest.mark.redis
def test_a_hit_costs_one_redis_round_trip_on_the_apps_own_counter(desk, redis_edge, monkeypatch):
    import redis

    limited, url, _ = redis_edge
    client = limited.test_client()
    assert _get(client, desk).status_code == 200  # the miss, counted by Flask-Limiter
    store = redis.Redis.from_url(url)
    keys = store.keys("*LIMITER/*")
    assert len(keys) == 1 and b"127.0.0.1/appointments.Availability" in keys[0]
    from redis.connection import AbstractConnection

    sent = []
    real = AbstractConnection.send_packed_command

    def send_packed_command(self, command, check_health=True):
        # Whatever sends it (redis-py's commands, or the limiter's packed script calls):
        # the command's name, the third line of the protocol's text.
        packed = b"".join(command) if isinstance(command, list | tuple) else command
        sent.append(packed.split(b"\r\n")[2].decode())
        return real(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", send_packed_command)
    inner = limited.wsgi_app.wsgi_app
    monkeypatch.setattr(limited.wsgi_app, "wsgi_app", lambda *a: pytest.fail("reached Flask"))
    assert _get(client, desk).status_code == 200  # a hit, answered before Flask
    assert sent == ["EVALSHA"]  # one script call, nothing else
    monkeypatch.setattr(limited.wsgi_app, "wsgi_app", inner)
    monkeypatch.undo()
    assert store.keys("*LIMITER/*") == keys  # the same counter as the miss
    assert [_get(client, desk).status_code for _ in range(4)] == [200, 200, 200, 429]


@pytest.mark.redis
def test_hits_stay_limited_when_redis_goes_away(desk, redis_edge):
    limited, _, redis_process = redis_edge
    client = limited.test_client()
    assert _get(client, desk).status_code == 200
    redis_process.terminate()
    redis_process.wait(timeout=10)
    # No 500s: counted in the process's memory, as the app's limiter does, from zero.
    statuses = [_get(client, desk).status_code for _ in range(6)]
    assert statuses == [200, 200, 200, 200, 200, 429]
    assert limiter._storage_dead


def test_personal_requests_are_never_answered_by_the_edge(app, client, desk, edge):
    assert _get(client, desk).status_code == 200  # an entry is there
    personal = _get(client, desk, **desk.headers)
    assert personal.status_code == 200 and edge["flask"] == 2
    assert personal.headers["Cache-Control"] == "private, no-store"
    assert "Cache-Control" not in _get(client, desk).headers and edge["flask"] == 2


def test_a_stale_entry_is_computed_again_once_while_the_others_wait(
    app, client, desk, edge, monkeypatch
):
    import threading
    import time

    from services.appointments import availability_version, slots

    monkeypatch.setitem(app.config, "RATELIMIT_AVAILABILITY_PER_IP", "100/minute")
    calls = []
    real = slots.availability

    def slow_availability(*args, **kwargs):
        calls.append(1)
        time.sleep(0.3)  # long enough for every thread below to arrive meanwhile
        return real(*args, **kwargs)

    monkeypatch.setattr(slots, "availability", slow_availability)
    first = _get(client, desk)
    assert first.status_code == 200 and len(calls) == 1
    # A write committed in this process moves the version: the entry is stale, not gone.
    monkeypatch.setattr(availability_version, "_version", availability_version._version + 1)
    answers = []

    def read() -> None:
        answers.append(_get(app.test_client(), desk))

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200] * 4
    assert {a.get_data() for a in answers} == {first.get_data()}
    assert len(calls) == 2  # one refill for the four
    assert edge["flask"] == 2 and cache._refilling == {}


def test_a_refill_made_by_someone_else_meanwhile_is_served_and_released(
    app, client, desk, edge, monkeypatch
):
    from services.appointments import availability_version

    assert _get(client, desk).status_code == 200
    kept = availability_version._version
    monkeypatch.setattr(availability_version, "_version", kept + 1)
    real_lookup = cache._lookup

    def refilled_meanwhile(environ):
        availability_version._version = kept  # as if a refill had just been kept
        return real_lookup(environ)

    monkeypatch.setattr(cache, "_lookup", refilled_meanwhile)
    assert _get(client, desk).status_code == 200 and edge["flask"] == 1  # from the edge
    assert cache._refilling == {}  # the next stale moment is not left waiting
