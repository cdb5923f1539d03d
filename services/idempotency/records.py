"""Stored responses for ``Idempotency-Key``: a retried POST replays the first answer.

The record is the first thing a keyed request writes, in the same transaction as the effect
(``claim_key``), and gets its answer just before that transaction commits
(``complete_claim``, a write deferred to the unit of work's end: on PostgreSQL it goes in
one statement with the other deferred writes, a booking's seat): either both exist or
neither does. A concurrent twin with the same
key writes the same unique row, so the database makes it wait until the first transaction
ends: if that committed, the twin's insert fails and it replays the stored answer; if that
rolled back, the twin goes on as the first. The wait is bounded (``KeyBusy`` after it), and
it holds no lock a crash could leave behind: a dead connection's transaction is rolled back.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, text, update
from sqlalchemy.exc import OperationalError

from services.core.db import db, send_queued, send_with_next, transactional, write_at_commit
from services.models import IdempotencyRecord
from services.models.types import UTCDateTime, utcnow

# What an Idempotency-Key may be: 1-255 printable ASCII characters, no spaces. One rule for
# the HTTP layer's stored answers and for the payment refunds that take the key themselves.
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")

# The status of a record whose request is still running. Only its own transaction sees it
# (the answer replaces it before the commit); a reader that meets it anyway (a view that
# committed halfway) treats the key as in progress.
IN_PROGRESS = 0

_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout expired


class KeyBusy(Exception):
    """Another request with the same key did not finish within the wait."""


def find_record(scope: str, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
        )
    )


# PostgreSQL: the claim bounds its own wait on a twin's uncommitted row and puts the
# server's value back once the row is written, all in the one INSERT: ``bounded`` reads the
# transaction's value and lowers it before the row is produced, the outer SELECT restores
# it after the row exists (it reads from ``claimed``). The view's own locks keep the value
# they had. One statement instead of four (SET, INSERT, RESET, and a SELECT before them).
CLAIM_POSTGRES = text(
    """
    WITH bounded AS (
        SELECT current_setting('lock_timeout') AS previous,
               set_config('lock_timeout', :wait_ms, true) AS lowered
    ),
    claimed AS (
        INSERT INTO idempotency_record
            (scope, key, method, path, request_hash, status_code, response_body, location,
             created_at)
        SELECT :scope, :key, :method, :path, :request_hash, :status_code, '', NULL,
               :created_at
        FROM bounded
        RETURNING id
    )
    SELECT claimed.id, set_config('lock_timeout', bounded.previous, true)
    FROM claimed, bounded
    """
).bindparams(bindparam("created_at", type_=UTCDateTime()))


def claim_key(
    *,
    scope: str,
    key: str,
    method: str,
    path: str,
    request_hash: str,
    wait_seconds: float,
    with_next: bool = False,
) -> None:
    """Write the key's record first in the open unit of work, waiting at most
    ``wait_seconds`` for a twin that holds it. One statement, sent now; or, on PostgreSQL
    when ``with_next``, with the next one the unit of work sends (``send_with_next``: a
    booking's rules), BEGIN with them, in one round trip.

    Raises ``IntegrityError`` when the key has a committed record, a twin's that committed
    meanwhile or an older one (the caller rolls back and replays it), ``KeyBusy`` when the
    twin is still running after the wait: with ``with_next``, from whatever sends the
    statement (so its sender must let both through: the booking's rules do).
    """
    values = {
        "scope": scope,
        "key": key,
        "method": method,
        "path": path,
        "request_hash": request_hash,
        "status_code": IN_PROGRESS,
        "created_at": utcnow(),
    }
    if db.session.get_bind().dialect.name == "postgresql":
        wait_ms = str(max(1, int(wait_seconds * 1000)))
        send_with_next(CLAIM_POSTGRES, {**values, "wait_ms": wait_ms}, errors=_busy)
        if not with_next:
            send_queued()
        return
    # SQLite: the insert takes the database's write lock and waits (busy timeout) for a
    # twin's transaction the same way.
    try:
        db.session.execute(
            insert(IdempotencyRecord).values(**values, response_body="", location=None)
        )
    except OperationalError as exc:
        busy = _busy(exc)
        if busy is exc:
            raise
        raise busy from exc


def _busy(exc: Exception) -> Exception:
    """``KeyBusy`` for a wait on a twin's record that ran out, else ``exc``."""
    if isinstance(exc, OperationalError) and (
        getattr(exc.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE
        or "database is locked" in str(exc.orig)
    ):
        return KeyBusy()
    return exc


# The stored answer's write (public for a worker's warm-up, ``appointments.warm_statements``).
STORE_ANSWER = (
    update(IdempotencyRecord)
    .where(
        IdempotencyRecord.scope == bindparam("record_scope"),
        IdempotencyRecord.key == bindparam("record_key"),
    )
    .values(
        status_code=bindparam("status_code"),
        response_body=bindparam("response_body"),
        location=bindparam("location"),
    )
    .execution_options(synchronize_session=False)
)


def complete_claim(
    scope: str, key: str, *, status_code: int, response_body: str, location: str | None
) -> None:
    """Store the answer in the record ``claim_key`` wrote, at the end of the same unit of
    work (``write_at_commit``: with its other deferred writes, before its last steps)."""
    write_at_commit(
        STORE_ANSWER,
        {
            "record_scope": scope,
            "record_key": key,
            "status_code": status_code,
            "response_body": response_body,
            "location": location,
        },
        check=_stored_in_the_claim,
    )


def _stored_in_the_claim(updated: int) -> None:
    # A claim that never reached the database (a bug) must not let the effect commit
    # without its record: a retry would do it again.
    if updated != 1:
        raise RuntimeError("the Idempotency-Key's record was not written")


def release_claim(scope: str, key: str) -> None:
    """Drop the record of a request whose answer is not stored (an error, kept retryable)."""
    db.session.execute(
        delete(IdempotencyRecord)
        .where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
        .execution_options(synchronize_session=False)
    )


@transactional
def purge_records(older_than: datetime) -> int:
    """Forget keys older than the retention window (run by a periodic task)."""
    result = db.session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < older_than)
    )
    return result.rowcount or 0
