"""Redis down: rate limits keep working in memory; the queue loses nothing (the outbox)."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from services.core.db import db, unit_of_work
from tests.factories import PASSWORD


@pytest.fixture
def own_redis(redis_url):
    """A Redis of this test's own (so it can be stopped), on a free loopback port."""
    from bench.servers import own_redis

    if not shutil.which("redis-server"):
        pytest.fail("redis-server is not installed (scripts/test.sh installs it)")
    with own_redis() as (url, proc):
        yield url, proc


@pytest.fixture
def limited_app(app, own_redis):
    """A second app whose rate limits live in our own Redis (the limiter is shared: give it
    back to the suite's app afterwards)."""
    from api import create_app
    from api.extensions import limiter

    url, proc = own_redis
    limited = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_STORAGE_URI": url,
        }
    )
    yield limited, proc
    limiter.init_app(app)
    # init_app does not clear Flask-Limiter's "storage is down" flag, which would keep the
    # rest of the suite on the never-reset fallback storage.
    limiter._storage_dead = False


@pytest.mark.redis
def test_login_limits_survive_a_redis_outage(make, limited_app):
    limited, redis_process = limited_app
    client = limited.test_client()
    account = make.citizen()
    wrong = {"email": account.email, "password": "not the password!"}
    assert client.post("/api/v1/auth/login", json=wrong).status_code == 401

    redis_process.terminate()
    redis_process.wait(timeout=10)
    # Redis is gone: no 500s, logins still work, failures are still limited (in memory).
    right = {"email": account.email, "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=right).status_code == 200
    statuses = [client.post("/api/v1/auth/login", json=wrong).status_code for _ in range(7)]
    assert set(statuses) <= {401, 429}
    assert statuses[-1] == 429


def test_a_broker_outage_loses_no_notification(app, make, monkeypatch):
    """The broker refuses the task: the change still commits and the sweep sends it later."""
    from services.core import jobs
    from services.models import Account, Delivery
    from services.notifications.notifications import notify, register_device
    from services.notifications.push_delivery import drain

    def broker_down(task, *args, **kwargs):
        raise ConnectionError("redis://127.0.0.1:1 refused")

    monkeypatch.setattr(jobs, "enqueue", broker_down)
    citizen = make.citizen()
    with app.app_context():
        register_device(
            db.session.get(Account, citizen.id),
            token="outage-token-" + "o" * 30,
            platform="ios",
            locale="en",
            app_version=None,
        )
        with unit_of_work():
            notify(citizen.id, "status_change", "test_message")
        assert db.session.scalar(select(Delivery.status)) == "pending"
        monkeypatch.undo()
        assert drain().sent == 1  # what beat's sweep does every 30 s
        assert db.session.scalar(select(Delivery.status)) == "sent"


@pytest.mark.redis
def test_lookup_limits_survive_a_redis_outage(make, limited_app, caplog):
    """The lookups' one-round-trip limits fall back to memory as Flask-Limiter's do."""
    from api.extensions import limiter

    limited, redis_process = limited_app
    client = limited.test_client()
    post = make.post(code="FR-PAR", city="Paris")
    record = make.legalization(post)
    numbers = {
        "authentication_number": record.authentication_number,
        "sub_number": record.sub_number,
        "sticker_number": record.sticker_number,
    }
    assert client.post("/api/v1/legalizations/lookup", json=numbers).status_code == 200

    redis_process.terminate()
    redis_process.wait(timeout=10)
    statuses = [
        client.post("/api/v1/legalizations/lookup", json=numbers).status_code for _ in range(31)
    ]
    assert statuses == [200] * 30 + [429]  # a fresh budget, in memory
    assert limiter._storage_dead is True
    assert "falling back to in-memory storage" in caplog.text
    # Misses still count harder there (10 a minute), after the answer.
    miss = {**numbers, "sticker_number": "SK99999999"}
    other = {"environ_base": {"REMOTE_ADDR": "198.51.100.77"}}
    statuses = [
        client.post("/api/v1/legalizations/lookup", json=miss, **other).status_code
        for _ in range(11)
    ]
    assert statuses == [404] * 10 + [429]


@pytest.mark.redis
def test_a_redis_that_stops_answering_costs_a_lookup_its_timeouts_not_a_hang(make, limited_app):
    """The script calls' sockets wait in the kernel (no poll before each send and recv,
    which let go of the GIL): their timeout is still the storage's, so a Redis that stops
    answering costs a request the socket timeout, once and once more on a new connection,
    and then the limits fall back to memory. (Redis of its own: the pause would stall every
    test sharing the suite's.)"""
    import socket
    import struct
    import time

    from api import rate_limit_redis
    from api.extensions import limiter

    limited, _redis_process = limited_app
    client = limited.test_client()
    record = make.legalization(make.post(code="FR-PAR", city="Paris"))
    numbers = {
        "authentication_number": record.authentication_number,
        "sub_number": record.sub_number,
        "sticker_number": record.sticker_number,
    }
    assert client.post("/api/v1/legalizations/lookup", json=numbers).status_code == 200
    with limited.app_context():
        redis = limiter.storage.get_connection()
    sock = rate_limit_redis._idle_redis[id(redis.connection_pool)][2][0]._sock
    timeout = limited.config["RATELIMIT_STORAGE_OPTIONS"]["socket_timeout"]
    assert sock.gettimeout() is None  # blocking, with the kernel's timeouts instead
    seconds, microseconds = struct.unpack(
        "ll", sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, 16)
    )
    assert seconds + microseconds / 1e6 == pytest.approx(timeout)
    pause = 2.5  # seconds: every command waits that long, the script's too
    redis.client_pause(int(pause * 1000))
    paused_at = time.monotonic()
    try:
        answer = client.post("/api/v1/legalizations/lookup", json=numbers)
        waited = time.monotonic() - paused_at
    finally:  # Redis takes no command before the pause ends, CLIENT UNPAUSE included
        time.sleep(max(0.0, pause + 0.1 - (time.monotonic() - paused_at)))
    assert answer.status_code == 200  # judged in memory
    assert limiter._storage_dead is True
    assert waited < 2 * timeout + 0.7 < pause  # two timeouts (a reconnection), not the pause
