"""Periodic task of the Idempotency-Key records: forget them after their retention window."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from services.core.task_names import TaskNames
from services.idempotency import records
from services.models.types import utcnow


@shared_task(name=TaskNames.PURGE_IDEMPOTENCY_KEYS)
def purge_idempotency_keys() -> int:
    """Forget Idempotency-Key records past their retention window."""
    return records.purge_records(utcnow() - current_app.config["IDEMPOTENCY_TTL"])
