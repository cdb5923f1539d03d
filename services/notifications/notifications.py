"""The notifications core: devices, the inbox, preferences, and ``notify``.

``notify`` is what every other area calls, inside its own unit of work: it writes the inbox
item and one pending delivery per active device in the caller's transaction, and schedules
the push only after that transaction commits. A rolled-back change leaves no notification;
a phone that is off or a dead token loses nothing, because the inbox item stays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, insert, select, update

from services.core import signals
from services.core.bulk import insert_returning_ids
from services.core.db import after_commit, db, transactional
from services.core.errors import Conflict, NotFound
from services.core.i18n import to_json
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

# Values an inbox item's ``data`` may hold: JSON scalars, kept with their type in the API
# (the app reads ``application_id`` as a number); FCM's data payload, which takes only
# strings, gets them spelled out by ``push_data``.
DataValue = str | int | float | bool | None


def inbox_data(data: dict[str, Any] | None) -> dict[str, DataValue]:
    """``data`` as stored on the inbox item: string keys, JSON scalar values as given."""
    checked: dict[str, DataValue] = {}
    for key, value in (data or {}).items():
        if not isinstance(value, DataValue):
            raise ValueError(f"notification data {key!r} must be a JSON scalar, not {value!r}")
        checked[str(key)] = value
    return checked


def push_data(data: dict[str, Any] | None) -> dict[str, str]:
    """The same values as FCM's data payload wants them: strings (``true``, ``12``)."""
    return {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in (data or {}).items()
    }


# --- devices ----------------------------------------------------------------------------
def installation_hash(installation_id: str | None) -> str | None:
    """What we keep of an installation id: its SHA-256 (a leaked table moves no token)."""
    if not installation_id:
        return None
    return hashlib.sha256(installation_id.encode()).hexdigest()


@transactional
def register_device(
    account: Account,
    *,
    token: str,
    platform: str,
    locale: str,
    app_version: str | None,
    installation_id: str | None = None,
) -> tuple[Device, bool]:
    """Register a token for ``account``. Returns the device and whether it was created.

    A token is a secret of the phone, but it leaks (logs, backups, a shared test build), and
    whoever holds a device row gets its pushes. So a token registered under another account
    moves here only when the request carries the installation id the token was registered
    with: the same app installation, now logged in as someone else (a shared phone). Anyone
    else gets ``device_token_in_use`` and nothing changes: the other account keeps its
    device and its pushes, the caller's pushes never reach that phone. A token registered
    without an installation id can only be freed by its account (unregister) or by FCM
    declaring it dead. The account's own re-registration may add or replace the id.
    """
    proof = installation_hash(installation_id)
    device = db.session.scalar(select(Device).where(Device.token == token).with_for_update())
    created = device is None
    before = None if device is None else (device.account_id, device.locale, device.disabled_at)
    if device is None:
        device = Device(token=token, account_id=account.id, platform=platform)
        db.session.add(device)
    elif device.account_id != account.id:
        if not (
            proof
            and device.installation_hash
            and hmac.compare_digest(proof, device.installation_hash)
        ):
            raise Conflict("device_token_in_use")
        # The phone changed hands (log out, log in as someone else): pending pushes of the
        # previous account must not reach the new one.
        _drop_pending_deliveries(device.id)
        device.account_id = account.id
    if proof:
        device.installation_hash = proof
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
    return db.session.get(NotificationSettings, account.id) or default_settings(account.id)


def default_settings(account_id: int) -> NotificationSettings:
    """The settings of an account that never changed them (a transient row, never added)."""
    return NotificationSettings(account_id=account_id, muted_kinds=[], email_kinds=[])


