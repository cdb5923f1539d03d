"""Vendor-neutral push types: messages, results, errors and the ``PushSender`` interface.

Everything the rest of the backend sees of push lives here. Adapters (``push.fcm``,
``push.log``) translate to and from their vendor SDK and never let SDK objects escape, so
services can decide what to do with a failure (retry, drop the token, page an operator)
from the three flags on ``PushError`` alone.
"""

from __future__ import annotations

import abc
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Self

# FCM's documented limits. They count the notification and data payload, not the envelope.
TOKEN_PAYLOAD_LIMIT = 4096
TOPIC_PAYLOAD_LIMIT = 2048
TOPIC_MANAGEMENT_BATCH_SIZE = 1000

_TOPIC_RE = re.compile(r"[a-zA-Z0-9_.~%-]+")
# FCM rejects these data keys (they collide with fields of its own envelope).
_RESERVED_KEYS = frozenset({"from", "notification", "message_type"})
_RESERVED_PREFIXES = ("google.", "gcm.")


def token_fingerprint(token: str) -> str:
    """Short, stable, non-reversible stand-in for a device token in logs.

    Tokens identify a device for as long as the app is installed, so they are personal
    data and must not end up in log files; 12 hex chars are enough to correlate lines.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:12]


# --------------------------------------------------------------------------- errors


class PushError(Exception):
    """Base of every push failure. The flags tell the caller what to do next."""

    code: str = "UNKNOWN"
    retryable: bool = False  # try again later (backoff); the token is fine
    disable_token: bool = False  # the token is dead for good: stop sending to it
    operator_alert: bool = False  # our configuration is broken: a human must look

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message or self.__class__.__name__)
        if code is not None:
            # Lets an unmapped vendor code survive for logs without a new subclass.
            self.code = code

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(code={self.code!r}, message={str(self)!r})"


class TokenUnregistered(PushError):
    """The app was uninstalled or the token expired."""

    code = "UNREGISTERED"
    disable_token = True


class SenderIdMismatch(PushError):
    """The token belongs to another Firebase project: it can never work for us."""

    code = "SENDER_ID_MISMATCH"
    disable_token = True


class QuotaExceeded(PushError):
    """Sending rate exceeded (per project or per device)."""

    code = "QUOTA_EXCEEDED"
    retryable = True


class ThirdPartyAuthFailed(PushError):
    """APNs certificate or web-push key rejected. The token is fine, our setup is not."""

    code = "THIRD_PARTY_AUTH_ERROR"
    operator_alert = True


class PushServiceMisconfigured(PushError):
    """Our own credentials, project id or API access are wrong (401/403/404 without an FCM
    error code). Never disable tokens for this: every token would look broken."""

    code = "MISCONFIGURED"
    operator_alert = True


class PushUnavailable(PushError):
    """Transient: 5xx, timeouts, connection failures."""

    code = "UNAVAILABLE"
    retryable = True


class InvalidArgument(PushError, ValueError):
    """Malformed token, topic or payload. Retrying the same message will not help."""

    code = "INVALID_ARGUMENT"


class PayloadTooLarge(InvalidArgument):
    """The notification and data exceed FCM's limit (4 KB token, 2 KB topic)."""

    code = "PAYLOAD_TOO_LARGE"


# ------------------------------------------------------------------------- messages


def validate_topic(topic: str) -> str:
    """Return ``topic`` if FCM accepts it as a topic name, else raise ``InvalidArgument``."""
    if not isinstance(topic, str) or not _TOPIC_RE.fullmatch(topic):
        raise InvalidArgument(
            f"invalid topic name {topic!r}: use [a-zA-Z0-9-_.~%]+ without a '/topics/' prefix"
        )
    return topic


def _validate_payload(title: str, body: str, data: dict[str, str], limit: int) -> None:
    for key, value in data.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvalidArgument(f"data must map str to str; got {key!r}: {type(value).__name__}")
        if key in _RESERVED_KEYS or key.startswith(_RESERVED_PREFIXES):
            raise InvalidArgument(f"data key {key!r} is reserved by FCM")
    # FCM does not publish its exact byte count; compact UTF-8 JSON of what we put on the
    # wire is a slight over-estimate, so anything we accept FCM accepts too.
    payload = {"notification": {"title": title, "body": body}, "data": data}
    size = len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    if size > limit:
        raise PayloadTooLarge(f"payload is {size} bytes, limit is {limit}")


@dataclass(frozen=True)
class PushMessage:
    """A notification to one device. ``data`` always carries ``notification_id`` so the
    app can drop duplicates when a retried send reaches the device twice."""

    token: str
    title: str
    body: str
    data: dict[str, str]
    notification_id: str
    high_priority: bool = False
    ttl_seconds: int | None = None

    def __post_init__(self) -> None:
        if not self.token:
            raise InvalidArgument("token must be a non-empty string")
        if not self.notification_id:
            raise InvalidArgument("notification_id must be a non-empty string")
        if self.ttl_seconds is not None and self.ttl_seconds < 0:
            raise InvalidArgument("ttl_seconds must be >= 0")
        existing = self.data.get("notification_id")
        if existing is not None and existing != self.notification_id:
            raise InvalidArgument("data['notification_id'] differs from notification_id")
        # Copy, so a caller mutating its dict later cannot change a "frozen" message.
        data = {**self.data, "notification_id": self.notification_id}
        object.__setattr__(self, "data", data)
        _validate_payload(self.title, self.body, data, TOKEN_PAYLOAD_LIMIT)

    @property
    def token_ref(self) -> str:
        """What to print instead of the token."""
        return token_fingerprint(self.token)


@dataclass(frozen=True)
class TopicMessage:
    """A notification fanned out by FCM to every device subscribed to ``topic``."""

    topic: str
    title: str
    body: str
    data: dict[str, str] = field(default_factory=dict)
    high_priority: bool = False

    def __post_init__(self) -> None:
        validate_topic(self.topic)
        object.__setattr__(self, "data", dict(self.data))
        _validate_payload(self.title, self.body, self.data, TOPIC_PAYLOAD_LIMIT)


@dataclass(frozen=True)
class SendResult:
    """Outcome for one ``PushMessage`` of a ``send_each`` call, in input order."""

    token: str
    ok: bool
    message_id: str | None
    error: PushError | None


@dataclass(frozen=True)
class TopicManagementResult:
    """Outcome of subscribe/unsubscribe; ``errors`` pairs each failed token with why."""

    success_count: int
    failure_count: int
    errors: list[tuple[str, PushError]]


# ------------------------------------------------------------------------ interface


class PushSender(abc.ABC):
    """What services depend on. Implementations must be safe to share between threads."""

    @abc.abstractmethod
    def send_each(self, *, messages: Sequence[PushMessage]) -> list[SendResult]:
        """Send every message; never raises for per-message failures (see ``SendResult``).
        Any number of messages is accepted; implementations chunk as their vendor needs."""

    @abc.abstractmethod
    def send_to_topic(self, *, message: TopicMessage) -> str:
        """Send to a topic and return the message id; raises ``PushError`` on failure."""

    @abc.abstractmethod
    def subscribe(self, *, tokens: Sequence[str], topic: str) -> TopicManagementResult:
        """Subscribe tokens to a topic; per-token failures are reported, not raised."""

    @abc.abstractmethod
    def unsubscribe(self, *, tokens: Sequence[str], topic: str) -> TopicManagementResult:
        """Unsubscribe tokens from a topic; per-token failures are reported, not raised."""

    def close(self) -> None:  # noqa: B027 - optional hook, most senders hold nothing
        """Release vendor resources (connections, SDK apps). Idempotent."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
