"""Stored responses for ``Idempotency-Key``: a retried POST replays the first answer.

The record is written in the same transaction as the effect, so either both exist or
neither does; a concurrent twin with the same key loses on the unique constraint.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import delete, select

from services.core.db import db, transactional
from services.models import IdempotencyRecord

# What an Idempotency-Key may be: 1-255 printable ASCII characters, no spaces. One rule for
# the HTTP layer's stored answers and for the payment refunds that take the key themselves.
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")


def find_record(scope: str, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
        )
    )


def add_record(
    *,
    scope: str,
    key: str,
    method: str,
    path: str,
    request_hash: str,
    status_code: int,
    response_body: str,
    location: str | None,
) -> None:
    """Add the record to the open unit of work and flush, so a duplicate fails now."""
    db.session.add(
        IdempotencyRecord(
            scope=scope,
            key=key,
            method=method,
            path=path,
            request_hash=request_hash,
            status_code=status_code,
            response_body=response_body,
            location=location,
        )
    )
    db.session.flush()


@transactional
def purge_records(older_than: datetime) -> int:
    """Forget keys older than the retention window (run by a periodic task)."""
    result = db.session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < older_than)
    )
    return result.rowcount or 0
