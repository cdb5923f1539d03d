"""Pick the ``PushSender`` named by configuration.

Kept apart from the adapters so the app factory needs one import and the FCM adapter (and
firebase-admin) is only imported when it is actually configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import PushSender

BACKENDS = ("log", "fcm")


def build_push_sender(settings: Mapping[str, Any]) -> PushSender:
    """Build the sender for ``settings["PUSH_BACKEND"]`` (default ``"log"``).

    ``log``: optional ``PUSH_LOG_KEEP`` (inbox size, default 1000).
    ``fcm``: ``FCM_CREDENTIALS_FILE`` (service-account JSON; unset means Application Default
    Credentials), ``FCM_PROJECT_ID``, optional ``FCM_ENDPOINT`` (loopback fake for tests),
    ``FCM_APP_NAME`` (default ``"palm-push"``), ``FCM_TIMEOUT`` seconds (default 10) and
    ``FCM_CONCURRENCY`` (the most messages in flight per process, each on a keep-alive
    connection; default 64; a batch uses as many as FCM's round trip needs,
    ``push.inflight``).
    """
    backend = settings.get("PUSH_BACKEND") or "log"
    if backend == "log":
        from .log import LogPushSender

        return LogPushSender(keep=int(settings.get("PUSH_LOG_KEEP", 1000)))
    if backend == "fcm":
        from .fcm import FcmPushSender

        return FcmPushSender(
            credentials_file=settings.get("FCM_CREDENTIALS_FILE") or None,
            project_id=settings.get("FCM_PROJECT_ID") or None,
            endpoint=settings.get("FCM_ENDPOINT") or None,
            app_name=settings.get("FCM_APP_NAME") or "palm-push",
            timeout=float(settings.get("FCM_TIMEOUT", 10)),
            concurrency=int(settings.get("FCM_CONCURRENCY") or 64),
        )
    raise ValueError(
        f"unknown PUSH_BACKEND {backend!r}: expected one of {', '.join(map(repr, BACKENDS))}"
    )
