"""The notifications core: devices, the inbox, preferences, and ``notify``.

``notify`` is what every other area calls, inside its own unit of work: it writes the inbox
item and one pending delivery per active device in the caller's transaction, and schedules
the push only after that transaction commits. A rolled-back change leaves no notification;
a phone that is off or a dead token loses nothing, because the inbox item stays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, insert, select, update

from services.core import signals
from services.core.db import after_commit, db, transactional
from services.core.errors import NotFound
from services.core.jobs import enqueue_or_leave_to_sweep
from services.core.task_names import TaskNames
from services.models import (
    NOTIFICATION_KINDS,
    Account,
    Delivery,
    Device,
    Notification,
    NotificationSettings,
)
from services.models.types import utcnow
from services.notifications.templates import render


# --- devices ----------------------------------------------------------------------------
@transactional
def register_device(
    account: Account, *, token: str, platform: str, locale: str, app_version: str | None
) -> tuple[Device, bool]:
    """Register a token for ``account``; a token known under another account moves here.

    Returns the device and whether it was newly created.
    """
    device = db.session.scalar(select(Device).where(Device.token == token).with_for_update())
    created = device is None
    before = None if device is None else (device.account_id, device.locale, device.disabled_at)
    if device is None:
        device = Device(token=token, account_id=account.id, platform=platform)
        db.session.add(device)
    elif device.account_id != account.id:
        # The phone changed hands (log out, log in as someone else): pending pushes of the
        # previous account must not reach the new one.
        _drop_pending_deliveries(device.id)
        device.account_id = account.id
    device.platform = platform
    device.locale = locale
    device.app_version = app_version
    device.last_seen_at = utcnow()
    device.disabled_at = None
    device.disabled_reason = None
    db.session.flush()
    if before != (account.id, locale, None):
        _device_changed(account.id)
    return device, created


def _device_changed(account_id: int) -> None:
    # Alert topic subscriptions follow the device (its language, its account): the alerts
    # domain re-syncs them after the commit.
    signals.device_changed.send(account_id)


def _drop_pending_deliveries(device_id: int) -> None:
    db.session.execute(
        update(Delivery)
        .where(Delivery.device_id == device_id, Delivery.status.in_(("pending", "sending")))
        .values(status="failed", last_error="device_moved")
    )


def devices_query(account: Account) -> Select:
    return (
        select(Device)
        .where(Device.account_id == account.id, Device.disabled_at.is_(None))
        .order_by(Device.id)
    )


@transactional
def unregister_device(account: Account, device_id: int) -> None:
    device = db.session.get(Device, device_id)
    if device is None or device.account_id != account.id:
        raise NotFound("device_not_found")
    _drop_pending_deliveries(device.id)
    db.session.delete(device)
    _device_changed(account.id)


# --- preferences ------------------------------------------------------------------------
def get_settings(account: Account) -> NotificationSettings:
    settings = db.session.get(NotificationSettings, account.id)
    if settings is None:
        settings = NotificationSettings(account_id=account.id, muted_kinds=[], email_kinds=[])
    return settings


@transactional
def update_settings(account: Account, changes: dict[str, Any]) -> NotificationSettings:
    settings = db.session.get(NotificationSettings, account.id)
    if settings is None:
        settings = NotificationSettings(account_id=account.id, muted_kinds=[], email_kinds=[])
        db.session.add(settings)
    if "muted_kinds" in changes:
        settings.muted_kinds = sorted(set(changes["muted_kinds"]))
    if "email_kinds" in changes:
        settings.email_kinds = sorted(set(changes["email_kinds"]))
    for field in ("quiet_start", "quiet_end"):
        if field in changes:
            setattr(settings, field, changes[field])
    db.session.flush()
    return settings


def quiet_hours_end(settings: NotificationSettings, zone: str, now: datetime) -> datetime | None:
    """When the account's quiet hours end, if ``now`` falls inside them (else None).

    Quiet hours are wall-clock times in the account's time zone and may span midnight
    (22:00-07:00). The end is computed in local time, so a daylight-saving change during
    the night still releases pushes at 07:00 local.
    """
    start, end = settings.quiet_start, settings.quiet_end
    if start is None or end is None or start == end:
        return None
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= clock < end
        end_day = local.date()
    else:  # spans midnight
        inside = clock >= start or clock < end
        end_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=tz)


def _push_allowed(settings: NotificationSettings, kind: str, emergency: bool) -> bool:
    # Emergency safety alerts cannot be muted.
    return emergency or kind not in (settings.muted_kinds or [])


# --- notify -----------------------------------------------------------------------------
def notify(
    account_id: int,
    kind: str,
    template: str,
    params: dict[str, Any] | None = None,
    *,
    data: dict[str, Any] | None = None,
    emergency: bool = False,
) -> Notification:
    """Create an inbox item for ``account_id`` and its pushes, in the caller's transaction.

    ``data`` carries deep-link ids for the app (values become strings). Emergency alerts
    ignore mutes and quiet hours and are pushed with high priority.
    """
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    account = db.session.get(Account, account_id)
    if account is None:
        raise NotFound("account_not_found")
    title, body = render(template, account.language, params)
    notification = Notification(
        account_id=account.id,
        kind=kind,
        template=template,
        params=params or {},
        language=account.language,
        title=title,
        body=body,
        data={key: str(value) for key, value in (data or {}).items()},
        emergency=emergency,
    )
    db.session.add(notification)
    db.session.flush()

    settings = get_settings(account)
    if _push_allowed(settings, kind, emergency):
        now = utcnow()
        not_before = None if emergency else quiet_hours_end(settings, account.time_zone, now)
        devices = db.session.scalars(
            select(Device.id).where(Device.account_id == account.id, Device.disabled_at.is_(None))
        ).all()
        for device_id in devices:
            db.session.add(
                Delivery(
                    notification_id=notification.id,
                    device_id=device_id,
                    next_attempt_at=not_before or now,
                )
            )
        db.session.flush()
        if devices and not_before is None:
            notification_id = notification.id
            after_commit(lambda: _schedule_push(notification_id))
    return notification


def add_inbox_items(
    account_ids: Sequence[int],
    kind: str,
    template: str,
    texts: Callable[[str], tuple[str, str]],
    *,
    params: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    emergency: bool = False,
) -> int:
    """Inbox items for many accounts in one bulk insert, without per-device pushes.

    For fan-outs whose push already left another way (an FCM topic reaches every subscribed
    device at once, e.g. safety alerts): the inbox keeps the message, nothing is queued per
    device. ``texts(language)`` gives the title and body in each recipient's language.
    Runs in the caller's transaction; returns how many items were added.
    """
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not account_ids:
        return 0
    languages = db.session.execute(
        select(Account.id, Account.language).where(Account.id.in_(list(account_ids)))
    ).all()
    rendered: dict[str, tuple[str, str]] = {}
    now = utcnow()
    rows = []
    for account_id, language in languages:
        if language not in rendered:
            rendered[language] = texts(language)
        title, body = rendered[language]
        rows.append(
            {
                "account_id": account_id,
                "kind": kind,
                "template": template,
                "params": params or {},
                "language": language,
                "title": title[:200],
                "body": body,
                "data": {key: str(value) for key, value in (data or {}).items()},
                "emergency": emergency,
                "created_at": now,
            }
        )
    if rows:
        db.session.execute(insert(Notification), rows)
    return len(rows)


def _schedule_push(notification_id: int) -> None:
    # The broker is down: the deliveries are safe in the outbox and the periodic sweep
    # sends them once it is back. The caller's change has committed; do not fail it.
    enqueue_or_leave_to_sweep(
        TaskNames.SEND_NOTIFICATION, notification_id, what=f"notification {notification_id}"
    )


# --- inbox ------------------------------------------------------------------------------
def inbox_query(account: Account, *, unread_only: bool = False) -> Select:
    query = select(Notification).where(Notification.account_id == account.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.id.desc())


def unread_count(account: Account) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.account_id == account.id, Notification.read_at.is_(None))
    )


@transactional
def mark_read(account: Account, notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.account_id != account.id:
        raise NotFound("notification_not_found")
    if notification.read_at is None:
        notification.read_at = utcnow()
    return notification


@transactional
def mark_all_read(account: Account) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.account_id == account.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount or 0
