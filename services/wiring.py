"""Putting the domains together once, at start-up: receivers, texts and task names.

A signal receiver or a notification template that exists only when its module happens to
have been imported is a bug waiting for a code path that did not import it. The app factory
(web, CLI and the Celery worker alike) calls ``connect_domains`` once, so every process has
the same receivers, templates (push and e-mail) and tasks whatever it does first.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

import services
from services.alerts import receivers as alert_receivers
from services.applications import receivers as application_receivers
from services.core.task_names import TASK_MODULES
from services.documents import receivers as document_receivers
from services.releases import receivers as release_receivers

_connected = False


def text_modules() -> list[str]:
    """``services.<domain>.texts`` of every domain that has one (its marked texts)."""
    return [
        f"services.{package.name}.texts"
        for package in pkgutil.iter_modules(services.__path__)
        if package.ispkg and importlib.util.find_spec(f"services.{package.name}.texts")
    ]


def connect_domains() -> None:
    """Connect every signal receiver, register every template and task (idempotent)."""
    global _connected
    if _connected:
        return
    for module in text_modules():
        importlib.import_module(module)  # each declares its messages and templates
    alert_receivers.connect()
    application_receivers.connect()
    document_receivers.connect()
    release_receivers.connect()
    for module in TASK_MODULES:
        importlib.import_module(module)  # each registers its tasks under TaskNames
    _connected = True
