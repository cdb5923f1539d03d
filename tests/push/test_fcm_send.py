"""FcmPushSender sends through the real firebase-admin SDK to FakeFcmServer over HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from firebase_admin import messaging

from push import base
from push.base import (
    InvalidArgument,
    PushError,
    PushUnavailable,
    QuotaExceeded,
    SenderIdMismatch,
    ThirdPartyAuthFailed,
    TokenUnregistered,
    TopicMessage,
)
from push.fcm import FcmPushSender
from tests.fakes.fake_fcm import FakeCredential, FakeFcmServer
from tests.push.support import PROJECT, fcm_sender, msg, no_backoff

# firebase-admin 7.7 deprecates Message.token in favour of Message.fid (a Firebase
# Installation ID). Our app registers FCM *registration tokens*, so push.fcm keeps using
# ``token`` on purpose; silence only that warning.
pytestmark = pytest.mark.filterwarnings("ignore:Message.token is deprecated:DeprecationWarning")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeFcmServer, FcmPushSender]]:
    no_backoff(monkeypatch)
    with fcm_sender() as pair:
        yield pair


def test_send_each_success_reaches_fcm_with_auth_and_notification_id(env):
    fcm, sender = env
    results = sender.send_each(messages=[msg("tok-a", 1), msg("tok-b", 2)])

    assert [r.token for r in results] == ["tok-a", "tok-b"]
    assert all(r.ok and r.error is None for r in results)
    assert {r.message_id for r in results} == {
        f"projects/{PROJECT}/messages/1",
        f"projects/{PROJECT}/messages/2",
    }
    sent = {m["token"]: m for m in fcm.sent_messages()}
    assert sent["tok-a"]["data"] == {"kind": "appointment", "notification_id": "notif-1"}
    assert sent["tok-a"]["notification"] == {
        "title": "Appointment confirmed",
        "body": "See you on Monday",
    }
    request = fcm.requests[0]
    assert request.path == f"/v1/projects/{PROJECT}/messages:send"
    assert request.headers["authorization"] == "Bearer fake-access-token"
    assert request.headers["x-goog-api-format-version"] == "2"


def test_send_each_sends_through_the_sdk_on_a_few_kept_threads_and_connections(monkeypatch):
    """The SDK's send_each started a thread per message and opened a connection for most;
    the sender keeps ``concurrency`` threads and as many keep-alive connections instead."""
    no_backoff(monkeypatch)
    threads: set[int] = set()
    real_send = messaging.send

    def spy(message, *args, **kwargs):
        threads.add(threading.get_ident())
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(messaging, "send", spy)
    tokens = [f"tok-{i}" for i in range(1203)]
    with fcm_sender(concurrency=4) as (fcm, sender):
        results = sender.send_each(messages=[msg(t, i) for i, t in enumerate(tokens)])
        again = sender.send_each(messages=[msg(t, i) for i, t in enumerate(tokens[:50])])

    assert [r.token for r in results] == tokens  # input order kept
    assert all(r.ok for r in results + again)
    assert len({r.message_id for r in results}) == 1203
    assert sorted(m["token"] for m in fcm.sent_messages()) == sorted(tokens + tokens[:50])
    assert len(threads) <= 4  # the same threads for both calls
    assert len({r.client for r in fcm.requests}) <= 4  # connections kept alive and reused


def test_a_batch_is_one_task_per_thread_not_a_future_per_message(monkeypatch):
    no_backoff(monkeypatch)
    with fcm_sender(concurrency=4) as (fcm, sender):
        submitted: list[object] = []
        real_submit = sender._pool.submit

        def submit(fn, *args, **kwargs):
            submitted.append(fn)
            return real_submit(fn, *args, **kwargs)

        monkeypatch.setattr(sender._pool, "submit", submit)
        results = sender.send_each(messages=[msg(f"tok-{i}", i) for i in range(300)])
        assert sender.send_each(messages=[]) == []
    assert [r.token for r in results] == [f"tok-{i}" for i in range(300)]
    assert all(r.ok for r in results)
    assert len(submitted) == 4
    assert len(fcm.sent_messages()) == 300


# code injected by the fake -> (our error, HTTP attempts the SDK makes for one message)
ERROR_CASES = {
    "UNREGISTERED": (TokenUnregistered, 1),
    "SENDER_ID_MISMATCH": (SenderIdMismatch, 1),
    "QUOTA_EXCEEDED": (QuotaExceeded, 1),
    "THIRD_PARTY_AUTH_ERROR": (ThirdPartyAuthFailed, 1),
    "INVALID_ARGUMENT": (InvalidArgument, 1),
    # The SDK's urllib3 Retry resends 500/503 four times before giving up.
    "UNAVAILABLE": (PushUnavailable, 5),
    "INTERNAL": (PushUnavailable, 5),
}


@pytest.mark.parametrize("code", sorted(ERROR_CASES))
def test_each_fcm_error_code_maps_to_our_error(env, code):
    fcm, sender = env
    expected, attempts = ERROR_CASES[code]
    fcm.fail_token("tok-bad", code)

    good, bad = sender.send_each(messages=[msg("tok-good", 1), msg("tok-bad", 2)])

    assert good.ok and good.message_id
    assert not bad.ok and bad.message_id is None
    assert type(bad.error) is expected
    assert isinstance(bad.error, PushError)
    assert sum(1 for r in fcm.requests if r.body["message"]["token"] == "tok-bad") == attempts


@pytest.mark.parametrize(
    ("error", "retryable", "disable_token", "operator_alert"),
    [
        (TokenUnregistered, False, True, False),
        (SenderIdMismatch, False, True, False),
        (QuotaExceeded, True, False, False),
        (ThirdPartyAuthFailed, False, False, True),
        (InvalidArgument, False, False, False),
        (PushUnavailable, True, False, False),
    ],
)
def test_error_flags_tell_the_caller_what_to_do(error, retryable, disable_token, operator_alert):
    assert (error.retryable, error.disable_token, error.operator_alert) == (
        retryable,
        disable_token,
        operator_alert,
    )


def test_short_outage_is_absorbed_by_sdk_retries(env):
    fcm, sender = env
    fcm.fail_all("UNAVAILABLE", count=2)

    (result,) = sender.send_each(messages=[msg("tok-a")])

    assert result.ok
    assert [r.status for r in fcm.requests] == [503, 503, 200]


def test_long_outage_gives_retryable_errors_then_recovers(env):
    fcm, sender = env
    fcm.fail_all("UNAVAILABLE")
    results = sender.send_each(messages=[msg("tok-a", 1), msg("tok-b", 2)])
    assert all(isinstance(r.error, PushUnavailable) and r.error.retryable for r in results)
    assert len(fcm.requests) == 2 * 5

    fcm.recover()
    assert all(r.ok for r in sender.send_each(messages=[msg("tok-a", 1)]))


def test_timeout_maps_to_push_unavailable(monkeypatch):
    no_backoff(monkeypatch)
    with fcm_sender(timeout=0.2) as (fcm, sender):
        fcm.delay = 0.6
        started = time.monotonic()
        (result,) = sender.send_each(messages=[msg("tok-slow")])
    assert isinstance(result.error, PushUnavailable)
    # After the SDK's one read retry urllib3 raises MaxRetryError, which requests turns into
    # a ConnectionError: the SDK reports "Failed to establish a connection", not a timeout.
    assert "Read timed out" in str(result.error)
    assert time.monotonic() - started < 5  # one read retry, no 120 s SDK default


def test_connection_refused_maps_to_push_unavailable(monkeypatch):
    no_backoff(monkeypatch)
    with socket.socket() as s:  # find a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with FcmPushSender(
        project_id=PROJECT,
        credential=FakeCredential(),
        endpoint=f"http://127.0.0.1:{port}",
        app_name="push-test-refused",
    ) as sender:
        (result,) = sender.send_each(messages=[msg("tok-a")])
        with pytest.raises(PushUnavailable):
            sender.send_to_topic(message=TopicMessage("alerts-FR", "t", "b", {}))
    assert isinstance(result.error, PushUnavailable)


def test_high_priority_and_ttl_are_on_the_wire(env):
    fcm, sender = env
    before = int(time.time())
    sender.send_each(
        messages=[
            msg("tok-urgent", 1, high_priority=True, ttl_seconds=3600),
            msg("tok-now-or-never", 2, ttl_seconds=0),
            msg("tok-normal", 3),
        ]
    )
    sent = {m["token"]: m for m in fcm.sent_messages()}

    urgent = sent["tok-urgent"]
    assert urgent["android"] == {"priority": "high", "ttl": "3600s"}
    assert urgent["apns"]["headers"]["apns-priority"] == "10"
    assert before + 3600 <= int(urgent["apns"]["headers"]["apns-expiration"]) <= before + 3610
    assert sent["tok-now-or-never"]["android"] == {"ttl": "0s"}
    assert sent["tok-now-or-never"]["apns"]["headers"] == {"apns-expiration": "0"}
    # Normal messages leave priority to FCM's defaults.
    assert "android" not in sent["tok-normal"] and "apns" not in sent["tok-normal"]


def test_send_to_topic(env):
    fcm, sender = env
    message_id = sender.send_to_topic(
        message=TopicMessage(
            "alerts-FR", "Safety alert", "Avoid the city centre", {"level": "3"}, True
        )
    )

    assert message_id == f"projects/{PROJECT}/messages/1"
    (sent,) = fcm.sent_messages()
    assert sent["topic"] == "alerts-FR" and "token" not in sent
    assert sent["data"] == {"level": "3"}
    assert sent["android"] == {"priority": "high"}
    assert sent["apns"]["headers"] == {"apns-priority": "10"}


def test_send_to_topic_raises_mapped_error(env):
    fcm, sender = env
    fcm.fail_all("QUOTA_EXCEEDED", count=1)
    with pytest.raises(QuotaExceeded) as caught:
        sender.send_to_topic(message=TopicMessage("alerts-FR", "t", "b", {}))
    assert caught.value.retryable
    assert sender.send_to_topic(message=TopicMessage("alerts-FR", "t", "b", {}))


def test_logs_fingerprints_never_tokens(env, caplog):
    fcm, sender = env
    token = "dQw4w9WgXcQ:APA91bSecretDeviceToken"
    fcm.fail_token("tok-bad", "UNREGISTERED")
    with caplog.at_level("DEBUG", logger="push"):
        sender.send_each(messages=[msg(token, 1), msg("tok-bad", 2)])
        sender.subscribe(tokens=[token, "tok-bad"], topic="alerts-FR")
    text = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("push"))
    assert msg(token).token_ref in text
    assert token not in text and "tok-bad" not in text


def test_no_fingerprint_is_computed_for_a_sent_line_nobody_logs(env, caplog, monkeypatch):
    fcm, sender = env
    hashed: list[str] = []
    real = base.token_fingerprint
    monkeypatch.setattr(base, "token_fingerprint", lambda t: hashed.append(t) or real(t))
    with caplog.at_level("WARNING", logger="push"):
        assert all(r.ok for r in sender.send_each(messages=[msg("tok-a", 1), msg("tok-b", 2)]))
    assert hashed == []
    with caplog.at_level("INFO", logger="push"):
        sender.send_each(messages=[msg("tok-c", 3)])
    assert hashed == ["tok-c"]
