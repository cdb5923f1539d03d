"""``notify``'s rows written by the caller's own statement (PostgreSQL): one round trip.

A caller that inserts its own row in a statement built once (a booking: its appointment)
can add the inbox item and its pending deliveries to it as data-modifying CTEs
(``inbox_ctes``), instead of ``notify``'s three statements (the item, the devices, the
deliveries). What ``notify`` decides in Python is decided here the same way before the
statement (``inbox_item``: the texts in the account's language, mutes, quiet hours); the
item's ``data`` gets the caller's new row's id in SQL; and the push is scheduled after the
commit once the statement has said how many deliveries it wrote (``inbox_item_written``).
The rows are the ones ``notify`` writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    bindparam,
    func,
    insert,
    literal,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.selectable import CTE

from services.core.db import after_commit
from services.core.i18n import to_json
from services.models import (
    NOTIFICATION_KINDS,
    Account,
    Delivery,
    Device,
    Notification,
    NotificationSettings,
)
from services.notifications.notifications import (
    _push_allowed,
    _schedule_push,
    inbox_data,
    quiet_hours_end,
)
from services.notifications.templates import render

_ITEM = Notification.__table__
_DELIVERY = Delivery.__table__
_DEVICE = Device.__table__
# The inbox item's columns the statement binds (``inbox_<column>``), in insert order.
_BOUND = ("account_id", "kind", "template", "params", "language", "title", "body", "emergency")


@dataclass(frozen=True)
class InboxItem:
    """An inbox item decided in Python: ``parameters`` for ``inbox_ctes``' statement."""

    parameters: dict[str, Any]
    due_now: bool  # its deliveries are due at once (not deferred by quiet hours)


def inbox_item(
    account: Account,
    kind: str,
    template: str,
    params: dict[str, Any],
    *,
    data: dict[str, Any],
    settings: NotificationSettings,
    now: datetime,
    emergency: bool = False,
) -> InboxItem:
    """What ``notify`` would write for ``account``, but the id ``inbox_ctes`` adds to
    ``data``: the texts rendered in the account's language, whether the kind is pushed
    (mutes) and when (quiet hours)."""
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    title, body = render(template, account.language, params)
    push = _push_allowed(settings, kind, emergency)
    not_before = (
        None if emergency or not push else quiet_hours_end(settings, account.time_zone, now)
    )
    values = {
        "account_id": account.id,
        "kind": kind,
        "template": template,
        "params": to_json(params),
        "language": account.language,
        "title": title,
        "body": body,
        "emergency": emergency,
    }
    parameters = {f"inbox_{name}": value for name, value in values.items()}
    parameters.update(
        inbox_data=inbox_data(data),
        inbox_now=now,
        inbox_push=push,
        inbox_next_attempt_at=not_before or now,
    )
    return InboxItem(parameters, due_now=push and not_before is None)


def inbox_ctes(reference: ColumnElement, key: str) -> tuple[CTE, CTE]:
    """Two CTEs for the caller's statement: the inbox item (``RETURNING id``), its ``data``
    the bound one with ``key`` set to ``reference`` (the caller's new row's id, from its own
    CTE), and one pending delivery per active device of the account, in device order
    (``RETURNING 1``: count them for ``inbox_item_written``). Built once, at import."""
    data = type_coerce(bindparam("inbox_data", type_=_ITEM.c.data.type), JSONB).op(
        "||", return_type=JSONB
    )(func.jsonb_build_object(literal(key), reference))
    item = (
        insert(_ITEM)
        .from_select(
            [*_BOUND, "data", "created_at"],
            select(
                *(bindparam(f"inbox_{name}", type_=_ITEM.c[name].type) for name in _BOUND),
                data,
                bindparam("inbox_now", type_=_ITEM.c.created_at.type),
            ),
        )
        .returning(_ITEM.c.id)
        .cte("inbox_item")
    )
    deliveries = (
        insert(_DELIVERY)
        .from_select(
            ["notification_id", "device_id", "status", "attempts", "next_attempt_at", "created_at"],
            select(
                item.c.id,
                _DEVICE.c.id,
                literal("pending"),
                literal(0),
                bindparam("inbox_next_attempt_at", type_=_DELIVERY.c.next_attempt_at.type),
                bindparam("inbox_now", type_=_DELIVERY.c.created_at.type),
            )
            .select_from(item)
            .join(
                _DEVICE,
                (_DEVICE.c.account_id == bindparam("inbox_account_id"))
                & _DEVICE.c.disabled_at.is_(None)
                & bindparam("inbox_push", type_=Boolean),
            )
            .order_by(_DEVICE.c.id)
            # A device deleted meanwhile (its owner signed out of the app) is skipped, not
            # met by the delivery's foreign key: the lock waits for a delete in progress
            # and then sees the row gone.
            .with_for_update(key_share=True, of=_DEVICE),
        )
        .returning(literal_column("1"))
        .cte("inbox_deliveries")
    )
    return item, deliveries


def inbox_item_written(item: InboxItem, notification_id: int, deliveries: int) -> None:
    """After the caller's statement: the push of deliveries due now leaves after the
    commit, as ``notify``'s does."""
    if deliveries and item.due_now:
        after_commit(lambda: _schedule_push(notification_id))
