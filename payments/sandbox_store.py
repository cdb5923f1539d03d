"""SQLite persistence for ``SandboxGateway``: Stripe-shaped objects and idempotency records.

One connection per store and process, guarded by a lock (threads), and every operation in
``BEGIN IMMEDIATE`` (processes: gunicorn workers or a second ``flask`` command sharing the
file serialise their writes; the 30 s busy timeout makes them wait instead of failing).
``":memory:"`` works for single-process tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from payments.base import IdempotencyConflict, PaymentRejected

if TYPE_CHECKING:
    import sqlite3

# Stripe forgets idempotency keys after 24 hours; so do we.
IDEMPOTENCY_TTL_SECONDS = 24 * 3600

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    id   TEXT PRIMARY KEY,
    kind TEXT NOT NULL,   -- Stripe's "object" field: customer, payment_intent, event, ...
    ref  TEXT,            -- for events: id of the object the event is about
    body TEXT NOT NULL    -- Stripe-shaped JSON; for events, the exact webhook body
);
CREATE INDEX IF NOT EXISTS objects_ref ON objects (ref);
CREATE TABLE IF NOT EXISTS idempotency (
    key      TEXT PRIMARY KEY,
    request  TEXT NOT NULL,
    response TEXT NOT NULL,
    created  INTEGER NOT NULL
);
"""


def dump(obj: dict[str, Any]) -> str:
    """Stripe sends pretty-printed JSON; so do we, and events keep these exact bytes."""
    return json.dumps(obj, indent=2)


class Transaction:
    """Operations available inside one ``BEGIN IMMEDIATE`` transaction."""

    def __init__(self, conn: sqlite3.Connection, now: int) -> None:
        self.conn = conn
        self.now = now  # one clock reading per transaction keeps objects consistent

    def get(self, kind: str, obj_id: str | None) -> dict[str, Any]:
        row = self.conn.execute(
            "SELECT body FROM objects WHERE id = ? AND kind = ?", (obj_id, kind)
        ).fetchone()
        if row is None:  # Stripe's wording and code for an unknown id
            raise PaymentRejected(
                f"No such {kind}: '{obj_id}'", code="resource_missing", http_status=404
            )
        return json.loads(row[0])

    def put(self, obj: dict[str, Any], ref: str | None = None) -> str:
        body = dump(obj)
        self.conn.execute(
            "INSERT OR REPLACE INTO objects (id, kind, ref, body) VALUES (?, ?, ?, ?)",
            (obj["id"], obj["object"], ref, body),
        )
        return body

    def raw_event(self, *, event_id: str | None = None, ref: str | None = None) -> str | None:
        """The stored body of an event, by id or the latest one about ``ref``."""
        if event_id is not None:
            sql, arg = "SELECT body FROM objects WHERE kind = 'event' AND id = ?", event_id
        else:
            sql = "SELECT body FROM objects WHERE kind = 'event' AND ref = ? ORDER BY rowid DESC"
            arg = ref
        row = self.conn.execute(sql, (arg,)).fetchone()
        return None if row is None else row[0]

    def idempotent(
        self, key: str, request: dict[str, Any], create: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """Replay the response stored under ``key`` or run ``create`` and remember it.

        ``create`` raising leaves nothing behind (the transaction rolls back), as with
        Stripe, where a request rejected by validation can be retried with the same key.
        """
        fingerprint = json.dumps(request, sort_keys=True)
        horizon = self.now - IDEMPOTENCY_TTL_SECONDS
        row = self.conn.execute(
            "SELECT request, response FROM idempotency WHERE key = ? AND created > ?",
            (key, horizon),
        ).fetchone()
        if row is not None:
            if row[0] != fingerprint:
                raise IdempotencyConflict(
                    "Keys for idempotent requests can only be used with the same parameters "
                    f"they were first used with. Try using a key other than '{key}'.",
                    code="idempotency_error",
                    http_status=400,
                )
            return json.loads(row[1])
        response = create()
        self.conn.execute("DELETE FROM idempotency WHERE created <= ?", (horizon,))
        self.conn.execute(
            "INSERT OR REPLACE INTO idempotency (key, request, response, created) "
            "VALUES (?, ?, ?, ?)",
            (key, fingerprint, json.dumps(response), self.now),
        )
        return response


class SandboxStore:
    """The SQLite file (or ``":memory:"``)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._pid = os.getpid()

    def _connection(self) -> sqlite3.Connection:
        # A SQLite connection must not be used across fork(): a forked worker reconnects.
        # (An in-memory database cannot be reopened, and is single-process anyway.)
        forked = self._pid != os.getpid() and self._path != ":memory:"
        if self._conn is None or forked:
            # Imported here: a worker on Stripe never opens the sandbox (sqlite3: ~0.9 MB).
            import sqlite3

            conn = sqlite3.connect(
                self._path, timeout=30, isolation_level=None, check_same_thread=False
            )
            if self._path != ":memory:":
                conn.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
            conn.executescript(_SCHEMA)
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    @contextlib.contextmanager
    def transaction(self, now: int) -> Iterator[Transaction]:
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(conn, now)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
