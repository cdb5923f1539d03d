"""Names of every background task, so that code queues work by name without importing it.

A service that imports a task module to read ``task.name`` ties itself to the tasks of its
domain, and those tasks import the service back: that was a cycle. Tasks register under these
names (``@shared_task(name=TaskNames.X)``); services call ``jobs.enqueue(TaskNames.X, ...)``.
"""

from __future__ import annotations


class TaskNames:
    # notifications
    SEND_NOTIFICATION = "notifications.send_notification"
    SWEEP_DELIVERIES = "notifications.sweep_deliveries"
    # e-mail outbox
    SEND_EMAIL = "emails.send"
    SWEEP_EMAILS = "emails.sweep"
    # documents
    DELETE_STORED_OBJECTS = "documents.delete_stored_objects"
    # appointments
    SEND_APPOINTMENT_REMINDERS = "appointments.send_reminders"
    GENERATE_APPOINTMENT_SLOTS = "appointments.generate_slots"
    # releases and the waitlist
    ALLOCATE_RELEASE = "releases.allocate"
    ALLOCATE_DUE_RELEASES = "releases.allocate_due"
    EXPIRE_WAITLIST_OFFERS = "releases.expire_offers"
    # idempotency records
    PURGE_IDEMPOTENCY_KEYS = "idempotency.purge_keys"
    # payments
    AUTO_REFUND = "payments.auto_refund"
    RECONCILE_PAYMENTS = "payments.reconcile"
    # safety alerts, trips and topic subscriptions
    SYNC_ACCOUNT_SUBSCRIPTIONS = "alerts.sync_account_subscriptions"
    RECONCILE_SUBSCRIPTIONS = "alerts.reconcile_subscriptions"
    DISPATCH_ALERT = "alerts.dispatch"
    FAN_OUT_ALERT_INBOX = "alerts.fan_out_inbox"
    SWEEP_ALERTS = "alerts.sweep"


# Modules that define tasks: the worker and the app factory import them so that every name
# above is registered before anything is queued.
TASK_MODULES = (
    "services.emails.tasks",
    "services.notifications.tasks",
    "services.documents.tasks",
    "services.appointments.tasks",
    "services.releases.tasks",
    "services.idempotency.tasks",
    "services.payments.tasks",
    "services.alerts.tasks",
)
