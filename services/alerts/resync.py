"""Queueing the re-sync of one account's alert topic subscriptions after a commit.

Trips, follows and devices change which topics an account's devices should follow; each
change calls ``schedule_sync`` and the ``alerts.sync_account_subscriptions`` task brings the
subscriptions in step (``topic_subscriptions.sync_account``). This module sits below both
trips and topic subscriptions so that neither has to import the other to ask for a sync.
"""

from __future__ import annotations

from services.core.db import after_commit
from services.core.jobs import enqueue_or_leave_to_sweep
from services.core.task_names import TaskNames


def schedule_sync(account_id: int) -> None:
    """Re-sync ``account_id``'s subscriptions after the current unit of work commits."""
    after_commit(lambda: _enqueue_sync(account_id))


def _enqueue_sync(account_id: int) -> None:
    # Broker down: the periodic reconcile catches up; the caller's change has committed.
    enqueue_or_leave_to_sweep(
        TaskNames.SYNC_ACCOUNT_SUBSCRIPTIONS, account_id, what=f"sync of account {account_id}"
    )
