"""Stored responses for ``Idempotency-Key``: a retried POST replays the first answer.

The record is the first thing a keyed request writes, in the same transaction as the effect
(``claim_key``), and gets its answer just before that transaction commits
(``complete_claim``): either both exist or neither does. A concurrent twin with the same
key writes the same unique row, so the database makes it wait until the first transaction
ends: if that committed, the twin's insert fails and it replays the stored answer; if that
rolled back, the twin goes on as the first. The wait is bounded (``KeyBusy`` after it), and
it holds no lock a crash could leave behind: a dead connection's transaction is rolled back.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import delete, select, text
from sqlalchemy.exc import OperationalError

from services.core.db import db, transactional
from services.models import IdempotencyRecord

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


def claim_key(
    *, scope: str, key: str, method: str, path: str, request_hash: str, wait_seconds: float
) -> IdempotencyRecord:
    """Write the key's record first in the open unit of work, waiting at most
    ``wait_seconds`` for a twin that holds it.

    Raises ``IntegrityError`` when a twin committed the key meanwhile (the caller rolls back
    and replays it), ``KeyBusy`` when the twin is still running after the wait.
    """
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        # Bounded wait on a twin's uncommitted row; the view's own locks keep the server's
        # default. Before the record is added: the session would flush it first otherwise.
        # SET takes no bind parameters: the value is our own number.
        milliseconds = max(1, int(wait_seconds * 1000))
        db.session.execute(text(f"SET LOCAL lock_timeout = {milliseconds}"))
    record = IdempotencyRecord(
        scope=scope,
        key=key,
        method=method,
        path=path,
        request_hash=request_hash,
        status_code=IN_PROGRESS,
        response_body="",
        location=None,
    )
    db.session.add(record)
    try:
        # SQLite: the insert takes the database's write lock and waits (busy timeout) for a
        # twin's transaction the same way.
        db.session.flush()
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE or (
            "database is locked" in str(exc.orig)
        ):
            raise KeyBusy from exc
        raise
    if postgres:
        db.session.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
    return record


def complete_claim(
    record: IdempotencyRecord, *, status_code: int, response_body: str, location: str | None
) -> None:
    """Store the answer in the record ``claim_key`` wrote (same unit of work)."""
    record.status_code = status_code
    record.response_body = response_body
    record.location = location
    db.session.flush()


def release_claim(record: IdempotencyRecord) -> None:
    """Drop the record of a request whose answer is not stored (an error, kept retryable)."""
    db.session.delete(record)
    db.session.flush()


@transactional
def purge_records(older_than: datetime) -> int:
    """Forget keys older than the retention window (run by a periodic task)."""
    result = db.session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < older_than)
    )
    return result.rowcount or 0
