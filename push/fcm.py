"""Firebase Cloud Messaging adapter built on firebase-admin (pinned to 7.7.x).

``FcmPushSender`` owns a *named* firebase app so it never clashes with another part of the
process that uses the default app. SDK exceptions and responses are translated to
``push.base`` types here and nowhere else (see ``_ERROR_TABLE``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import firebase_admin
import google.auth.exceptions
import requests
import requests.adapters
from firebase_admin import _http_client, credentials, exceptions, messaging

from . import inflight
from .base import (
    TOPIC_MANAGEMENT_BATCH_SIZE,
    InvalidArgument,
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
    validate_topic,
)
from .curl_transport import AnswerTimes
from .fcm_session import KeptSession
from .inflight import InFlightSizer

log = logging.getLogger(__name__)

_FCM_ORIGIN = "https://fcm.googleapis.com"

# One table for both shapes of failure the SDK produces: exceptions (sends) and reason
# strings (topic management gives per-token codes, not exceptions). Order matters: the
# FCM-specific subclasses come before the generic platform errors they derive from.
# Generic 401/403/404 mean *our* setup is wrong; mapping them to "disable token" would
# wipe every token after a bad deploy.
_ERROR_TABLE: tuple[tuple[tuple[type[Exception], ...], tuple[str, ...], type[PushError]], ...] = (
    ((messaging.UnregisteredError,), ("UNREGISTERED",), TokenUnregistered),
    ((messaging.SenderIdMismatchError,), ("SENDER_ID_MISMATCH",), SenderIdMismatch),
    (
        (messaging.QuotaExceededError, exceptions.ResourceExhaustedError),
        ("QUOTA_EXCEEDED", "RESOURCE_EXHAUSTED"),
        QuotaExceeded,
    ),
    (
        (messaging.ThirdPartyAuthError,),
        ("THIRD_PARTY_AUTH_ERROR", "APNS_AUTH_ERROR"),
        ThirdPartyAuthFailed,
    ),
    # The SDK raises ValueError for arguments it refuses before any request.
    ((exceptions.InvalidArgumentError, ValueError), ("INVALID_ARGUMENT",), InvalidArgument),
    (
        (
            exceptions.UnavailableError,
            exceptions.InternalError,
            exceptions.DeadlineExceededError,
            exceptions.UnknownError,
            requests.exceptions.RequestException,
            google.auth.exceptions.TransportError,
        ),
        ("UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED", "UNKNOWN", "UNKNOWN_ERROR"),
        PushUnavailable,
    ),
    (
        (
            exceptions.UnauthenticatedError,
            exceptions.PermissionDeniedError,
            exceptions.NotFoundError,
            google.auth.exceptions.GoogleAuthError,
        ),
        ("UNAUTHENTICATED", "PERMISSION_DENIED", "NOT_FOUND"),
        PushServiceMisconfigured,
    ),
)


def map_error(error: BaseException | str) -> PushError:
    """Translate an SDK exception or a topic-management reason string to a ``PushError``."""
    if isinstance(error, str):
        for _types, reasons, ours in _ERROR_TABLE:
            if error in reasons:
                return ours(f"FCM topic management failed: {error}")
        return PushError(f"FCM topic management failed: {error}", code=error)
    cause = getattr(error, "cause", None)
    if isinstance(error, exceptions.UnknownError) and isinstance(
        cause, google.auth.exceptions.GoogleAuthError
    ):
        # send_each and topic management wrap anything escaping their thread pool (e.g. a
        # credential that cannot refresh) in UnknownError; judge by what really happened.
        return map_error(cause)
    for types, _reasons, ours in _ERROR_TABLE:
        if isinstance(error, types):
            return ours(str(error))
    code = getattr(error, "code", None)  # FirebaseError.code, e.g. "CONFLICT"
    return PushError(str(error), code=code.upper() if isinstance(code, str) else None)


def repoint_messaging_service(service: Any, endpoint: str) -> None:
    """Send everything ``service`` does to ``endpoint`` (e.g. a loopback fake) instead of FCM.

    Relies on private attributes of firebase-admin 7.7's ``messaging._MessagingService``,
    both built once in its constructor from the project id:
      * ``_fcm_url``       - full URL of ``.../v1/projects/<p>/messages:send``
      * ``_fcm_topic_url`` - ``.../v1/projects/<p>/registrations``; topic management appends
        ``/<token>/topicSubscriptions[...]`` to it per token
    Only the origin is swapped, so the paths stay exactly those the SDK builds; the
    connection pool is mounted on the new origin by ``size_connection_pool``.
    tests/push/test_canary.py fails loudly if any of this moves in a new SDK release.
    """
    endpoint = endpoint.rstrip("/")
    for attr in ("_fcm_url", "_fcm_topic_url"):
        url = getattr(service, attr, None)
        if not isinstance(url, str) or not url.startswith(_FCM_ORIGIN + "/"):
            raise RuntimeError(
                f"firebase-admin {firebase_admin.__version__}: messaging service has no "
                f"{attr} starting with {_FCM_ORIGIN}; push.fcm.repoint_messaging_service "
                "needs updating for this SDK version"
            )
        setattr(service, attr, endpoint + url[len(_FCM_ORIGIN) :])


def size_connection_pool(service: Any, origin: str, size: int) -> KeptSession:
    """Keep ``size`` keep-alive connections to ``origin`` in the SDK's requests session, and
    read the proxy and CA settings from the environment once instead of on every request.

    The one place that touches the SDK's private ``_client.session`` (firebase-admin 7.7;
    tests/push/test_canary.py fails if it moves). The SDK mounts 100 connections on the FCM
    origin; we mount a pool as large as the sender's threads (so no send waits for, or
    throws away, a connection) with the SDK's own retry policy, on whichever origin the
    service sends to. ``trust_env`` made requests look up proxies, ``~/.netrc`` and CA
    bundles in the environment and on disk for every message: a fifth of the CPU of a send.
    The values it found are frozen on the session instead, so a proxy or CA bundle set in
    the environment still applies. Last, the session is wrapped in ``KeptSession``
    (``push.fcm_session``): a send then skips the ``requests`` machinery, which cost more
    CPU than the rest of a delivery together, and goes over libcurl, one keep-alive
    connection per sending thread (``push.curl_transport``); the pool mounted here serves
    what does not take that path, and its adapter's retry policy governs both (the
    client's ``session`` property has no setter, hence ``_session``).
    """
    client = getattr(service, "_client", None)
    session = getattr(client, "session", None)
    if (
        not isinstance(session, requests.Session)
        or getattr(client, "_session", None) is not session
    ):
        raise RuntimeError(
            f"firebase-admin {firebase_admin.__version__}: messaging service has no "
            "_client.session; push.fcm.size_connection_pool needs updating for this SDK version"
        )
    adapter = requests.adapters.HTTPAdapter(
        pool_connections=1, pool_maxsize=size, max_retries=_http_client.DEFAULT_RETRY_CONFIG
    )
    session.mount(origin.rstrip("/") + "/", adapter)
    if session.trust_env:
        session.proxies.update(requests.utils.get_environ_proxies(origin))
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle and session.verify is True:
            session.verify = bundle
        session.trust_env = False
    client._session = kept = KeptSession(session, origin)
    return kept


def _to_sdk(message: PushMessage | TopicMessage) -> messaging.Message:
    is_token = isinstance(message, PushMessage)
    ttl = message.ttl_seconds if is_token else None
    android: dict[str, Any] = {}
    apns_headers: dict[str, str] = {}
    if message.high_priority:
        # Android: wake the device from Doze. APNs: 10 = deliver immediately.
        android["priority"] = "high"
        apns_headers["apns-priority"] = "10"
    if ttl is not None:
        android["ttl"] = ttl
        # APNs wants an absolute epoch time; "0" means "deliver now or never".
        apns_headers["apns-expiration"] = str(0 if ttl == 0 else int(time.time()) + ttl)
    return messaging.Message(
        # 7.7 deprecates ``token`` for ``fid`` (Firebase Installation IDs). The app registers
        # FCM registration tokens, which only ``token`` addresses, so keep it.
        token=message.token if is_token else None,
        topic=None if is_token else message.topic,
        notification=messaging.Notification(title=message.title, body=message.body),
        data=message.data,
        android=messaging.AndroidConfig(**android) if android else None,
        apns=messaging.APNSConfig(headers=apns_headers) if apns_headers else None,
    )


class FcmPushSender(PushSender):
    """``PushSender`` over firebase-admin. Thread-safe: the SDK service is shared.

    FCM v1 takes one message per HTTP request. The SDK's ``send_each`` starts a thread per
    message (500 per call) and opens a connection for most of them, which made the SDK's
    own overhead the limit (~600 deliveries/s per worker). We send each message with the
    SDK's public ``messaging.send`` from ``concurrency`` threads kept for the sender's
    life, each on its own keep-alive connection, through the short path of
    ``push.fcm_session.KeptSession`` (libcurl) under the SDK. A process sends
    at most ``concurrency`` messages per FCM round trip (64 at 40 ms: 1,600/s); each thread
    more costs CPU per message in GIL hand-overs, so a batch runs on only as many of them as
    FCM's round trip needs, measured over the batches before (``push.inflight``).
    """

    def __init__(
        self,
        *,
        credentials_file: str | None = None,
        project_id: str | None = None,
        credential: credentials.Base | None = None,
        endpoint: str | None = None,
        app_name: str = "palm-push",
        timeout: float = 10,
        concurrency: int = 64,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        if credential is None:
            credential = (
                credentials.Certificate(credentials_file)
                if credentials_file
                else credentials.ApplicationDefault()
            )
        options: dict[str, Any] = {"httpTimeout": timeout}
        if project_id:
            options["projectId"] = project_id
        try:
            firebase_admin.get_app(app_name)
        except ValueError:
            pass
        else:
            raise ValueError(
                f"a firebase app named {app_name!r} already exists; close() the previous "
                "FcmPushSender or pass another app_name"
            )
        self._app = firebase_admin.initialize_app(credential, options, name=app_name)
        try:
            # Build the service now so a missing project id or credential fails at startup,
            # not on the first notification hours later.
            service = messaging._get_messaging_service(self._app)
            if endpoint:
                repoint_messaging_service(service, endpoint)
            self._session = size_connection_pool(service, endpoint or _FCM_ORIGIN, concurrency)
            # Without the short path there is nothing to time: all threads, as before.
            floor = 4 if self._session.short_path else concurrency
        except Exception:
            firebase_admin.delete_app(self._app)
            raise
        # Threads start on first use, so a process that never pushes starts none.
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="fcm-send")
        self._sizer = InFlightSizer(concurrency, floor)
        self._unwell = False  # the last batch had failures to try again later
        self._warm = False  # a batch has been sent (the first one's CPU is not a message's)
        self._closed = False

    # -- sending ---------------------------------------------------------------------

    def send_each(self, *, messages: Sequence[PushMessage]) -> list[SendResult]:
        # Each thread takes the next message until none is left, and writes its result at
        # the message's place: the input order is kept, each message's failure is its own,
        # and a batch costs one task per thread instead of a Future (and its lock and
        # condition) per message. ``next`` on the shared iterator hands each index out once.
        messages = list(messages)
        results: list[SendResult | None] = [None] * len(messages)
        indexes = iter(range(len(messages)))
        sizer = self._sizer
        tasks = []
        threads = sizer.limit
        if not self._unwell and len(messages) > sizer.probe_size and sizer.claim_probe():
            # The probe (push.inflight): a few threads start alone and time FCM's first
            # answers; the others join them once those are in, or after PROBE_WAIT.
            answers = AnswerTimes(sizer.probe_size)
            tasks = [
                self._pool.submit(self._share, messages, indexes, results, answers)
                for _ in range(sizer.floor)
            ]
            # The probe's clock starts when it does: its threads may wait in the pool's
            # queue behind another batch's (two drains on one sender).
            answers.started.wait()
            answers.enough.wait(inflight.PROBE_WAIT)
            count, seconds = answers.snapshot()
            if count >= sizer.probe_size or answers.enough.is_set():
                # All in, or the probe's threads had no more messages to send (a small
                # batch, some answers errors): what came is the measure.
                sizer.record_answers(answers=count, seconds=seconds)
                threads = sizer.limit  # the ceiling until a batch has told the CPU
            else:
                # Not all in by PROBE_WAIT: FCM is far, or not answering, whatever the few
                # answers in by then say (one quick answer amid timeouts must not shrink the
                # pool): counted as one answer that took as long as the probe allowed it.
                sizer.record_answers(
                    answers=1, seconds=inflight.PROBE_WAIT / inflight.PROBE_PER_THREAD
                )
                threads = sizer.ceiling
        tasks += [
            self._pool.submit(self._share, messages, indexes, results, None)
            for _ in range(min(threads, len(messages)) - len(tasks))
        ]
        cpu = sum(task.result() for task in tasks)
        # A failure to try again later (FCM down, our quota spent) took the SDK's retries:
        # their CPU is not a message's, and their backoff sleeps are neither CPU nor FCM's
        # round trip. Such a batch leaves the figures alone (sizing on it would shrink the
        # pool just when each message holds a thread longest), and the next batch does not
        # probe.
        self._unwell = any(
            result is not None and result.error is not None and result.error.retryable
            for result in results
        )
        if not self._unwell and self._warm:
            sizer.record_cpu(messages=len(messages), cpu_seconds=cpu)
        self._warm = True  # the first batch opened connections and fetched the token
        return results  # type: ignore[return-value]  # every index was filled

    def _share(
        self,
        messages: list[PushMessage],
        indexes: Iterator[int],
        results: list,
        answers: AnswerTimes | None,
    ) -> float:
        """One thread's share of a batch; gives the thread's CPU for it. With ``answers``
        (a probe), FCM's answers to this thread are timed into it."""
        if answers is None:
            timing: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
        else:
            answers.started.set()
            timing = self._session.answer_times(answers)
        try:
            with timing:
                started = time.thread_time()
                for index in indexes:
                    results[index] = self._send_one(messages[index])
                return time.thread_time() - started
        finally:
            if answers is not None:
                answers.enough.set()  # no message left for this thread: the probe is over

    @property
    def in_flight_limit(self) -> int:
        """How many messages the next batch keeps in flight (``push.inflight``)."""
        return self._sizer.limit

    def _send_one(self, message: PushMessage) -> SendResult:
        try:
            message_id = messaging.send(_to_sdk(message), app=self._app)
        except Exception as exc:
            error = map_error(exc)
            log.warning(
                "push failed token=%s notification_id=%s code=%s",
                message.token_ref,
                message.notification_id,
                error.code,
            )
            return SendResult(message.token, False, None, error)
        if log.isEnabledFor(logging.INFO):  # the token's fingerprint is a hash: only if logged
            log.info(
                "push sent token=%s notification_id=%s message_id=%s",
                message.token_ref,
                message.notification_id,
                message_id,
            )
        return SendResult(message.token, True, message_id, None)

    def send_to_topic(self, *, message: TopicMessage) -> str:
        try:
            message_id = messaging.send(_to_sdk(message), app=self._app)
        except Exception as exc:
            error = map_error(exc)
            log.warning("topic push failed topic=%s code=%s", message.topic, error.code)
            raise error from exc
        log.info("topic push sent topic=%s message_id=%s", message.topic, message_id)
        return message_id

    # -- topic management -------------------------------------------------------------

    def subscribe(self, *, tokens: Sequence[str], topic: str) -> TopicManagementResult:
        return self._manage(tokens, topic, subscribe=True)

    def unsubscribe(self, *, tokens: Sequence[str], topic: str) -> TopicManagementResult:
        return self._manage(tokens, topic, subscribe=False)

    def _manage(
        self, tokens: Sequence[str], topic: str, *, subscribe: bool
    ) -> TopicManagementResult:
        validate_topic(topic)
        call = messaging.subscribe_to_topic if subscribe else messaging.unsubscribe_from_topic
        tokens = list(tokens)
        if any(not isinstance(t, str) or not t for t in tokens):
            raise InvalidArgument("tokens must be non-empty strings")
        ok = 0
        errors: list[tuple[str, PushError]] = []
        # The SDK refuses more than 1000 tokens per call and does not chunk itself.
        for start in range(0, len(tokens), TOPIC_MANAGEMENT_BATCH_SIZE):
            chunk = tokens[start : start + TOPIC_MANAGEMENT_BATCH_SIZE]
            try:
                response = call(chunk, topic, app=self._app)
            except Exception as exc:
                error = map_error(exc)
                errors.extend((token, error) for token in chunk)
                continue
            ok += response.success_count
            # ErrorInfo.index is relative to the chunk we passed in.
            errors.extend((chunk[e.index], map_error(e.reason)) for e in response.errors)
        for token, error in errors:
            log.warning(
                "%s failed topic=%s token=%s code=%s",
                "subscribe" if subscribe else "unsubscribe",
                topic,
                token_fingerprint(token),
                error.code,
            )
        return TopicManagementResult(success_count=ok, failure_count=len(errors), errors=errors)

    def close(self) -> None:
        """Delete the named firebase app (closes its HTTP sessions); idempotent."""
        if not self._closed:
            self._closed = True
            self._pool.shutdown(wait=True)
            firebase_admin.delete_app(self._app)
