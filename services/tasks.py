"""Background tasks. Each receives ids or plain values and runs in an app context."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from services import idempotency
from services.models.types import utcnow


@shared_task(name="services.tasks.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Forget Idempotency-Key records past their retention window."""
    return idempotency.purge_records(utcnow() - current_app.config["IDEMPOTENCY_TTL"])


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
