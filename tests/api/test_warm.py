"""A web worker warmed before its first request (``api.warm``, ``gunicorn.conf.py``)."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path
from types import SimpleNamespace

import flask_babel
import pytest
from flask import Flask
from sqlalchemy import func, select, text

from api import edge
from api.warm import warm_worker
from services.core.db import db
from services.core.languages import LANGUAGES
from services.models import Appointment, IdempotencyRecord

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.fixture(autouse=True)
def unfrozen():
    """A warmed worker freezes its objects; the test process must not stay frozen."""
    yield
    gc.unfreeze()


def _envelopes(app) -> set[str]:
    made = edge._envelopes.get(app, {})  # noqa: SLF001
    return {language for language, _status, error in made if error == "slot_full"}


def _counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Appointment)),
        db.session.scalar(select(func.count()).select_from(IdempotencyRecord)),
    )


def test_a_warmed_worker_has_every_language_loaded_and_its_start_up_objects_frozen(
    app, monkeypatch
):
    from services.core import i18n

    shown = []
    real_display = i18n.display

    def display(value):
        shown.append((str(flask_babel.get_locale()), type(value).__name__))
        return real_display(value)

    monkeypatch.setattr(i18n, "display", display)
    edge.clear()
    with app.app_context():
        before = _counts()
    warm_worker(app, connections=2)
    assert _envelopes(app) == set(LANGUAGES)  # each language's catalogue, and its envelope
    locales = {i18n.locale_of(language) for language in LANGUAGES}
    assert {(locale, "datetime") for locale in locales} | {
        (locale, "Money") for locale in locales
    } == set(shown)  # each language's Babel data: dates and money
    assert gc.get_freeze_count() > 0
    with app.app_context():
        assert _counts() == before  # nothing written


def test_warming_can_be_turned_off(app, monkeypatch):
    edge.clear()
    monkeypatch.setitem(app.config, "WARM_WORKER", False)
    warm_worker(app, connections=2)
    assert _envelopes(app) == set() and gc.get_freeze_count() == 0


def test_a_worker_that_cannot_warm_serves_anyway(app, monkeypatch):
    def unreachable(count, **warming):
        raise ConnectionError("no database yet")

    monkeypatch.setattr("services.core.db.open_connections", unreachable)
    warm_worker(app, connections=2)  # does not raise
    assert gc.get_freeze_count() > 0


def test_a_part_that_cannot_warm_leaves_the_others_warmed(app, monkeypatch):
    """A database not reachable yet at a worker's start: the languages and the seat gate
    are warmed all the same."""
    from api import warm

    done = []

    def unreachable(connections):
        raise OSError("no database yet")

    monkeypatch.setattr(warm, "_database", unreachable)
    monkeypatch.setattr(warm, "_languages", lambda app: done.append("languages"))
    monkeypatch.setattr(warm, "_seat_gate", lambda app, n: done.append("seat gate"))
    monkeypatch.setattr(warm, "_rate_limits", lambda n: done.append("rate limits"))
    warm_worker(app, connections=2)
    assert done == ["languages", "seat gate", "rate limits"]


@pytest.mark.redis
def test_a_warmed_worker_has_its_rate_limits_connections_open_and_script_loaded(
    redis_limited_app,
):
    """Release day's first taps open no Redis connection and meet no unknown script: the
    warm-up kept one connection per thread for ``send`` and loaded the script."""
    from api import rate_limit_redis
    from api.extensions import limiter

    with redis_limited_app.app_context():
        storage = limiter.storage
        redis = storage.get_connection()
        redis.script_flush()
        pool = redis.connection_pool
        rate_limit_redis._idle_redis.pop(id(pool), None)  # noqa: SLF001 (a new worker)
        warm_worker(redis_limited_app, connections=3)
        kept = rate_limit_redis._idle_redis[id(pool)][2]  # noqa: SLF001
        assert len(kept) == 3
        assert redis.script_exists(rate_limit_redis.script(storage).sha) == [True]
        # the kept connections are open, and the first call uses one of them
        assert all(connection._sock is not None for connection in kept)  # noqa: SLF001
        rate_limit_redis.send(storage, b"*1\r\n$4\r\nPING\r\n")
        assert len(kept) == 3
        # never more than send keeps
        assert rate_limit_redis.prepare(storage, 100) == rate_limit_redis._MAX_IDLE_REDIS


def test_gunicorn_warms_this_projects_workers_only(app):
    hook = runpy.run_path(str(CONF))["post_worker_init"]
    edge.clear()
    other = Flask("bench.baseline_app")
    hook(SimpleNamespace(wsgi=other, cfg=SimpleNamespace(threads=2)))
    assert gc.get_freeze_count() == 0
    hook(SimpleNamespace(wsgi=app, cfg=SimpleNamespace(threads=2)))
    assert _envelopes(app) == set(LANGUAGES)


@pytest.mark.postgres
def test_a_warmed_worker_has_its_connections_open(app):
    from services.appointments import refusals
    from services.core import db as database

    servers = []

    def each(session):
        servers.append(session.execute(text("SELECT pg_backend_pid()")).scalar())

    with app.app_context():
        engine = db.engine
        database._idle_connections.pop(engine, None)  # noqa: SLF001 (a new worker)
        assert database.open_connections(3, each=each, kept_reads=refusals.warm_reads()) == 3
        assert engine.pool.checkedin() >= 3
        assert len(set(servers)) == 3  # the reads ran on each of the three connections
        kept = database._idle_connections[engine]  # noqa: SLF001
        assert len(kept) == 3
        # each kept connection's last statement was the refusal's
        pids = [cursor.connection.info.backend_pid for cursor in kept]
        last = db.session.execute(
            text("SELECT query FROM pg_stat_activity WHERE pid = ANY(:pids)"), {"pids": pids}
        ).scalars()
        assert [query.startswith("SELECT CASE WHEN") for query in last] == [True] * 3
        # never more than the pool keeps (more would be closed as they are given back)
        assert database.open_connections(engine.pool.size() + 3) == engine.pool.size()


def test_connections_open_ahead_on_every_database_and_on_a_second_warm_up(app):
    """On SQLite (no kept connections) the warm-up opens the pool's; on PostgreSQL a second
    warm-up, its kept connections' list already made (even empty), fills it again."""
    from services.core import db as database

    with app.app_context():
        engine = db.engine
        assert database.open_connections(2) >= 0  # raised UnboundLocalError on SQLite once
        if engine.dialect.name == "postgresql":
            database._idle_connections[engine] = []  # noqa: SLF001 (all taken, say)
            database.open_connections(2)
            assert len(database._idle_connections[engine]) == 2  # noqa: SLF001


def test_the_booking_statements_warm_without_writing(app):
    """A statement renamed or removed would otherwise only show as a worker serving cold
    (``warm_worker`` logs and goes on)."""
    from services.appointments.appointments import warm_statements

    with app.app_context():
        before = _counts()
        warm_statements()
        db.session.rollback()
        assert _counts() == before
