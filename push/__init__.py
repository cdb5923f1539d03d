"""Push notifications: one ``PushSender`` interface, an FCM adapter and a log sender.

Services depend on ``PushSender`` and the types re-exported here only; they get an
instance from ``build_push_sender(settings)``. ``FcmPushSender`` is not re-exported on
purpose: importing it pulls in firebase-admin, which the embedded default does not need.
"""

from .base import (
    InvalidArgument,
    PayloadTooLarge,
    PushError,
    PushMessage,
    PushSender,
    PushServiceMisconfigured,
    PushUnavailable,
    QuotaExceeded,
    SenderIdMismatch,
    SendResult,
    ThirdPartyAuthFailed,
    TokenUnregistered,
    TopicManagementResult,
    TopicMessage,
    token_fingerprint,
)
from .log import LoggedMessage, LogPushSender
from .registry import build_push_sender

__all__ = [
    "InvalidArgument",
    "LogPushSender",
    "LoggedMessage",
    "PayloadTooLarge",
    "PushError",
    "PushMessage",
    "PushSender",
    "PushServiceMisconfigured",
    "PushUnavailable",
    "QuotaExceeded",
    "SendResult",
    "SenderIdMismatch",
    "ThirdPartyAuthFailed",
    "TokenUnregistered",
    "TopicManagementResult",
    "TopicMessage",
    "build_push_sender",
    "token_fingerprint",
]
