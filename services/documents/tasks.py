"""Background tasks of documents: deleting stored objects, retried while the store is down."""

from __future__ import annotations

import logging

from celery import shared_task

from services.core.task_names import TaskNames
from services.documents import documents

log = logging.getLogger(__name__)


@shared_task(
    name=TaskNames.DELETE_STORED_OBJECTS,
    bind=True,
    ignore_result=True,
    max_retries=8,
)
def delete_stored_objects(self, keys: list[str]) -> None:
    """Delete objects of deleted, replaced or refused documents; retry with back-off while the
    store is unreachable. Never raises in an eager run (the caller's change has committed)."""
    _delete(self, keys)


# The name this task had before the domain packages. Nothing sweeps stored objects, so a
# deletion queued (or waiting for a retry, up to an hour) by the previous release must still
# find a worker after a deploy. Drop it one release later.
@shared_task(
    name="services.tasks.delete_stored_objects",
    bind=True,
    ignore_result=True,
    max_retries=8,
)
def delete_stored_objects_by_old_name(self, keys: list[str]) -> None:
    _delete(self, keys)


def _delete(task, keys: list[str]) -> None:
    failed = documents.delete_objects(keys)
    if not failed:
        return
    if task.request.is_eager:
        log.warning("could not delete %d stored objects", len(failed))
        return
    raise task.retry(args=(failed,), countdown=min(3600, 30 * 2**task.request.retries))
