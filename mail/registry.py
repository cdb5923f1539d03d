"""Pick the ``MailSender`` named by configuration.

Kept apart from the adapters so the app factory needs one import and the SES adapter (and
boto3) is only imported when it is actually configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .base import MailSender

__all__ = ["BACKENDS", "DEFAULT_FROM", "build_mail_sender"]

BACKENDS = ("mailbox", "ses")
#: Sender of the embedded default when ``MAIL_FROM`` is not set (never used for real mail).
DEFAULT_FROM = "Palm service hall <no-reply@demo.palm>"


def _required(settings: Mapping[str, Any], name: str) -> Any:
    value = settings.get(name)
    if value in (None, ""):
        raise ValueError(f"mail setting {name} is required")
    return value


def build_mail_sender(settings: Mapping[str, Any]) -> MailSender:
    """Build the sender for ``settings["MAIL_BACKEND"]`` (default ``"mailbox"``).

    ``mailbox``: ``MAILBOX_DIR`` (default ``instance/mailbox``, relative to the working
    directory: the app should pass an absolute path under its instance folder) and
    ``MAIL_FROM`` (default ``DEFAULT_FROM``).
    ``ses``: ``MAIL_FROM`` (required: a verified identity, ``"Name <addr>"`` or ``"addr"``),
    ``SES_REGION`` (default ``us-east-1``), ``SES_ENDPOINT_URL`` (loopback fake for tests),
    ``SES_CONFIGURATION_SET`` (optional: bounce/complaint events), ``SES_TIMEOUT`` (read
    timeout in seconds, default 10), and optionally ``AWS_ACCESS_KEY_ID`` /
    ``AWS_SECRET_ACCESS_KEY`` (otherwise boto3's default credential chain).

    A missing or malformed setting raises ``ValueError``, so a misconfigured deployment fails
    at start-up rather than at the first e-mail.
    """
    backend = settings.get("MAIL_BACKEND") or "mailbox"
    if backend == "mailbox":
        from .mailbox import DEFAULT_FOLDER, MailboxSender

        return MailboxSender(
            folder=Path(settings.get("MAILBOX_DIR") or DEFAULT_FOLDER),
            from_address=str(settings.get("MAIL_FROM") or DEFAULT_FROM),
        )
    if backend == "ses":
        from .ses import SesMailSender

        return SesMailSender(
            from_address=str(_required(settings, "MAIL_FROM")),
            region=settings.get("SES_REGION") or "us-east-1",
            endpoint_url=settings.get("SES_ENDPOINT_URL") or None,
            configuration_set=settings.get("SES_CONFIGURATION_SET") or None,
            access_key_id=settings.get("AWS_ACCESS_KEY_ID") or None,
            secret_access_key=settings.get("AWS_SECRET_ACCESS_KEY") or None,
            read_timeout=float(settings.get("SES_TIMEOUT") or 10),
        )
    raise ValueError(
        f"unknown MAIL_BACKEND {backend!r}: expected one of {', '.join(map(repr, BACKENDS))}"
    )
