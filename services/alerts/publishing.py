"""Publishing an approved alert version: one push per FCM topic, and the inbox fan-out.

Publication cost does not grow with the audience. Approval writes one ``alert_dispatch``
row per (country, language) topic in its own transaction; after the commit a task sends
each with ``send_to_topic`` (FCM does the fan-out to every subscribed device) and records
the outcome, retrying with back-off like the push outbox. A language the alert lacks gets
the English text on that language's topic. The body is cut (with an ellipsis) to fit FCM's
2 KB topic payload; the inbox and the public list keep the full text. Emergency alerts go
with high priority.

The inbox items for travellers registered in the alert's countries are written by another
task after the commit, in batches of accounts (bulk inserts, no per-device deliveries: the
topic already pushed). Its progress is a cursor on the version, so a crashed worker resumes
where it stopped and nobody gets the item twice. The sweep retries failed pushes and
resumes unfinished fan-outs; a version that was replaced or withdrawn before it went out
is skipped.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Select, or_, select, update

from push import PushError, PushUnavailable, TopicMessage
from push.base import TOPIC_PAYLOAD_LIMIT
from services.alerts.topic_subscriptions import topic_for
from services.alerts.trips import registered_account_ids
from services.core.clock import today_utc
from services.core.db import db, transactional
from services.core.integrations import push_sender
from services.core.jobs import enqueue_or_leave_to_sweep
from services.core.languages import DEFAULT_LANGUAGE, LANGUAGES
from services.core.outbox import retry_backoff, still_held
from services.core.task_names import TaskNames
from services.models import Alert, AlertDispatch, AlertVersion
from services.models.types import utcnow
from services.notifications.notifications import add_inbox_items

log = logging.getLogger(__name__)
operator_log = logging.getLogger("palm.operator")

ELLIPSIS = "…"
LEASE = timedelta(minutes=5)
DISPATCH_BATCH = 100
FAN_OUT_BATCH = 1000
MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class DispatchReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    skipped: int = 0


def plan_dispatches(version: AlertVersion) -> None:
    """One outbox row per (country, language) topic, in the approval's transaction."""
    for country in version.countries:
        for language in LANGUAGES:
            db.session.add(
                AlertDispatch(
                    version_id=version.id,
                    topic=topic_for(country, language),
                    country=country,
                    language=language,
                )
            )


def schedule_publication(version_id: int) -> None:
    """After the approval commits: push to the topics first, then fill the inboxes."""
    # A broker that is down loses nothing: the rows are safe and the sweep sends them.
    for task_name in (TaskNames.DISPATCH_ALERT, TaskNames.FAN_OUT_ALERT_INBOX):
        enqueue_or_leave_to_sweep(task_name, version_id, what=f"alert version {version_id}")


# --- the topic message ------------------------------------------------------------------
def payload_size(title: str, body: str, data: dict[str, str]) -> int:
    """Bytes of the notification and data payload, counted like ``push.base`` counts them."""
    payload = {"notification": {"title": title, "body": body}, "data": data}
    return len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def _cut(text: str, fits) -> str:
    """The longest prefix of ``text`` (plus an ellipsis) for which ``fits`` holds."""
    low, high = 0, len(text)  # invariant: a prefix of ``low`` characters fits
    while low < high:
        middle = (low + high + 1) // 2
        if fits(text[:middle].rstrip() + ELLIPSIS):
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS


def fit_topic_payload(
    title: str, body: str, data: dict[str, str], limit: int = TOPIC_PAYLOAD_LIMIT
) -> tuple[str, str, bool]:
    """Title and body cut to fit ``limit`` bytes with ``data``; and whether anything was cut."""
    if payload_size(title, body, data) <= limit:
        return title, body, False
    if payload_size(title, ELLIPSIS, data) > limit:  # only absurd titles get here
        title = _cut(title, lambda t: payload_size(t, ELLIPSIS, data) <= limit)
    body = _cut(body, lambda b: payload_size(title, b, data) <= limit)
    return title, body, True


def topic_message(
    alert: Alert, version: AlertVersion, country: str, language: str, topic: str
) -> tuple[TopicMessage, bool]:
    title = version.titles.get(language) or version.titles[DEFAULT_LANGUAGE]
    body = version.bodies.get(language) or version.bodies[DEFAULT_LANGUAGE]
    data = {
        "kind": "alert",
        "alert_id": str(alert.id),
        "version": str(version.number),
        "level": version.level,
        "alert_kind": version.kind,
        "country": country,
    }
    title, body, truncated = fit_topic_payload(title, body, data)
    urgent = version.level == "emergency" and version.kind != "all_clear"
    message = TopicMessage(topic=topic, title=title, body=body, data=data, high_priority=urgent)
    return message, truncated


