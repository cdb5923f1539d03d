"""Topic subscription management through the real SDK against FakeFcmServer."""

from __future__ import annotations

from collections.abc import Iterator

import google.auth.credentials
import google.auth.exceptions
import pytest
from firebase_admin import credentials, exceptions, messaging

from push.base import (
    InvalidArgument,
    PushError,
    PushServiceMisconfigured,
    PushUnavailable,
    QuotaExceeded,
    SenderIdMismatch,
    TokenUnregistered,
    TopicMessage,
)
from push.fcm import FcmPushSender, map_error
from tests.fakes.fake_fcm import FakeFcmServer
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


def test_subscribe_and_unsubscribe_with_per_token_errors(env):
    fcm, sender = env
    fcm.fail_token("tok-gone", "UNREGISTERED")
    fcm.fail_token("tok-foreign", "SENDER_ID_MISMATCH")

    result = sender.subscribe(
        tokens=["tok-a", "tok-gone", "tok-b", "tok-foreign"], topic="alerts-FR"
    )

    assert (result.success_count, result.failure_count) == (2, 2)
    errors = dict(result.errors)
    assert type(errors["tok-gone"]) is TokenUnregistered and errors["tok-gone"].disable_token
    assert type(errors["tok-foreign"]) is SenderIdMismatch
    assert fcm.subscribers("alerts-FR") == {"tok-a", "tok-b"}
    subscribe_calls = [r for r in fcm.requests if r.method == "POST"]
    assert {r.query["topic_name"] for r in subscribe_calls} == {"alerts-FR"}
    assert f"/v1/projects/{PROJECT}/registrations/tok-a/topicSubscriptions" in {
        r.path for r in subscribe_calls
    }

    result = sender.unsubscribe(tokens=["tok-a", "tok-never-subscribed"], topic="alerts-FR")

    assert (result.success_count, result.failure_count, result.errors) == (2, 0, [])
    assert fcm.subscribers("alerts-FR") == {"tok-b"}
    deletes = [r for r in fcm.requests if r.method == "DELETE"]
    assert {r.path for r in deletes} >= {
        f"/v1/projects/{PROJECT}/registrations/tok-a/topicSubscriptions/alerts-FR"
    }
    assert all(r.query == {"allow_missing": "true"} for r in deletes)


def test_topic_management_chunks_at_1000_and_keeps_error_tokens_right(env, monkeypatch):
    fcm, sender = env
    calls: list[int] = []
    real = messaging.subscribe_to_topic

    def spy(tokens, topic, app=None):
        calls.append(len(tokens))
        return real(tokens, topic, app=app)

    monkeypatch.setattr(messaging, "subscribe_to_topic", spy)
    tokens = [f"tok-{i}" for i in range(2001)]
    fcm.fail_token("tok-1500", "UNREGISTERED")  # in the second chunk, index 500 there

    result = sender.subscribe(tokens=tokens, topic="news")

    assert calls == [1000, 1000, 1]
    assert (result.success_count, result.failure_count) == (2000, 1)
    assert [token for token, _ in result.errors] == ["tok-1500"]
    assert fcm.subscribers("news") == set(tokens) - {"tok-1500"}


def test_topic_management_outage_is_retryable_per_token(env):
    fcm, sender = env
    fcm.fail_all("UNAVAILABLE")
    result = sender.subscribe(tokens=["tok-a"], topic="news")
    assert result.failure_count == 1
    assert isinstance(result.errors[0][1], PushUnavailable)
    assert len(fcm.requests) == 5  # the SDK retried 503 four times


def test_topic_names_with_reserved_url_characters_round_trip(env):
    fcm, sender = env
    sender.subscribe(tokens=["tok-a"], topic="fr~alerts%2")
    assert fcm.subscribers("fr~alerts%2") == {"tok-a"}
    sender.unsubscribe(tokens=["tok-a"], topic="fr~alerts%2")
    assert fcm.subscribers("fr~alerts%2") == set()


def test_bad_topic_and_empty_tokens_never_reach_the_network(env):
    fcm, sender = env
    with pytest.raises(InvalidArgument):
        sender.subscribe(tokens=["tok-a"], topic="/topics/news")
    with pytest.raises(InvalidArgument):
        sender.unsubscribe(tokens=[""], topic="news")
    assert sender.subscribe(tokens=[], topic="news").success_count == 0
    assert sender.send_each(messages=[]) == []
    assert fcm.requests == []


class _BrokenGoogleCredential(google.auth.credentials.Credentials):
    def refresh(self, request):
        raise google.auth.exceptions.RefreshError("invalid_grant: account deleted")


class _BrokenCredential(credentials.Base):
    def get_credential(self):
        return _BrokenGoogleCredential()


def test_broken_credentials_alert_operators_and_keep_tokens(monkeypatch):
    no_backoff(monkeypatch)
    with fcm_sender(credential=_BrokenCredential()) as (fcm, sender):
        (result,) = sender.send_each(messages=[msg("tok-a")])
        with pytest.raises(PushServiceMisconfigured):
            sender.send_to_topic(message=TopicMessage("news", "t", "b", {}))
        sub = sender.subscribe(tokens=["tok-a", "tok-b"], topic="news")
        assert fcm.requests == []
    assert type(result.error) is PushServiceMisconfigured
    assert result.error.operator_alert and not result.error.disable_token
    assert [type(e) for _, e in sub.errors] == [PushServiceMisconfigured] * 2


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        # A 404/403 *without* an FCM error code means a wrong project or missing IAM role:
        # disabling the token would wipe every token after one bad deploy.
        (exceptions.NotFoundError("Requested entity was not found."), PushServiceMisconfigured),
        (exceptions.PermissionDeniedError("denied"), PushServiceMisconfigured),
        (exceptions.ResourceExhaustedError("slow down"), QuotaExceeded),
        (exceptions.ConflictError("conflict"), PushError),
        ("UNREGISTERED", TokenUnregistered),
        ("RESOURCE_EXHAUSTED", QuotaExceeded),
        ("UNKNOWN_ERROR", PushUnavailable),
        ("PERMISSION_DENIED", PushServiceMisconfigured),
    ],
)
def test_map_error_generic_platform_errors(error, expected):
    assert type(map_error(error)) is expected


def test_map_error_keeps_unknown_codes():
    mapped = map_error("TOO_MANY_TOPICS")
    assert mapped.code == "TOO_MANY_TOPICS"
    assert not (mapped.retryable or mapped.disable_token or mapped.operator_alert)
