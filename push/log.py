"""``LogPushSender``: the embedded default, for local development and tests.

It delivers nothing, but it is real, deterministic code: every message is logged (with a
token fingerprint, never the token) and kept in a bounded in-memory inbox (``.sent``),
message ids come from a counter, and topic subscriptions are tracked. Tokens starting with
``invalid-`` fail like uninstalled apps do on FCM, so token pruning can be exercised
end to end without a device.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from .base import (
    InvalidArgument,
    PushError,
    PushMessage,
    PushSender,
    SendResult,
    TokenUnregistered,
    TopicManagementResult,
    TopicMessage,
    token_fingerprint,
    validate_topic,
)

log = logging.getLogger(__name__)

INVALID_TOKEN_PREFIX = "invalid-"  # noqa: S105 - a marker for fake tokens, not a secret


@dataclass(frozen=True)
class LoggedMessage:
    """One entry of the inbox: what was "sent" and the id it was given."""

    message_id: str
    message: PushMessage | TopicMessage


class LogPushSender(PushSender):
    """Logs and remembers pushes instead of delivering them. Thread-safe."""

    def __init__(self, *, keep: int = 1000, project: str = "log") -> None:
        if keep < 1:
            raise ValueError("keep must be >= 1")
        self._lock = threading.Lock()
        # Bounded so a long-running dev server does not grow without limit.
        self._sent: deque[LoggedMessage] = deque(maxlen=keep)
        self._topics: dict[str, set[str]] = {}
        self._counter = 0
        self._project = project

    # -- inspection ------------------------------------------------------------------

    @property
    def sent(self) -> list[LoggedMessage]:
        """Snapshot of the last ``keep`` accepted messages, oldest first."""
        with self._lock:
            return list(self._sent)

    def subscribers(self, topic: str) -> frozenset[str]:
        """Tokens currently subscribed to ``topic``."""
        with self._lock:
            return frozenset(self._topics.get(topic, ()))

    def clear(self) -> None:
        """Forget sent messages and subscriptions (not the id counter: ids stay unique)."""
        with self._lock:
            self._sent.clear()
            self._topics.clear()

    # -- PushSender ------------------------------------------------------------------

    def _record(self, message: PushMessage | TopicMessage) -> str:
        # Caller holds the lock. Same shape as FCM's ids, so code parsing them is exercised.
        self._counter += 1
        message_id = f"projects/{self._project}/messages/{self._counter}"
        self._sent.append(LoggedMessage(message_id, message))
        return message_id

    @staticmethod
    def _rejection(token: str) -> PushError | None:
        if token.startswith(INVALID_TOKEN_PREFIX):
            return TokenUnregistered("requested entity was not found (log sender: invalid- token)")
        return None

    def send_each(self, *, messages: Sequence[PushMessage]) -> list[SendResult]:
        results = []
        for message in messages:
            error = self._rejection(message.token)
            if error is not None:
                log.info(
                    "push rejected token=%s notification_id=%s code=%s",
                    message.token_ref,
                    message.notification_id,
                    error.code,
                )
                results.append(SendResult(message.token, False, None, error))
                continue
            with self._lock:
                message_id = self._record(message)
            log.info(
                "push token=%s notification_id=%s id=%s high=%s title=%r",
                message.token_ref,
                message.notification_id,
                message_id,
                message.high_priority,
                message.title,
            )
            results.append(SendResult(message.token, True, message_id, None))
        return results

    def send_to_topic(self, *, message: TopicMessage) -> str:
        with self._lock:
            message_id = self._record(message)
            audience = len(self._topics.get(message.topic, ()))
        log.info(
            "topic push topic=%s subscribers=%d id=%s title=%r",
            message.topic,
            audience,
            message_id,
            message.title,
        )
        return message_id

    def subscribe(self, *, tokens: Sequence[str], topic: str) -> TopicManagementResult:
        return self._manage(tokens, topic, subscribe=True)

    def unsubscribe(self, *, tokens: Sequence[str], topic: str) -> TopicManagementResult:
        return self._manage(tokens, topic, subscribe=False)

    def _manage(
        self, tokens: Sequence[str], topic: str, *, subscribe: bool
    ) -> TopicManagementResult:
        validate_topic(topic)
        if any(not isinstance(t, str) or not t for t in tokens):
            raise InvalidArgument("tokens must be non-empty strings")
        errors: list[tuple[str, PushError]] = []
        with self._lock:
            members = self._topics.setdefault(topic, set())
            for token in tokens:
                error = self._rejection(token)
                if error is not None:
                    errors.append((token, error))
                elif subscribe:
                    members.add(token)
                else:
                    members.discard(token)  # like FCM's allow_missing=true
            if not members:
                del self._topics[topic]
        verb = "subscribe" if subscribe else "unsubscribe"
        for token, error in errors:
            log.info(
                "%s rejected topic=%s token=%s code=%s",
                verb,
                topic,
                token_fingerprint(token),
                error.code,
            )
        log.info("%s topic=%s ok=%d failed=%d", verb, topic, len(tokens) - len(errors), len(errors))
        return TopicManagementResult(
            success_count=len(tokens) - len(errors), failure_count=len(errors), errors=errors
        )
