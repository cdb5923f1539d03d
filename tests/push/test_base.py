"""Message validation, payload limits and error flags of push.base."""

from __future__ import annotations

import dataclasses

import pytest

from push.base import (
    InvalidArgument,
    PayloadTooLarge,
    PushError,
    PushMessage,
    TopicMessage,
    token_fingerprint,
)


def test_data_always_carries_notification_id_and_is_copied():
    data = {"kind": "appointment"}
    message = PushMessage("tok", "t", "b", data, "n-1")
    assert message.data == {"kind": "appointment", "notification_id": "n-1"}
    data["kind"] = "changed"
    assert message.data["kind"] == "appointment"
    with pytest.raises(dataclasses.FrozenInstanceError):
        message.title = "x"  # type: ignore[misc]


def test_conflicting_notification_id_in_data_is_rejected():
    PushMessage("tok", "t", "b", {"notification_id": "n-1"}, "n-1")  # same: fine
    with pytest.raises(InvalidArgument):
        PushMessage("tok", "t", "b", {"notification_id": "other"}, "n-1")


@pytest.mark.parametrize(
    "data", [{"count": 3}, {"from": "x"}, {"google.x": "y"}, {"gcm.notification": "z"}]
)
def test_invalid_data_is_rejected(data):
    with pytest.raises(InvalidArgument):
        PushMessage("tok", "t", "b", data, "n-1")


def _envelope_bytes(title: str, data: dict[str, str]) -> int:
    import json

    return len(
        json.dumps(
            {"notification": {"title": title, "body": "b"}, "data": data},
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
    )


def test_token_payload_limit_is_4096_bytes():
    data = {"notification_id": "n"}
    overhead = _envelope_bytes("", data)
    PushMessage("tok", "x" * (4096 - overhead), "b", {}, "n")
    with pytest.raises(PayloadTooLarge) as caught:
        PushMessage("tok", "x" * (4097 - overhead), "b", {}, "n")
    assert isinstance(caught.value, PushError) and not caught.value.retryable


def test_payload_limit_counts_utf8_bytes_not_characters():
    overhead = _envelope_bytes("", {"notification_id": "n"})
    with pytest.raises(PayloadTooLarge):
        PushMessage("tok", "é" * ((4096 - overhead) // 2 + 1), "b", {}, "n")


def test_topic_payload_limit_is_2048_bytes():
    overhead = _envelope_bytes("", {})
    TopicMessage("news", "x" * (2048 - overhead), "b", {})
    with pytest.raises(PayloadTooLarge):
        TopicMessage("news", "x" * (2049 - overhead), "b", {})
    # The same content fits a token message (4 KB).
    PushMessage("tok", "x" * (2049 - overhead), "b", {}, "n")


@pytest.mark.parametrize("topic", ["alerts-FR", "a_b.c~d%e", "X9"])
def test_valid_topic_names(topic):
    assert TopicMessage(topic, "t", "b", {}).topic == topic


@pytest.mark.parametrize("topic", ["", "/topics/news", "with space", "é", "a/b", "a:b"])
def test_invalid_topic_names(topic):
    with pytest.raises(InvalidArgument):
        TopicMessage(topic, "t", "b", {})


def test_invalid_argument_is_also_a_value_error():
    with pytest.raises(ValueError):
        PushMessage("", "t", "b", {}, "n")


def test_token_fingerprint_is_short_stable_and_not_the_token():
    fp = token_fingerprint("secret-device-token")
    assert fp == token_fingerprint("secret-device-token") and len(fp) == 12
    assert fp != token_fingerprint("other-token") and "secret" not in fp
    assert PushMessage("secret-device-token", "t", "b", {}, "n").token_ref == fp


def test_push_error_code_can_be_overridden_per_instance():
    error = PushError("boom", code="CONFLICT")
    assert error.code == "CONFLICT" and PushError.code == "UNKNOWN"
    assert "CONFLICT" in repr(error)
