"""Background tasks of notifications: push one notification's deliveries, sweep the outbox."""

from __future__ import annotations

import logging

from celery import shared_task

from services.core.task_names import TaskNames
from services.notifications import push_delivery

log = logging.getLogger(__name__)


@shared_task(name=TaskNames.SEND_NOTIFICATION, ignore_result=True)
def send_notification(notification_id: int) -> dict:
    """Push one notification's due deliveries right after the commit that created them.

    Failures stay in the outbox with their back-off; the sweep sends them later. So this
    task never raises (an eager run inside a request must not turn into a 500).
    """
    try:
        return push_delivery.drain(notification_id).__dict__
    except Exception:
        log.exception("send_notification failed; the sweep will pick the deliveries up")
        return {}


@shared_task(name=TaskNames.SWEEP_DELIVERIES, ignore_result=True)
def sweep_deliveries() -> dict:
    """Periodic: send every due delivery (retries, quiet hours over, lost leases)."""
    return push_delivery.drain().__dict__
