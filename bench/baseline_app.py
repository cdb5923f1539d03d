"""The references every scenario is measured against, served like the real app in the same run.

- ``GET /json``: a bare Flask app returning a small JSON object, the web framework's ceiling.
- ``POST /floor/lookup`` ``{"id": n}``: the floor lookup, one indexed SELECT of five columns
  by id through a plain psycopg_pool pool, a JSON answer (404 when there is no such row).
- ``POST /floor/lookup-limited`` ``{"id": n}``: the floor lookup with one Redis round trip
  before its SELECT, as issue 19 asks of the lookups' rate limits: ``limits``' own
  sliding-window script (``acquire_sliding_window.lua``, shipped with the ``limits``
  package) for one window keyed by the id, sent on a raw socket kept per thread (the least
  a client can do for one script call); 429 when the window is spent. Informational: no
  goal is set against it (see ``bench.scenarios.paired``).
- ``POST /floor/booking`` ``{"slot_id": n, "applicant_id": m}``: the floor booking, the
  conditional seat update and the insert of the appointment in one transaction, 201; or
  409 ``slot_full`` when the update matches nothing.

The floor routes (see ``bench/floor.py``) need ``FLOOR_DATABASE_URL`` (libpq form); without
it they answer 503 and the bare route still works; the limited lookup also needs
``FLOOR_REDIS_URL`` (``redis://host:port/db``). ``FLOOR_POOL_SIZE`` connections are
opened per worker before it serves (one per gunicorn thread: no request waits for one).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
import threading
from importlib import resources
from urllib.parse import urlsplit

import psycopg
from flask import Flask, request
from psycopg_pool import ConnectionPool

from bench.floor import INSERT_APPOINTMENT_SQL, LOOKUP_SQL, TAKE_SEAT_SQL

app = Flask(__name__)

_pool: ConnectionPool | None = None
if os.environ.get("FLOOR_DATABASE_URL"):
    # gunicorn (without --preload) imports this module in each worker, after the fork, so
    # every worker has its own pool. Autocommit: a lookup is one round trip, not BEGIN,
    # SELECT, COMMIT; the booking opens its transaction explicitly.
    size = int(os.environ.get("FLOOR_POOL_SIZE", "8"))
    _pool = ConnectionPool(
        os.environ["FLOOR_DATABASE_URL"],
        min_size=size,
        max_size=size,
        kwargs={"autocommit": True},
        open=True,
        name="floor",
    )
    _pool.wait(timeout=30)


@app.get("/json")
def small_json():
    return {"status": "ok", "service": "baseline", "items": [1, 2, 3]}


def _no_floor():
    return {"code": 503, "error": "floor_not_configured"}, 503


def _slot_answer(slot_id: int):
    """The floor lookup's one SELECT and its JSON answer (404 without a row)."""
    with _pool.connection() as conn:
        row = conn.execute(LOOKUP_SQL, (slot_id,)).fetchone()
    if row is None:
        return {"code": 404, "error": "not_found"}, 404
    return {
        "id": row[0],
        "starts_at": row[1].isoformat(),
        "ends_at": row[2].isoformat(),
        "capacity": row[3],
        "booked": row[4],
    }


@app.post("/floor/lookup")
def floor_lookup():
    if _pool is None:
        return _no_floor()
    slot_id = int(request.get_json()["id"])
    return _slot_answer(slot_id)


# --- one Redis round trip: limits' own sliding-window script, one window -----------------

_SLIDING_WINDOW = (
    resources.files("limits") / "resources/redis/lua_scripts/acquire_sliding_window.lua"
).read_bytes()
_SHA = hashlib.sha1(_SLIDING_WINDOW).hexdigest().encode()
_WINDOW = (b"10000000", b"60", b"1")  # the benchmark's raised limit, a minute, one hit
_redis = threading.local()


def _bulk(part: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(part), part)


def _command(*parts: bytes) -> bytes:
    return b"*%d\r\n" % len(parts) + b"".join(_bulk(part) for part in parts)


def _redis_reply(reader) -> bytes:
    """One RESP reply read from ``reader`` (the socket's buffered reader): a simple string,
    an error, an integer, or a bulk string (nil included), as the line(s) it came in."""
    line = reader.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError("Redis closed the connection")
    if line.startswith(b"$") and int(line[1:]) >= 0:
        line += reader.read(int(line[1:]) + 2)  # the bulk string and its CRLF
    return line


def _redis_call(command: bytes) -> bytes:
    """``command``'s reply on this thread's connection to ``FLOOR_REDIS_URL`` (opened on
    the thread's first call, its database selected and the script loaded). A connection
    that fails is dropped, so that a late reply can never be read as the next call's."""
    kept = getattr(_redis, "kept", None)
    try:
        if kept is None:
            url = urlsplit(os.environ["FLOOR_REDIS_URL"])
            sock = socket.create_connection((url.hostname, url.port or 6379), timeout=5)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            kept = (sock, sock.makefile("rb"))
            for setup in (
                _command(b"SELECT", (url.path.strip("/") or "0").encode()),
                _command(b"SCRIPT", b"LOAD", _SLIDING_WINDOW),
            ):
                sock.sendall(setup)
                if _redis_reply(kept[1]).startswith(b"-"):
                    raise ConnectionError("Redis refused the floor's set-up")
            _redis.kept = kept
        kept[0].sendall(command)
        return _redis_reply(kept[1])
    except BaseException:
        if kept is not None:
            kept[1].close()
            kept[0].close()
        _redis.kept = None
        raise


def _window_has_room(key: bytes) -> bool:
    reply = _redis_call(
        _command(b"EVALSHA", _SHA, b"2", b"floor/" + key + b"/-1", b"floor/" + key, *_WINDOW)
    )
    if reply.startswith(b"-"):
        raise RuntimeError(reply.decode(errors="replace").strip())
    return reply.startswith(b":1")


@app.post("/floor/lookup-limited")
def floor_lookup_limited():
    if _pool is None or not os.environ.get("FLOOR_REDIS_URL"):
        return _no_floor()
    slot_id = int(request.get_json()["id"])
    if not _window_has_room(b"%d" % slot_id):
        return {"code": 429, "error": "rate_limited"}, 429
    return _slot_answer(slot_id)


@app.post("/floor/booking")
def floor_booking():
    if _pool is None:
        return _no_floor()
    data = request.get_json()
    slot_id = int(data["slot_id"])
    applicant_id = int(data["applicant_id"])
    appointment_id = None
    with _pool.connection() as conn, conn.transaction():
        if conn.execute(TAKE_SEAT_SQL, (slot_id,)).fetchone() is not None:
            appointment_id = conn.execute(
                INSERT_APPOINTMENT_SQL, (slot_id, applicant_id, secrets.token_hex(4))
            ).fetchone()[0]
        else:
            # Nothing was written: leave the transaction by a rollback, as the app does.
            raise psycopg.Rollback()
    if appointment_id is None:
        return {"code": 409, "error": "slot_full"}, 409
    return {"id": appointment_id, "slot_id": slot_id, "status": "booked"}, 201