# --- the dispatch outbox ----------------------------------------------------------------
def _due(version_id: int | None, limit: int) -> Select:
    now = utcnow()
    query = select(AlertDispatch.id).where(
        or_(
            (AlertDispatch.status == "pending") & (AlertDispatch.next_attempt_at <= now),
            (AlertDispatch.status == "sending") & (AlertDispatch.claimed_until < now),
        )
    )
    if version_id is not None:
        query = query.where(AlertDispatch.version_id == version_id)
    query = query.order_by(AlertDispatch.next_attempt_at, AlertDispatch.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return query


@transactional
def claim_dispatches(version_id: int | None = None, limit: int = DISPATCH_BATCH) -> list[int]:
    ids = list(db.session.scalars(_due(version_id, limit)))
    if ids:
        db.session.execute(
            update(AlertDispatch)
            .where(AlertDispatch.id.in_(ids))
            .values(status="sending", claimed_until=utcnow() + LEASE)
        )
    return ids


def send_dispatches(ids: list[int]) -> DispatchReport:
    """Send leased dispatches (network calls outside any transaction), record outcomes."""
    counts = {"sent": 0, "retrying": 0, "dead": 0, "skipped": 0}
    dispatches = db.session.scalars(
        select(AlertDispatch).where(AlertDispatch.id.in_(ids)).order_by(AlertDispatch.id)
    ).all()
    # The lease each row is on as this worker claimed it (read right after the claim).
    leases = {dispatch.id: dispatch.claimed_until for dispatch in dispatches}
    plans: list[tuple[AlertDispatch, TopicMessage | None, bool]] = []
    for dispatch in dispatches:
        version = db.session.get(AlertVersion, dispatch.version_id)
        alert = db.session.get(Alert, version.alert_id)
        if alert.published_version_id != version.id or alert.status != "published":
            plans.append((dispatch, None, False))  # replaced or withdrawn before it went out
            continue
        message, truncated = topic_message(
            alert, version, dispatch.country, dispatch.language, dispatch.topic
        )
        plans.append((dispatch, message, truncated))
    db.session.commit()
    sender = push_sender()
    results: list[tuple[str | None, PushError | None]] = []
    for _dispatch, message, _truncated in plans:
        if message is None:
            results.append((None, None))
            continue
        try:
            results.append((sender.send_to_topic(message=message), None))
        except PushError as exc:
            results.append((None, exc))
        except Exception as exc:
            log.exception("topic push failed unexpectedly")
            results.append((None, PushUnavailable(str(exc))))
    now = utcnow()
    held = still_held(AlertDispatch, leases)
    for (dispatch, message, truncated), (message_id, error) in zip(plans, results, strict=True):
        if dispatch.id not in held:
            # Our lease ran out during the calls and another worker took the row over:
            # its record, not ours (writing ours first would make it drop its own).
            continue
        dispatch.claimed_until = None
        dispatch.attempts += 1
        if message is None:
            dispatch.status = "skipped"
            counts["skipped"] += 1
        elif error is None:
            dispatch.status, dispatch.message_id, dispatch.sent_at = "sent", message_id, now
            dispatch.truncated, dispatch.last_error = truncated, None
            counts["sent"] += 1
        else:
            dispatch.last_error = f"{error.code}: {str(error)[:150]}"
            if (error.retryable or error.operator_alert) and dispatch.attempts < MAX_ATTEMPTS:
                dispatch.status = "pending"
                dispatch.next_attempt_at = now + retry_backoff(dispatch.attempts)
                counts["retrying"] += 1
            else:
                dispatch.status = "dead"
                counts["dead"] += 1
            if error.operator_alert or dispatch.status == "dead":
                operator_log.error(
                    "alert push to topic %s failed: %s (%s)",
                    dispatch.topic,
                    error.code,
                    dispatch.status,
                )
    db.session.commit()
    return DispatchReport(**counts)


def dispatch(version_id: int | None = None, max_batches: int = 50) -> DispatchReport:
    """Send due topic pushes (of one version, or all) until none are left."""
    totals = {"sent": 0, "retrying": 0, "dead": 0, "skipped": 0}
    for _ in range(max_batches):
        ids = claim_dispatches(version_id)
        if not ids:
            break
        report = send_dispatches(ids)
        for key in totals:
            totals[key] += getattr(report, key)
        if len(ids) < DISPATCH_BATCH:
            break
    return DispatchReport(**totals)


# --- the inbox fan-out ------------------------------------------------------------------
@transactional
def _fan_out_batch(version_id: int, batch: int) -> tuple[int, bool]:
    version = db.session.scalar(
        select(AlertVersion).where(AlertVersion.id == version_id).with_for_update()
    )
    if version is None or version.inbox_done_at is not None:
        return 0, True
    alert = db.session.get(Alert, version.alert_id)
    if alert.published_version_id != version.id or alert.status != "published":
        version.inbox_done_at = utcnow()  # replaced or withdrawn: the newer one fans out
        return 0, True
    account_ids = registered_account_ids(
        version.countries, today_utc(), after=version.inbox_cursor, limit=batch
    )

    def texts(language: str) -> tuple[str, str]:
        title = version.titles.get(language) or version.titles[DEFAULT_LANGUAGE]
        body = version.bodies.get(language) or version.bodies[DEFAULT_LANGUAGE]
        return title, body

    added = add_inbox_items(
        account_ids,
        "alert",
        f"safety_alert_{version.kind}",
        texts,
        params={"alert_id": alert.id, "version": version.number},
        data={"alert_id": alert.id, "version": version.number, "level": version.level},
        emergency=version.level == "emergency" and version.kind != "all_clear",
    )
    if account_ids:
        version.inbox_cursor = account_ids[-1]
    done = len(account_ids) < batch
    if done:
        version.inbox_done_at = utcnow()
    return added, done


def fan_out_inbox(version_id: int, batch: int = FAN_OUT_BATCH) -> int:
    """Inbox items for everyone registered in the version's countries, batch by batch."""
    total = 0
    while True:
        added, done = _fan_out_batch(version_id, batch)
        total += added
        if done:
            return total


def unfinished_fan_outs() -> list[int]:
    return list(
        db.session.scalars(
            select(AlertVersion.id).where(
                AlertVersion.status == "published", AlertVersion.inbox_done_at.is_(None)
            )
        )
    )
