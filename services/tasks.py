"""Background tasks. Each receives ids or plain values and runs in an app context."""

from __future__ import annotations

import logging

from celery import shared_task
from flask import current_app

from services import idempotency, push_delivery
from services.models.types import utcnow

log = logging.getLogger(__name__)


@shared_task(name="services.tasks.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Forget Idempotency-Key records past their retention window."""
    return idempotency.purge_records(utcnow() - current_app.config["IDEMPOTENCY_TTL"])


@shared_task(name="services.tasks.send_notification", ignore_result=True)
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


@shared_task(name="services.tasks.sweep_deliveries", ignore_result=True)
def sweep_deliveries() -> dict:
    """Periodic: send every due delivery (retries, quiet hours over, lost leases)."""
    return push_delivery.drain().__dict__


@shared_task(name="services.tasks.send_appointment_reminders")
def send_appointment_reminders() -> int:
    """Send the reminders due now (the day before each appointment, post's local time)."""
    from services.reminders import send_due_reminders

    return send_due_reminders()


@shared_task(name="services.tasks.generate_appointment_slots")
def generate_appointment_slots() -> dict:
    """Extend every post's slots as its booking window moves forward (idempotent)."""
    from services.slots import generate_all_slots

    return generate_all_slots()


@shared_task(
    name="services.tasks.delete_stored_objects",
    bind=True,
    ignore_result=True,
    max_retries=8,
)
def delete_stored_objects(self, keys: list[str]) -> None:
    """Delete objects of deleted, replaced or refused documents; retry with back-off while the
    store is unreachable. Never raises in an eager run (the caller's change has committed)."""
    from services import documents

    failed = documents.delete_objects(keys)
    if not failed:
        return
    if self.request.is_eager:
        log.warning("could not delete %d stored objects", len(failed))
        return
    raise self.retry(args=(failed,), countdown=min(3600, 30 * 2**self.request.retries))
