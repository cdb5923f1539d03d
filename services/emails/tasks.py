"""Celery tasks of the e-mail outbox: send one message, sweep the due ones."""

from __future__ import annotations

import logging

from celery import shared_task

from services.core.task_names import TaskNames
from services.emails import outbox

log = logging.getLogger(__name__)


@shared_task(name=TaskNames.SEND_EMAIL, ignore_result=True)
def send_email(email_id: int) -> str:
    """Send one outbox message; a failure stays in its row for the sweep."""
    try:
        return outbox.send_email(email_id)
    except Exception:
        log.exception("e-mail %s could not be sent; the sweep retries", email_id)
        return "error"


@shared_task(name=TaskNames.SWEEP_EMAILS, ignore_result=True)
def sweep_emails() -> int:
    """Periodic: queue retries that are due and messages whose queuing was lost."""
    return outbox.sweep()