@transactional
def update_settings(account: Account, changes: dict[str, Any]) -> NotificationSettings:
    settings = db.session.get(NotificationSettings, account.id)
    if settings is None:
        settings = default_settings(account.id)
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
    settings: NotificationSettings | None = None,
) -> Notification:
    """Create an inbox item for ``account_id`` and its pushes, in the caller's transaction.

    ``settings``: the account's, when the caller already read them (``get_settings``).

    ``data`` carries deep-link ids for the app (JSON scalars, kept as given; the push
    spells them as strings, as FCM requires). Emergency alerts
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
        params=to_json(params),
        language=account.language,
        title=title,
        body=body,
        data=inbox_data(data),
        emergency=emergency,
    )
    db.session.add(notification)
    db.session.flush()

    if settings is None:
        settings = get_settings(account)
    _queue_pushes([(notification.id, account.id, account.time_zone, settings)], kind, emergency)
    return notification


def _queue_pushes(
    items: Sequence[tuple[int, int, str, NotificationSettings]], kind: str, emergency: bool
) -> None:
    """The pushes of new inbox items, for ``notify`` and ``notify_many`` alike: a pending
    delivery per active device of each account (when the kind is not muted; due after its
    quiet hours), and the send queued after the commit for those due now. ``items`` are
    (notification id, account id, account time zone, its settings)."""
    wanted = [item for item in items if _push_allowed(item[3], kind, emergency)]
    if not wanted:
        return
    devices: dict[int, list[int]] = {}
    for device_id, account_id in db.session.execute(
        select(Device.id, Device.account_id)
        .where(Device.account_id.in_({item[1] for item in wanted}), Device.disabled_at.is_(None))
        .order_by(Device.id)
    ):
        devices.setdefault(account_id, []).append(device_id)
    now = utcnow()
    deliveries, to_send = [], []
    for notification_id, account_id, time_zone, settings in wanted:
        if not devices.get(account_id):
            continue
        not_before = None if emergency else quiet_hours_end(settings, time_zone, now)
        for device_id in devices[account_id]:
            deliveries.append(
                {
                    "notification_id": notification_id,
                    "device_id": device_id,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": not_before or now,
                    "created_at": now,
                    "claimed_until": None,
                    "sent_at": None,
                    "message_id": None,
                    "last_error": None,
                }
            )
        if not_before is None:
            to_send.append(notification_id)
    if deliveries:
        db.session.connection().execute(insert(Delivery.__table__), deliveries)
    if to_send:
        after_commit(lambda: [_schedule_push(notification_id) for notification_id in to_send])


def notify_many(
    items: Sequence[tuple[int, dict[str, Any], dict[str, Any]]],
    kind: str,
    template: str,
    *,
    params_for: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None,
) -> int:
    """``notify`` for many accounts at once, in the caller's transaction: the inbox items and
    their deliveries in bulk inserts, a handful of statements whatever the count.

    ``items`` are (account id, params, data); ``params_for(language, params)`` may put the
    params into each recipient's language before rendering. Mutes and quiet hours apply as in
    ``notify``. Returns how many inbox items were added.
    """
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not items:
        return 0
    account_ids = sorted({account_id for account_id, _, _ in items})
    accounts = {
        row.id: row
        for row in db.session.execute(
            select(Account.id, Account.language, Account.time_zone).where(
                Account.id.in_(account_ids)
            )
        )
    }
    settings = {
        row.account_id: row
        for row in db.session.scalars(
            select(NotificationSettings).where(NotificationSettings.account_id.in_(account_ids))
        )
    }
    now = utcnow()
    rows, kept = [], []
    for account_id, params, data in items:
        account = accounts.get(account_id)
        if account is None:  # deleted meanwhile: nobody left to tell
            continue
        localised = params_for(account.language, params) if params_for else params
        title, body = render(template, account.language, localised)
        rows.append(
            {
                "account_id": account_id,
                "kind": kind,
                "template": template,
                "params": to_json(localised),
                "language": account.language,
                "title": title,
                "body": body,
                "data": inbox_data(data),
                "emergency": False,
                "created_at": now,
                "read_at": None,
            }
        )
        kept.append(account)
    if not rows:
        return 0
    ids = insert_returning_ids(Notification.__table__, rows)
    _queue_pushes(
        [
            (
                notification_id,
                account.id,
                account.time_zone,
                settings.get(account.id) or default_settings(account.id),
            )
            for notification_id, account in zip(ids, kept, strict=True)
        ],
        kind,
        emergency=False,
    )
    return len(rows)


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
                "title": title,
                "body": body,
                "data": inbox_data(data),
                "emergency": emergency,
                "created_at": now,
            }
        )
    if rows:
        db.session.execute(insert(Notification), rows)
    return len(rows)


def supersede(account_id: int, kind: str, data: dict[str, Any]) -> list[int]:
    """Mark the account's inbox items of ``kind`` whose ``data`` holds every given pair as
    superseded, in the caller's transaction, and drop their pushes not yet handed to a
    worker (one deferred by quiet hours must not arrive after the change). Returns the ids.
    """
    # Compared as spelled for push, so items stored before data kept its types match too.
    wanted = push_data(data)
    candidates = db.session.execute(
        select(Notification.id, Notification.data).where(
            Notification.account_id == account_id,
            Notification.kind == kind,
            Notification.superseded_at.is_(None),
        )
    ).all()
    # ``data`` is JSON, compared here rather than in SQL so it reads the same on SQLite and
    # PostgreSQL; an account has few items of one kind that are not superseded yet.
    ids = [row.id for row in candidates if wanted.items() <= push_data(row.data).items()]
    if ids:
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(ids))
            .values(superseded_at=utcnow())
            .execution_options(synchronize_session="fetch")
        )
        db.session.execute(
            update(Delivery)
            .where(Delivery.notification_id.in_(ids), Delivery.status == "pending")
            .values(status="failed", last_error="superseded")
            .execution_options(synchronize_session=False)
        )
    return ids


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
