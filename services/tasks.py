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
