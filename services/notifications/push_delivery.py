"""Draining the push outbox: claim due deliveries, send them, record each outcome.

Claiming is a short transaction of its own: due rows move to ``sending`` with a lease
(``claimed_until``); on PostgreSQL the SELECT uses ``FOR UPDATE SKIP LOCKED`` so any number
of workers can drain side by side without sending a row twice. The vendor call happens
outside any transaction; its results are recorded in a second one. A worker that dies
between the two leaves rows whose lease expires; the periodic sweep sends them again.
That may resend, never lose: every push carries ``notification_id`` so the app drops
duplicates.

Outcomes: sent; token dead (UNREGISTERED, SENDER_ID_MISMATCH) -> device disabled and the
delivery failed; retryable (quota, unavailable, broken APNs credentials) -> back off
exponentially and try again, until ``PUSH_MAX_ATTEMPTS``, then dead-letter (``dead``);
anything else (invalid argument) -> dead at once. Operators list and retry dead deliveries.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, bindparam, or_, select, text, update

from push import PushError, PushMessage, PushUnavailable, SendResult, token_fingerprint
from services.accounts.audit import record_audit
from services.core.db import db, transactional
from services.core.errors import Conflict, NotFound
from services.core.integrations import push_sender
from services.core.outbox import among_ids, retry_backoff, still_held
from services.models import Account, Delivery, Device, Notification
from services.models.types import utcnow
from services.notifications.notifications import push_data

log = logging.getLogger(__name__)
operator_log = logging.getLogger("palm.operator")

LEASE = timedelta(minutes=5)
BATCH = 500  # FCM send_each takes at most 500 messages per call


@dataclass(frozen=True)
class DrainReport:
    claimed: int
    sent: int
    retrying: int
    failed: int
    dead: int


def _due_query(notification_id: int | None, limit: int) -> Select:
    now = utcnow()
    due = or_(
        (Delivery.status == "pending") & (Delivery.next_attempt_at <= now),
        # a lease that ran out: the worker that held it died or lost its task
        (Delivery.status == "sending") & (Delivery.claimed_until < now),
    )
    query = select(Delivery.id).where(due)
    if notification_id is not None:
        query = query.where(Delivery.notification_id == notification_id)
    query = query.order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return query


@transactional
def claim_due(notification_id: int | None = None, limit: int = BATCH) -> list[int]:
    """Lease up to ``limit`` due deliveries to this worker; returns their ids."""
    lease = utcnow() + LEASE
    if db.engine.dialect.name == "postgresql":
        # One statement: the due rows, locked (the other workers skip them), leased. A CTE
        # with a locking clause is evaluated once, never folded into the UPDATE.
        table = Delivery.__table__
        due = _due_query(notification_id, limit).cte("due")
        leased = db.session.scalars(
            update(table)
            .where(table.c.id == due.c.id)
            .values(status="sending", claimed_until=lease)
            .returning(table.c.id)
        )
        return sorted(leased)
    ids = list(db.session.scalars(_due_query(notification_id, limit)))
    if ids:
        db.session.execute(
            update(Delivery)
            .where(among_ids(Delivery.id, ids))
            .values(status="sending", claimed_until=lease)
        )
    return ids


@dataclass(frozen=True)
class _Leased:
    """What recording an outcome needs of a delivery, read before the vendor call: recording
    from these plain values needs no ORM object (reloading them one by one, and flushing
    500 updates, cost more than sending)."""

    id: int
    attempts: int
    next_attempt_at: datetime
    device_id: int
    token: str
    lease: datetime  # claimed_until as this worker set it: whose lease the row is on


def _messages(ids: list[int]) -> list[tuple[_Leased, PushMessage]]:
    """One Core query for the batch: plain rows, no ORM objects (loading 500 deliveries
    with their notification and device cost as much CPU as sending them)."""
    rows = db.session.execute(
        select(
            Delivery.id,
            Delivery.attempts,
            Delivery.next_attempt_at,
            Delivery.device_id,
            Delivery.claimed_until,
            Device.token,
            Notification.id.label("notification_id"),
            Notification.kind,
            Notification.data,
            Notification.title,
            Notification.body,
            Notification.emergency,
        )
        .join(Device, Device.id == Delivery.device_id)
        .join(Notification, Notification.id == Delivery.notification_id)
        .where(among_ids(Delivery.id, ids))
        .order_by(Delivery.id)
    ).all()
    data_of: dict[int, dict[str, str]] = {}  # a notification's push data, once per batch
    pairs = []
    for row in rows:
        data = data_of.get(row.notification_id)
        if data is None:
            data = data_of[row.notification_id] = {"kind": row.kind, **push_data(row.data)}
        pairs.append(
            (
                _Leased(
                    row.id,
                    row.attempts,
                    row.next_attempt_at,
                    row.device_id,
                    row.token,
                    row.claimed_until,
                ),
                PushMessage(
                    token=row.token,
                    title=row.title,
                    body=row.body,
                    data=data,
                    notification_id=str(row.notification_id),
                    high_priority=row.emergency,
                ),
            )
        )
    return pairs


def _outcome(leased: _Leased, result: SendResult, report: dict[str, int], now: datetime) -> dict:
    """The delivery's new column values: one shape for the sent, one for the others (so each
    goes in one statement, and a failure leaves ``sent_at`` and ``message_id`` alone)."""
    attempts = leased.attempts + 1
    values = {
        "delivery_id": leased.id,
        "lease": leased.lease,
        "attempts": attempts,
        "claimed_until": None,
        "next_attempt_at": leased.next_attempt_at,
    }
    if result.ok:
        report["sent"] += 1
        return {
            **values,
            "status": "sent",
            "sent_at": now,
            "message_id": result.message_id,
            "last_error": None,
        }
    error: PushError = result.error or PushUnavailable("no result")
    values["last_error"] = f"{error.code}: {str(error)[:150]}"
    if error.disable_token:
        _disable_device(leased, error.code)
        report["failed"] += 1
        return {**values, "status": "failed"}
    if error.operator_alert:
        operator_log.error(
            "push credentials problem: %s (device %s kept)",
            error.code,
            token_fingerprint(leased.token),
        )
    if (error.retryable or error.operator_alert) and attempts < current_app.config.get(
        "PUSH_MAX_ATTEMPTS", 8
    ):
        report["retrying"] += 1
        return {**values, "status": "pending", "next_attempt_at": now + retry_backoff(attempts)}
    report["dead"] += 1
    return {**values, "status": "dead"}


# PostgreSQL: every outcome of a batch in one statement, its columns as one array each
# (an executemany of 500 rows cost SQLAlchemy and psycopg 500 parameter sets). A failure
# has no sent_at or message_id, and COALESCE leaves the row's own.
_WRITE_OUTCOMES_PG = text(
    """
    UPDATE delivery SET status = v.status, attempts = v.attempts, claimed_until = NULL,
        next_attempt_at = v.next_attempt_at, last_error = v.last_error,
        sent_at = COALESCE(v.sent_at, delivery.sent_at),
        message_id = COALESCE(v.message_id, delivery.message_id)
    FROM unnest(
        CAST(:ids AS bigint[]), CAST(:leases AS timestamptz[]), CAST(:statuses AS text[]),
        CAST(:attempts AS integer[]), CAST(:next_attempts AS timestamptz[]),
        CAST(:errors AS text[]), CAST(:sent_ats AS timestamptz[]),
        CAST(:message_ids AS text[])
    ) AS v(id, lease, status, attempts, next_attempt_at, last_error, sent_at, message_id)
    WHERE delivery.id = v.id AND delivery.status = 'sending' AND delivery.claimed_until = v.lease
    """
)


def _write_outcomes(outcomes: list[dict]) -> None:
    """One statement per batch on PostgreSQL, one executemany per row shape elsewhere,
    instead of a unit-of-work flush of 500 objects. Only rows still ``sending`` under this
    worker's lease are written: a worker that outlived its lease must not overwrite what
    the worker that took the row over has recorded, nor write first and make that
    worker's record be dropped."""
    if not outcomes:
        return
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            _WRITE_OUTCOMES_PG,
            {
                "ids": [row["delivery_id"] for row in outcomes],
                "leases": [row["lease"] for row in outcomes],
                "statuses": [row["status"] for row in outcomes],
                "attempts": [row["attempts"] for row in outcomes],
                "next_attempts": [row["next_attempt_at"] for row in outcomes],
                "errors": [row["last_error"] for row in outcomes],
                "sent_ats": [row.get("sent_at") for row in outcomes],
                "message_ids": [row.get("message_id") for row in outcomes],
            },
        )
        return
    table = Delivery.__table__
    for sent in (True, False):
        rows = [row for row in outcomes if ("sent_at" in row) is sent]
        if not rows:
            continue
        columns = [name for name in rows[0] if name not in ("delivery_id", "lease")]
        statement = (
            update(table)
            .where(
                table.c.id == bindparam("delivery_id"),
                table.c.status == "sending",
                table.c.claimed_until == bindparam("lease"),
            )
            .values({name: bindparam(name) for name in columns})
        )
        db.session.execute(statement, rows)


