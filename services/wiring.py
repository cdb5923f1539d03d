"""Putting the domains together once, at start-up: receivers, templates and task names.

A signal receiver or a notification template that exists only when its module happens to
have been imported is a bug waiting for a code path that did not import it. The app factory
(web, CLI and the Celery worker alike) calls ``connect_domains`` once, so every process has
the same receivers, templates (push and e-mail) and tasks whatever it does first.
"""

from __future__ import annotations

import importlib

from services.accounts import mail_texts as account_mail_texts
from services.alerts import receivers as alert_receivers
from services.applications import texts as application_texts
from services.appointments import mail_texts as appointment_mail_texts
from services.appointments import notices as appointment_notices
from services.core.task_names import TASK_MODULES
from services.documents import receivers as document_receivers
from services.payments import mail_texts as payment_mail_texts
from services.payments import texts as payment_texts

_connected = False


def connect_domains() -> None:
    """Connect every signal receiver, register every template and task (idempotent)."""
    global _connected
    if _connected:
        return
    for texts in (
        appointment_notices,
        application_texts,
        payment_texts,
        account_mail_texts,
        appointment_mail_texts,
        payment_mail_texts,
    ):
        texts.register()
    alert_receivers.connect()
    document_receivers.connect()
    for module in TASK_MODULES:
        importlib.import_module(module)  # each registers its tasks under TaskNames
    _connected = True
