"""What the alerts domain does when a lower domain signals a change."""

from __future__ import annotations

from services.alerts.resync import schedule_sync
from services.core import signals


def _resync_after_device_change(account_id: int, **_: object) -> None:
    # A device's language or account decides the topics it follows.
    schedule_sync(account_id)


def connect() -> None:
    signals.device_changed.connect(_resync_after_device_change)
