"""Webhook signing and verification, shared by both gateways (SDK's construct_event)."""

from __future__ import annotations

import json
import time

import pytest
import stripe

from payments import InvalidWebhook, SandboxGateway, StripeGateway, sign_webhook_payload
from payments.base import PaymentGateway

SECRET = "whsec_test_secret"

EVENT = {
    "id": "evt_1",
    "object": "event",
    "type": "payment_intent.succeeded",
    "created": 1_700_000_000,
    "livemode": False,
    "data": {"object": {"id": "pi_1", "object": "payment_intent", "status": "succeeded"}},
}


@pytest.fixture(params=["stripe", "sandbox"])
def gateway(request: pytest.FixtureRequest) -> PaymentGateway:
    if request.param == "stripe":
        # No request is made: parse_webhook is local.
        return StripeGateway(secret_key="sk_test_x", publishable_key="pk", webhook_secret=SECRET)
    return SandboxGateway(db_path=":memory:", webhook_secret=SECRET)


def body(event: dict = EVENT) -> bytes:
    return json.dumps(event, indent=2).encode()


def test_signature_matches_the_sdk_generator() -> None:
    payload = body()
    ours = sign_webhook_payload(payload, SECRET, timestamp=1_700_000_123)
    sdk = stripe.WebhookSignature.generate_signature_header(
        payload.decode(), SECRET, timestamp=1_700_000_123
    )
    assert ours == sdk
    assert ours.startswith("t=1700000123,v1=")


def test_good_event_is_parsed(gateway: PaymentGateway) -> None:
    payload = body()
    event = gateway.parse_webhook(
        payload=payload, signature_header=sign_webhook_payload(payload, SECRET)
    )
    assert (event.id, event.type, event.created, event.livemode) == (
        "evt_1",
        "payment_intent.succeeded",
        1_700_000_000,
        False,
    )
    assert event.data_object == EVENT["data"]["object"]


def test_tampered_body_is_refused(gateway: PaymentGateway) -> None:
    header = sign_webhook_payload(body(), SECRET)
    tampered = body().replace(b'"succeeded"', b'"canceled"')
    with pytest.raises(InvalidWebhook) as caught:
        gateway.parse_webhook(payload=tampered, signature_header=header)
    assert caught.value.code == "bad_signature"


def test_wrong_secret_is_refused(gateway: PaymentGateway) -> None:
    payload = body()
    with pytest.raises(InvalidWebhook) as caught:
        gateway.parse_webhook(
            payload=payload, signature_header=sign_webhook_payload(payload, "whsec_other")
        )
    assert caught.value.code == "bad_signature"


def test_stale_timestamp_is_refused(gateway: PaymentGateway) -> None:
    # Canary as well: the SDK reports staleness only through its message text.
    payload = body()
    header = sign_webhook_payload(payload, SECRET, timestamp=int(time.time()) - 301)
    with pytest.raises(InvalidWebhook) as caught:
        gateway.parse_webhook(payload=payload, signature_header=header)
    assert caught.value.code == "stale_timestamp"
    fresh = sign_webhook_payload(payload, SECRET, timestamp=int(time.time()) - 290)
    assert gateway.parse_webhook(payload=payload, signature_header=fresh).id == "evt_1"


@pytest.mark.parametrize("header", ["", "garbage", "t=abc,v1=00", "t=1700000000", "v1=deadbeef"])
def test_malformed_header_is_refused(gateway: PaymentGateway, header: str) -> None:
    with pytest.raises(InvalidWebhook) as caught:
        gateway.parse_webhook(payload=body(), signature_header=header)
    assert caught.value.code == "bad_signature"


@pytest.mark.parametrize(
    "payload",
    [b"not json", b"[1, 2]", b"\xff\xfe", json.dumps({"id": "evt_1", "type": "x"}).encode()],
)
def test_signed_but_malformed_body_is_refused(gateway: PaymentGateway, payload: bytes) -> None:
    with pytest.raises(InvalidWebhook) as caught:
        gateway.parse_webhook(
            payload=payload, signature_header=sign_webhook_payload(payload, SECRET)
        )
    assert caught.value.code == "bad_payload"


def test_text_instead_of_raw_bytes_is_a_programming_error(gateway: PaymentGateway) -> None:
    with pytest.raises(TypeError):
        gateway.parse_webhook(payload=body().decode(), signature_header="t=1,v1=x")  # type: ignore[arg-type]
