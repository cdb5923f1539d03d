"""Release and waitlist tasks: allocate a release at its close, and expire held offers."""

from __future__ import annotations

import logging

from celery import shared_task

from services.core.jobs import enqueue_or_leave_to_sweep
from services.core.task_names import TaskNames
from services.releases.allocation import allocate_release, due_releases
from services.releases.offers import expire_due_offers

log = logging.getLogger(__name__)


@shared_task(name=TaskNames.ALLOCATE_RELEASE)
def allocate_release_task(release_public_id: str) -> dict:
    # Idempotent and resumable: a retry, or the beat sweep, continues where this one stopped.
    return allocate_release(release_public_id)


@shared_task(name=TaskNames.ALLOCATE_DUE_RELEASES)
def allocate_due_releases() -> int:
    due = due_releases()
    for public_id in due:
        enqueue_or_leave_to_sweep(TaskNames.ALLOCATE_RELEASE, public_id, what=public_id)
    return len(due)


@shared_task(name=TaskNames.EXPIRE_WAITLIST_OFFERS)
def expire_waitlist_offers() -> int:
    return expire_due_offers()
