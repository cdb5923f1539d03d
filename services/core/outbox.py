"""What the outboxes share (push deliveries, alert dispatches, topic subscriptions, e-mails):
the retry back-off, and which leased rows a worker still holds when it records outcomes.

A worker claims rows by setting ``claimed_until`` (its lease) and calls the vendor outside
any transaction. If that took longer than the lease, another worker may have claimed the
rows again; the first must then record nothing for them, or its record would come first
and the second worker's would be dropped (and the push sent once more).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ARRAY, BigInteger, ColumnElement, any_, bindparam, select

from services.core.db import db


def retry_backoff(attempts: int, *, setting: str = "PUSH_RETRY_BASE_SECONDS") -> timedelta:
    """30 s, 1 min, 2 min, ... (the base, configured by ``setting``, doubled per attempt)
    capped at 1 h."""
    base = current_app.config.get(setting, 30)
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def among_ids(column, ids: Collection[int]) -> ColumnElement[bool]:
    """``column IN ids``. On PostgreSQL ``column = ANY(:ids)`` with the ids as one array
    parameter: a batch of 500 ids rendered as 500 placeholders cost more CPU to render (in
    SQLAlchemy) and to parse (in psycopg, which caches no statement that long) than the rest
    of the statement."""
    if db.engine.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(BigInteger)))
    return column.in_(list(ids))


def still_held(model, leases: dict[int, datetime | None]) -> set[int]:
    """The ids of ``model`` rows still ``sending`` under the lease this worker set
    (``leases``: id -> ``claimed_until`` as claimed), locked until the commit that records
    them on PostgreSQL, so no other worker takes them over meanwhile."""
    query = select(model.id, model.claimed_until).where(
        among_ids(model.id, leases), model.status == "sending"
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    return {row.id for row in db.session.execute(query) if row.claimed_until == leases[row.id]}
