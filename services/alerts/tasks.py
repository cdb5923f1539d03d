"""Celery tasks of safety alerts: topic subscriptions, topic pushes, inbox fan-out, sweeps.

Each takes ids, re-reads what it needs, and never raises: a failure stays in its table
(subscription rows, dispatch rows, the fan-out cursor) and the periodic jobs pick it up, so
an eager run inside a request never turns into a 500.
"""

from __future__ import annotations

import logging

from celery import shared_task

from services.alerts import alerts, topic_subscriptions
from services.alerts import publishing as alert_publishing
from services.core.task_names import TaskNames

log = logging.getLogger(__name__)


@shared_task(name=TaskNames.SYNC_ACCOUNT_SUBSCRIPTIONS, ignore_result=True)
def sync_account_subscriptions(account_id: int) -> dict:
    """After a trip, follow or device change: bring that account's topics in step."""
    try:
        return topic_subscriptions.sync_account(account_id).__dict__
    except Exception:
        log.exception("subscription sync of account %s failed; reconcile will retry", account_id)
        return {}


@shared_task(name=TaskNames.RECONCILE_SUBSCRIPTIONS, ignore_result=True)
def reconcile_subscriptions() -> dict:
    """Periodic: every device's topics against trips (which start and end with the date),
    follows, languages, disabled and deleted devices; retries due subscription rows."""
    return topic_subscriptions.reconcile().__dict__


@shared_task(name=TaskNames.DISPATCH_ALERT, ignore_result=True)
def dispatch_alert(version_id: int) -> dict:
    """Push a just-approved alert version to its topics."""
    try:
        return alert_publishing.dispatch(version_id).__dict__
    except Exception:
        log.exception("alert dispatch of version %s failed; the sweep retries", version_id)
        return {}


@shared_task(name=TaskNames.FAN_OUT_ALERT_INBOX, ignore_result=True)
def fan_out_alert_inbox(version_id: int) -> int:
    """Inbox items for travellers registered in the alert's countries, in batches."""
    try:
        return alert_publishing.fan_out_inbox(version_id)
    except Exception:
        log.exception("inbox fan-out of version %s failed; the sweep resumes it", version_id)
        return 0


@shared_task(name=TaskNames.SWEEP_ALERTS, ignore_result=True)
def sweep_alerts() -> dict:
    """Periodic: expire alerts, retry due topic pushes, resume unfinished fan-outs."""
    expired = alerts.expire_alerts()
    report = alert_publishing.dispatch()
    resumed = 0
    for version_id in alert_publishing.unfinished_fan_outs():
        resumed += alert_publishing.fan_out_inbox(version_id)
    return {"expired": expired, **report.__dict__, "inbox_items": resumed}
