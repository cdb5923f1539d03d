"""E-mail: one ``MailSender`` interface, an Amazon SES adapter and a local mailbox.

Services depend on ``MailSender`` and the types re-exported here only; they get an instance
from ``build_mail_sender(settings)``. ``SesMailSender`` is not re-exported on purpose:
importing it pulls in boto3, which the embedded default does not need.
"""

from .base import (
    InvalidMessage,
    MailError,
    MailMessage,
    MailMisconfigured,
    MailRejected,
    MailSender,
    MailUnavailable,
    SendResult,
    mask_address,
)
from .mailbox import MailboxSender, StoredMail, read_mailbox
from .registry import build_mail_sender

__all__ = [
    "InvalidMessage",
    "MailError",
    "MailMessage",
    "MailMisconfigured",
    "MailRejected",
    "MailSender",
    "MailUnavailable",
    "MailboxSender",
    "SendResult",
    "StoredMail",
    "build_mail_sender",
    "mask_address",
    "read_mailbox",
]
