"""Celery, bound to the Flask app: tasks run inside an app context.

Embedded default: ``task_always_eager`` runs tasks in-process right after the commit that
scheduled them. Production: Redis broker, ``celery -A api.worker worker`` and ``beat``.
Tasks take ids, never ORM objects, and re-read what they need.
"""

from __future__ import annotations

from datetime import timedelta

from celery import Celery, Task
from flask import Flask


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
        imports=("services.tasks", "services.alert_tasks", "services.payment_tasks"),
        beat_schedule={
            "sweep-deliveries": {
                "task": "services.tasks.sweep_deliveries",
                "schedule": timedelta(seconds=30),
            },
            "purge-idempotency-keys": {
                "task": "services.tasks.purge_idempotency_keys",
                "schedule": timedelta(hours=1),
            },
            "reconcile-topic-subscriptions": {
                "task": "services.alert_tasks.reconcile_subscriptions",
                "schedule": timedelta(minutes=10),
            },
            "sweep-alerts": {
                "task": "services.alert_tasks.sweep_alerts",
                "schedule": timedelta(minutes=1),
            },
            "appointment-reminders": {
                "task": "services.tasks.send_appointment_reminders",
                "schedule": timedelta(minutes=10),
            },
            "generate-appointment-slots": {
                "task": "services.tasks.generate_appointment_slots",
                "schedule": timedelta(hours=1),
            },
            "reconcile-payments": {
                "task": "services.payment_tasks.reconcile_payments",
                "schedule": timedelta(minutes=10),
            },
        },
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


def enqueue(task, *args, **kwargs) -> None:
    """Queue ``task`` on the Celery app of the *current* Flask app.

    ``task.delay`` would use Celery's process-wide default app, which is whichever Flask app
    was created last; going through ``current_app`` keeps several apps in one process
    (tests, scripts) from sending work to each other's broker or database.
    """
    from flask import current_app

    celery = current_app.extensions["celery"]
    celery.tasks[task.name].apply_async(args=args, kwargs=kwargs)
