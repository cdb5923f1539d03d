"""Celery, bound to the Flask app: tasks run inside an app context.

Embedded default: ``task_always_eager`` runs tasks in-process right after the commit that
scheduled them. Production: Redis broker, ``celery -A api.worker worker`` and ``beat``.
Tasks take ids, never ORM objects, and re-read what they need.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import Celery, Task
from flask import Flask, current_app

from services.core.task_names import TASK_MODULES, TaskNames

log = logging.getLogger(__name__)


def init_celery(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    eager = bool(app.config.get("CELERY_ALWAYS_EAGER", True))
    broker = app.config.get("CELERY_BROKER_URL") or "memory://"
    celery.conf.update(
        broker_url=broker,
        result_backend=None,
        task_ignore_result=True,
        task_always_eager=eager,
        task_eager_propagates=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        imports=TASK_MODULES,
        beat_schedule={
            "sweep-deliveries": {
                "task": TaskNames.SWEEP_DELIVERIES,
                "schedule": timedelta(seconds=30),
            },
            "sweep-emails": {
                "task": TaskNames.SWEEP_EMAILS,
                "schedule": timedelta(seconds=30),
            },
            "purge-idempotency-keys": {
                "task": TaskNames.PURGE_IDEMPOTENCY_KEYS,
                "schedule": timedelta(hours=1),
            },
            "reconcile-topic-subscriptions": {
                "task": TaskNames.RECONCILE_SUBSCRIPTIONS,
                "schedule": timedelta(minutes=10),
            },
            "sweep-alerts": {
                "task": TaskNames.SWEEP_ALERTS,
                "schedule": timedelta(minutes=1),
            },
            "appointment-reminders": {
                "task": TaskNames.SEND_APPOINTMENT_REMINDERS,
                "schedule": timedelta(minutes=10),
            },
            "generate-appointment-slots": {
                "task": TaskNames.GENERATE_APPOINTMENT_SLOTS,
                "schedule": timedelta(hours=1),
            },
            "allocate-due-releases": {
                "task": TaskNames.ALLOCATE_DUE_RELEASES,
                "schedule": timedelta(minutes=1),
            },
            "expire-waitlist-offers": {
                "task": TaskNames.EXPIRE_WAITLIST_OFFERS,
                "schedule": timedelta(minutes=1),
            },
            "reconcile-payments": {
                "task": TaskNames.RECONCILE_PAYMENTS,
                "schedule": timedelta(minutes=10),
            },
        },
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


def enqueue(task_name: str, *args, **kwargs) -> None:
    """Queue the task registered as ``task_name`` on the Celery app of the *current* Flask app.

    ``task.delay`` would use Celery's process-wide default app, which is whichever Flask app
    was created last; going through ``current_app`` keeps several apps in one process
    (tests, scripts) from sending work to each other's broker or database. Looking the task
    up by name (rather than ``send_task``) keeps eager mode working in the embedded default.
    """
    celery = current_app.extensions["celery"]
    celery.tasks[task_name].apply_async(args=args, kwargs=kwargs)


def enqueue_or_leave_to_sweep(task_name: str, *args, what: str) -> bool:
    """Queue a task after a commit, never failing the caller when the broker is down.

    Every caller has already made its work durable (an outbox row, a "refunding" payment, a
    subscription row) that a periodic job picks up, so a lost enqueue only delays it. Returns
    whether the task was queued; ``what`` names the work in the warning.
    """
    try:
        enqueue(task_name, *args)
    except Exception:
        if current_app.extensions["celery"].conf.task_always_eager:
            # The embedded default runs the task right here: this is the job failing, not
            # the broker, and it must read as such in the log.
            log.exception("%s failed while running eagerly (%s)", task_name, what)
        else:
            log.warning(
                "could not queue %s (%s); the periodic job will pick it up", task_name, what
            )
        return False
    return True
