"""A web worker made ready before its first request (gunicorn's ``post_worker_init``).

Release day's first second is when a worker meets everything for the first time: the
first booking of a fresh worker cost ~170 ms of CPU where the next cost ~7 (measured
in-process on the benchmark's PostgreSQL). Most of it was one full garbage collection over
the ~250,000 objects the app had built at start, which the first request's allocations
happened to trigger, and the rest the first use of each language's Babel data, of the
error envelopes, of the database connections and of the booking's SQL. A worker does that
work here, before gunicorn hands it a request, and then freezes its start-up objects out
of the collector's way (``gc.freeze``: a long-lived object is never scanned again by a
full collection, which then walks only what requests made). The rate limits' Redis
connections are opened here too: on the benchmark's first contention burst, each thread of
each worker opened its own (a TCP connection and redis-py's handshake each).

``gunicorn.conf.py`` calls ``warm_worker`` (``WARM_WORKER = False`` turns it off). Nothing
here writes to the database: the booking's statements are sent with values that match no
row (its rules' read, the seat's and the stored answer's updates, the closure check) in a
transaction rolled back; its rows' insert, which cannot run without writing, is not sent.
"""

from __future__ import annotations

import gc
import logging
import time
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)


def warm_worker(app: Any, *, connections: int = 1) -> None:
    """Make ``app`` ready to serve (``connections``: how many requests the worker serves
    at once, each wanting a database connection). Never raises: a worker that could not
    warm serves anyway and pays the first use on its first requests, as before."""
    if not app.config.get("WARM_WORKER", True):
        return
    started = time.process_time()
    steps = (
        ("languages", lambda: _languages(app)),
        ("database", lambda: _database(connections)),
        ("seat gate", lambda: _seat_gate(app, connections)),
        ("rate limits", lambda: _rate_limits(connections)),
    )
    with app.app_context():
        # Each on its own: a database not reachable yet leaves the other parts warmed.
        for name, step in steps:
            try:
                step()
            except Exception:
                log.warning("the worker could not warm its %s; it serves that cold", name,
                            exc_info=True)  # fmt: skip
    # Whatever warmed, the start-up objects leave the collector's generations.
    gc.collect()
    gc.freeze()
    log.info(
        "worker warmed",
        extra={
            "cpu_ms": round((time.process_time() - started) * 1000),
            "frozen": gc.get_freeze_count(),
        },
    )


def _seat_gate(app: Any, connections: int) -> None:
    """The shared seat gate's listener subscribed (``api.seat_gate_shared``; until it is,
    the worker's gate counts only its own bookings), its scripts loaded and connections
    open."""
    shared = app.extensions.get("seat_gate_shared")
    if shared is not None and not shared.prepare(connections):
        log.warning("the shared seat gate is not listening yet; this worker counts alone")


def _rate_limits(connections: int) -> None:
    """The rate limits' Redis connections open and their script loaded, when the limits
    are judged in one round trip (``api.rate_limits``); nothing for the in-memory store."""
    from api.extensions import limiter
    from api.rate_limit_redis import prepare
    from api.rate_limits import one_trip_storage

    storage = one_trip_storage() if limiter.enabled and limiter.initialized else None
    if storage is not None:
        prepare(storage, connections)


def _languages(app: Any) -> None:
    """Each language's catalogue, Babel data (dates, money) and the envelope of release
    day's most frequent answer (``slot_full``) loaded."""
    from api import edge
    from services.core.i18n import Money, display, in_language
    from services.core.languages import LANGUAGES

    now = datetime.now(UTC)
    for language in LANGUAGES:
        with in_language(language):
            display(now)
            display(Money(12345, "EUR"))
        edge.envelope_body(app, language, 409, "slot_full")


def _database(connections: int) -> None:
    """The mappers configured, and the connections opened, each having run the booking's
    statements (and the kept ones the edge's refusal) once with values that match no row,
    rolled back: SQLAlchemy compiles each statement once per worker, and each new
    PostgreSQL server process loads the tables it touches on its first statements."""
    from sqlalchemy.orm import configure_mappers

    from services.accounts import accounts
    from services.appointments import refusals
    from services.appointments.appointments import warm_statements
    from services.core.db import db, open_connections

    configure_mappers()
    try:
        accounts.account_of_session("warm-up", 0)
    finally:
        db.session.rollback()
    kept_reads = [*refusals.warm_reads(), *accounts.warm_reads()]
    open_connections(connections, each=warm_statements, kept_reads=kept_reads)