def _disable_device(leased: _Leased, reason: str) -> None:
    disabled = db.session.execute(
        update(Device)
        .where(Device.id == leased.device_id, Device.disabled_at.is_(None))
        .values(disabled_at=utcnow(), disabled_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if disabled.rowcount:
        log.info("device disabled: %s (%s)", token_fingerprint(leased.token), reason)


def send_claimed(ids: list[int]) -> DrainReport:
    """Send leased deliveries and record the outcomes (one transaction for the results)."""
    report = {"sent": 0, "retrying": 0, "failed": 0, "dead": 0}
    if not ids:
        return DrainReport(0, 0, 0, 0, 0)
    pairs = _messages(ids)
    # Read everything we need, then end the transaction before the network call.
    db.session.commit()
    try:
        results = push_sender().send_each(messages=[message for _, message in pairs])
    except PushError as exc:  # the whole batch failed (e.g. the service is down)
        results = [SendResult(m.token, False, None, exc) for _, m in pairs]
    except Exception as exc:  # never let one bad batch lose the leases silently
        log.exception("push batch failed unexpectedly")
        results = [SendResult(m.token, False, None, PushUnavailable(str(exc))) for _, m in pairs]
    now = utcnow()
    held = still_held(Delivery, {leased.id: leased.lease for leased, _message in pairs})
    outcomes = [
        _outcome(leased, result, report, now)
        for (leased, _message), result in zip(pairs, results, strict=True)
        if leased.id in held  # else another worker took the row over: its record, not ours
    ]
    _write_outcomes(outcomes)
    db.session.commit()
    return DrainReport(len(ids), **report)


def drain(notification_id: int | None = None, max_batches: int = 20) -> DrainReport:
    """Claim and send due deliveries until none are left (or ``max_batches``).

    One batch at a time: claiming the next batch while one is sent (two in flight) was
    measured and gained nothing on SQLite or PostgreSQL; the worker is CPU-bound in the
    SDK's HTTP stack, not waiting for the database."""
    totals = {"claimed": 0, "sent": 0, "retrying": 0, "failed": 0, "dead": 0}
    for _ in range(max_batches):
        ids = claim_due(notification_id)
        if not ids:
            break
        batch = send_claimed(ids)
        for key in totals:
            totals[key] += getattr(batch, key)
        if len(ids) < BATCH:
            break
    return DrainReport(**totals)


# --- the dead-letter queue --------------------------------------------------------------
def dead_letters_query() -> Select:
    return select(Delivery).where(Delivery.status == "dead").order_by(Delivery.id.desc())


@transactional
def retry_dead_letter(actor: Account, delivery_id: int) -> Delivery:
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound("delivery_not_found")
    if delivery.status != "dead":
        raise Conflict("delivery_not_dead")
    if delivery.device.disabled_at is not None:
        raise Conflict("device_disabled")
    delivery.status = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    record_audit(actor, "delivery.retry", "delivery", delivery.id)
    return delivery
