"""LogPushSender: the embedded default keeps an inbox and behaves like FCM for invalid tokens."""

from __future__ import annotations

import logging
import threading

import pytest

from push import LogPushSender, PushSender, TokenUnregistered, TopicMessage
from push.base import InvalidArgument
from tests.push.support import msg


def test_sends_get_deterministic_ids_and_are_kept():
    sender = LogPushSender()
    assert isinstance(sender, PushSender)
    results = sender.send_each(messages=[msg("tok-a", 1), msg("tok-b", 2)])
    topic_id = sender.send_to_topic(message=TopicMessage("news", "t", "b", {}))

    assert [r.message_id for r in results] == ["projects/log/messages/1", "projects/log/messages/2"]
    assert topic_id == "projects/log/messages/3"
    assert [(e.message_id, getattr(e.message, "token", None)) for e in sender.sent] == [
        ("projects/log/messages/1", "tok-a"),
        ("projects/log/messages/2", "tok-b"),
        ("projects/log/messages/3", None),
    ]
    assert sender.sent[0].message.data["notification_id"] == "notif-1"
    # A second, fresh sender produces the same ids: deterministic.
    again = LogPushSender().send_each(messages=[msg("tok-a", 1)])
    assert again[0].message_id == "projects/log/messages/1"


def test_invalid_tokens_fail_like_unregistered_ones_and_are_not_kept():
    sender = LogPushSender()
    ok, gone = sender.send_each(messages=[msg("tok-a", 1), msg("invalid-abc", 2)])
    assert ok.ok
    assert not gone.ok and gone.message_id is None
    assert isinstance(gone.error, TokenUnregistered) and gone.error.disable_token
    assert [e.message.token for e in sender.sent] == ["tok-a"]


def test_inbox_is_bounded():
    sender = LogPushSender(keep=3)
    sender.send_each(messages=[msg(f"tok-{i}", i) for i in range(10)])
    assert [e.message.token for e in sender.sent] == ["tok-7", "tok-8", "tok-9"]
    assert sender.sent[-1].message_id == "projects/log/messages/10"
    with pytest.raises(ValueError):
        LogPushSender(keep=0)


def test_topic_subscriptions():
    sender = LogPushSender()
    result = sender.subscribe(tokens=["tok-a", "invalid-x", "tok-b"], topic="alerts-FR")
    assert (result.success_count, result.failure_count) == (2, 1)
    assert result.errors[0][0] == "invalid-x"
    assert isinstance(result.errors[0][1], TokenUnregistered)
    assert sender.subscribers("alerts-FR") == {"tok-a", "tok-b"}

    sender.unsubscribe(tokens=["tok-a", "tok-unknown"], topic="alerts-FR")
    assert sender.subscribers("alerts-FR") == {"tok-b"}
    assert sender.subscribers("other") == frozenset()
    with pytest.raises(InvalidArgument):
        sender.subscribe(tokens=["tok-a"], topic="bad topic")

    sender.clear()
    assert sender.subscribers("alerts-FR") == frozenset() and sender.sent == []


def test_thread_safe_ids_are_unique():
    sender = LogPushSender(keep=10_000)

    def work(worker: int) -> None:
        sender.send_each(messages=[msg(f"tok-{worker}-{i}", i) for i in range(100)])
        sender.subscribe(tokens=[f"tok-{worker}"], topic="news")

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [e.message_id for e in sender.sent]
    assert len(ids) == len(set(ids)) == 800
    assert len(sender.subscribers("news")) == 8


def test_logs_hash_tokens(caplog):
    sender = LogPushSender()
    with caplog.at_level(logging.INFO, logger="push"):
        sender.send_each(messages=[msg("tok-secret", 1), msg("invalid-secret", 2)])
        sender.subscribe(tokens=["invalid-secret"], topic="news")
    text = caplog.text
    assert "secret" not in text
    assert msg("tok-secret").token_ref in text and "notif-1" in text
