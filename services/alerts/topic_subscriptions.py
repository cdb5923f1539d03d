"""FCM topic subscriptions of travellers' devices, kept in step with trips and follows.

One topic per country and language: ``alerts-FR-en``, ``alerts-FR-zh-Hans``, ``alerts-FR-vi``.
A device wants ``alerts-<C>-<L>`` while it is enabled and its account is registered in C
(an active trip or a follow, see ``services.trips``); L is its locale's language
(``normalise_language``, English when we do not speak it).

The ``topic_subscription`` table remembers what we asked FCM for, so reconciling is
idempotent and knows what to unsubscribe. It works in two steps, like the push outbox:

1. plan (short transactions): compare the wanted (token, topic) pairs with the rows; add
   ``pending`` rows, move unwanted ones to ``unsubscribing``, adopt an orphan when its token
   comes back. Rows of disabled devices are dropped without calling FCM (FCM forgets dead
   tokens itself); rows whose device was deleted (logout) are unsubscribed.
2. drain: lease due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), call FCM outside any
   transaction, grouped by topic and at most 1000 tokens per call, and record each token's
   outcome: done -> ``subscribed`` (or the row is deleted after an unsubscribe); dead token
   (UNREGISTERED, SENDER_ID_MISMATCH) -> device disabled, row dropped; retryable (quota,
   unavailable, credentials) -> back off and try again; anything else -> ``failed`` for a
   subscribe, forgotten for an unsubscribe.

``resync.schedule_sync(account_id)`` re-syncs one account after a trip, follow or device change
commits; the periodic ``reconcile()`` (beat, every 10 minutes) covers everyone: trips that
start or end with the date, devices disabled by the push outbox, deleted devices.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import delete, exists, or_, select, update

from push import PushError, PushUnavailable, token_fingerprint
from push.base import TOPIC_MANAGEMENT_BATCH_SIZE
from services.alerts.trips import countries_by_account
from services.core.clock import today_utc
from services.core.db import db, transactional
from services.core.integrations import push_sender
from services.core.languages import DEFAULT_LANGUAGE, normalise_language
from services.core.outbox import retry_backoff
from services.core.upsert import insert_ignoring_conflicts
from services.models import Device, TopicSubscription
from services.models.types import utcnow

log = logging.getLogger(__name__)
operator_log = logging.getLogger("palm.operator")

TOPIC_PREFIX = "alerts"
LEASE = timedelta(minutes=5)
ACCOUNTS_PER_PLAN = 500


def topic_for(country: str, language: str) -> str:
    """``alerts-FR-zh-Hans``: only characters FCM accepts in topic names."""
    return f"{TOPIC_PREFIX}-{country}-{language}"


def device_language(locale: str | None) -> str:
    return normalise_language(locale) or DEFAULT_LANGUAGE


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass
class SyncReport:
    to_subscribe: int = 0
    to_unsubscribe: int = 0
    subscribed: int = 0
    unsubscribed: int = 0
    retrying: int = 0
    failed: int = 0
    disabled: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: SyncReport) -> None:
        for name in _COUNTERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)


_COUNTERS = (
    "to_subscribe",
    "to_unsubscribe",
    "subscribed",
    "unsubscribed",
    "retrying",
    "failed",
    "disabled",
)


# --- plan -------------------------------------------------------------------------------
def _plan(account_ids: list[int], on: date) -> SyncReport:
    """Diff wanted and recorded subscriptions of these accounts' devices (caller's txn)."""
    report = SyncReport()
    now = utcnow()
    devices = db.session.execute(
        select(Device.id, Device.account_id, Device.token, Device.locale, Device.disabled_at).where(
            Device.account_id.in_(account_ids)
        )
    ).all()
    if not devices:
        return report
    countries = countries_by_account(account_ids, on)
    wanted: dict[tuple[str, str], tuple[int, str]] = {}
    disabled: set[int] = set()
    for device in devices:
        if device.disabled_at is not None:
            disabled.add(device.id)
            continue
        language = device_language(device.locale)
        digest = token_hash(device.token)
        for country in countries[device.account_id]:
            wanted[(digest, topic_for(country, language))] = (device.id, device.token)

    device_ids = [device.id for device in devices]
    hashes = list({digest for digest, _topic in wanted})
    mine = TopicSubscription.device_id.in_(device_ids)
    # A wanted token may have an orphan row (logged out, then back in): adopt it.
    condition = or_(mine, TopicSubscription.token_hash.in_(hashes)) if hashes else mine
    rows = db.session.scalars(select(TopicSubscription).where(condition)).all()
    for row in rows:
        if row.device_id in disabled:
            db.session.delete(row)
            continue
        key = (row.token_hash, row.topic)
        if key in wanted:
            row.device_id = wanted.pop(key)[0]
            if row.state == "unsubscribing":
                _make_due(row, "pending", now)
                report.to_subscribe += 1
        elif row.state != "unsubscribing":
            _make_due(row, "unsubscribing", now)
            report.to_unsubscribe += 1
    # Two syncs of one account may race: the second insert of a pair is a no-op.
    insert_ignoring_conflicts(
        TopicSubscription,
        [
            {
                "device_id": device_id,
                "token_hash": digest,
                "token": token,
                "topic": topic,
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for (digest, topic), (device_id, token) in wanted.items()
        ],
        ("token_hash", "topic"),
    )
    report.to_subscribe += len(wanted)
    db.session.flush()
    return report


def _make_due(row: TopicSubscription, state: str, now) -> None:
    row.state = state
    row.attempts = 0
    row.last_error = None
    row.next_attempt_at = now


def _release_orphans(*, everyone: bool) -> int:
    """Unsubscribe rows whose device is gone; drop rows of disabled devices (dead tokens).

    ``device_id`` becomes NULL when a device is deleted (PostgreSQL's ON DELETE SET NULL):
    an indexed lookup, done after every account sync. ``everyone`` (the periodic run) also
    drops the rows of every disabled device and finds ids that no longer match a device with
    the row's token (SQLite does not enforce foreign keys): full scans, so only then.
    """
    now = utcnow()
    gone = TopicSubscription.device_id.is_(None)
    if everyone:
        db.session.execute(
            delete(TopicSubscription).where(
                TopicSubscription.device_id.in_(
                    select(Device.id).where(Device.disabled_at.isnot(None))
                )
            )
        )
        gone = or_(
            gone,
            ~exists().where(
                Device.id == TopicSubscription.device_id, Device.token == TopicSubscription.token
            ),
        )
    result = db.session.execute(
        update(TopicSubscription)
        .where(gone, TopicSubscription.state != "unsubscribing")
        .values(
            state="unsubscribing", device_id=None, attempts=0, last_error=None, next_attempt_at=now
        )
    )
    return result.rowcount or 0


@transactional
def plan_account(account_id: int, on: date | None = None) -> SyncReport:
    report = _plan([account_id], on or today_utc())
    report.to_unsubscribe += _release_orphans(everyone=False)
    return report


@transactional
def _plan_batch(account_ids: list[int], on: date) -> SyncReport:
    return _plan(account_ids, on)


@transactional
def _release_all_orphans() -> int:
    return _release_orphans(everyone=True)


# --- drain ------------------------------------------------------------------------------
@transactional
def claim_due(
    limit: int = TOPIC_MANAGEMENT_BATCH_SIZE, device_ids: Iterable[int] | None = None
) -> list[int]:
    """Lease up to ``limit`` rows to subscribe or unsubscribe; returns their ids."""
    now = utcnow()
    query = select(TopicSubscription.id).where(
        TopicSubscription.state.in_(("pending", "unsubscribing")),
        TopicSubscription.next_attempt_at <= now,
        or_(TopicSubscription.claimed_until.is_(None), TopicSubscription.claimed_until < now),
    )
    if device_ids is not None:
        query = query.where(
            or_(
                TopicSubscription.device_id.in_(list(device_ids)),
                TopicSubscription.device_id.is_(None),
            )
        )
    query = query.order_by(TopicSubscription.next_attempt_at, TopicSubscription.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(query))
    if ids:
        db.session.execute(
            update(TopicSubscription)
            .where(TopicSubscription.id.in_(ids))
            .values(claimed_until=now + LEASE)
        )
    return ids


def send_claimed(ids: list[int]) -> SyncReport:
    """Call FCM for leased rows (grouped by action and topic) and record every outcome."""
    report = SyncReport()
    if not ids:
        return report
    rows = db.session.execute(
        select(
            TopicSubscription.id,
            TopicSubscription.token,
            TopicSubscription.topic,
            TopicSubscription.state,
        ).where(TopicSubscription.id.in_(ids))
    ).all()
    db.session.commit()  # no transaction stays open across the network calls
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for row in rows:
        groups[(row.state, row.topic)].append(row)
    sender = push_sender()
    outcomes: dict[int, tuple[str, PushError | None]] = {}
    for (state, topic), members in groups.items():
        call = sender.subscribe if state == "pending" else sender.unsubscribe
        tokens = [member.token for member in members]
        errors: dict[str, PushError] = {}
        for start in range(0, len(tokens), TOPIC_MANAGEMENT_BATCH_SIZE):
            chunk = tokens[start : start + TOPIC_MANAGEMENT_BATCH_SIZE]
            try:
                result = call(tokens=chunk, topic=topic)
                errors.update(result.errors)
            except PushError as exc:
                errors.update((token, exc) for token in chunk)
            except Exception as exc:  # never lose the leases silently
                log.exception("topic management failed unexpectedly topic=%s", topic)
                errors.update((token, PushUnavailable(str(exc))) for token in chunk)
        for member in members:
            outcomes[member.id] = (state, errors.get(member.token))
    _record(outcomes, report)
    return report


@transactional
def _record(outcomes: dict[int, tuple[str, PushError | None]], report: SyncReport) -> None:
    now = utcnow()
    rows = db.session.scalars(
        select(TopicSubscription).where(TopicSubscription.id.in_(list(outcomes)))
    ).all()
    alerted = False
    for row in rows:
        claimed_state, error = outcomes[row.id]
        row.claimed_until = None
        if row.state != claimed_state:
            continue  # re-planned while we called FCM: the next drain applies the new state
        if error is None:
            if claimed_state == "pending":
                row.state, row.subscribed_at, row.attempts, row.last_error = (
                    "subscribed",
                    now,
                    0,
                    None,
                )
                report.subscribed += 1
            else:
                db.session.delete(row)
                report.unsubscribed += 1
            continue
        row.last_error = f"{error.code}: {str(error)[:150]}"
        if error.disable_token:
            _disable_token(row.token, error.code)
            db.session.delete(row)
            report.disabled += 1
        elif error.retryable or error.operator_alert:
            if error.operator_alert and not alerted:
                alerted = True
                operator_log.error("FCM topic management needs attention: %s", error.code)
            row.attempts += 1
            row.next_attempt_at = now + retry_backoff(row.attempts)
            report.retrying += 1
        elif claimed_state == "pending":
            row.state = "failed"
            report.failed += 1
        else:
            log.warning(
                "unsubscribe refused for good topic=%s token=%s code=%s",
                row.topic,
                token_fingerprint(row.token),
                error.code,
            )
            db.session.delete(row)
            report.failed += 1
        report.errors.append(error.code)


def _disable_token(token: str, reason: str) -> None:
    db.session.execute(
        update(Device)
        .where(Device.token == token, Device.disabled_at.is_(None))
        .values(disabled_at=utcnow(), disabled_reason=reason)
    )
    log.info("device disabled: %s (%s)", token_fingerprint(token), reason)


def drain(device_ids: Iterable[int] | None = None, max_batches: int = 50) -> SyncReport:
    """Claim and process due rows until none are left (or ``max_batches``)."""
    device_ids = list(device_ids) if device_ids is not None else None
    report = SyncReport()
    for _ in range(max_batches):
        ids = claim_due(device_ids=device_ids)
        if not ids:
            break
        report.add(send_claimed(ids))
        if len(ids) < TOPIC_MANAGEMENT_BATCH_SIZE:
            break
    return report


# --- entry points -----------------------------------------------------------------------
def sync_account(account_id: int, on: date | None = None) -> SyncReport:
    """Bring one account's devices in step (after a trip, follow or device change)."""
    report = plan_account(account_id, on)
    device_ids = db.session.scalars(select(Device.id).where(Device.account_id == account_id))
    report.add(drain(device_ids=list(device_ids)))
    return report


def reconcile(on: date | None = None) -> SyncReport:
    """Everyone, in batches of accounts (the periodic job). Safe to run at any time."""
    on = on or today_utc()
    report = SyncReport(to_unsubscribe=_release_all_orphans())
    after = 0
    while True:
        account_ids = list(
            db.session.scalars(
                select(Device.account_id)
                .where(Device.account_id > after)
                .group_by(Device.account_id)
                .order_by(Device.account_id)
                .limit(ACCOUNTS_PER_PLAN)
            )
        )
        db.session.commit()
        if not account_ids:
            break
        report.add(_plan_batch(account_ids, on))
        after = account_ids[-1]
    report.add(drain(max_batches=10_000))
    return report
