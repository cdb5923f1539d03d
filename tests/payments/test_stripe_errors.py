"""StripeGateway error mapping: SDK retries, HTTP failures, and the error table."""

from __future__ import annotations

import pickle
import time
from collections.abc import Iterator

import pytest
import stripe

from payments import (
    GatewayUnavailable,
    IdempotencyConflict,
    PaymentGatewayError,
    PaymentRejected,
    StripeGateway,
)
from payments.stripe_gateway import translate_stripe_error
from tests.fakes.fake_stripe import FakeStripeServer
from tests.payments.stripe_support import make_gateway, sheet


@pytest.fixture
def fake() -> Iterator[FakeStripeServer]:
    with FakeStripeServer() as server:
        yield server


@pytest.fixture
def gateway(fake: FakeStripeServer) -> StripeGateway:
    return make_gateway(fake)


@pytest.fixture
def customer_id(gateway: StripeGateway) -> str:
    return gateway.ensure_customer(
        account_ref="acct-1", email="ada@example.org", idempotency_key="customer:acct-1"
    )


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    # The SDK sleeps at least INITIAL_DELAY (0.5 s) between retries; keep the tests quick.
    monkeypatch.setattr(stripe.HTTPClient, "INITIAL_DELAY", 0.01)
    monkeypatch.setattr(stripe.HTTPClient, "MAX_DELAY", 0.02)


def test_server_errors_are_retried_with_the_same_key_then_unavailable(
    fake, customer_id, fast_retries
) -> None:
    gateway = make_gateway(fake, max_network_retries=2)
    before = len(fake.requests)
    fake.fail_next(3, status=500)
    with pytest.raises(GatewayUnavailable) as caught:
        sheet(gateway, customer_id)
    assert caught.value.retryable and caught.value.http_status == 500
    attempts = fake.requests[before:]
    assert len(attempts) == 3
    assert {r.headers["idempotency-key"] for r in attempts} == {"payment:1:intent"}
    assert fake.intents == {}


def test_transient_errors_heal_within_sdk_retries(fake, customer_id, fast_retries) -> None:
    gateway = make_gateway(fake, max_network_retries=2)
    fake.fail_next(1, status=503)
    fake.drop_next(1)
    result = sheet(gateway, customer_id)
    assert len(fake.intents) == 1 and result.intent_id in fake.intents


@pytest.mark.parametrize(
    ("inject", "error", "code"),
    [
        ({"status": 500}, GatewayUnavailable, "api_error"),
        (
            {"status": 429, "error_type": "invalid_request_error", "code": "rate_limit"},
            GatewayUnavailable,
            "rate_limit",
        ),
        (
            {"status": 402, "error_type": "card_error", "code": "card_declined"},
            PaymentRejected,
            "card_declined",
        ),
        (
            {"status": 400, "error_type": "invalid_request_error", "code": "parameter_missing"},
            PaymentRejected,
            "parameter_missing",
        ),
        (
            {"status": 400, "error_type": "idempotency_error"},
            IdempotencyConflict,
            "idempotency_error",
        ),
        (
            {"status": 403, "error_type": "invalid_request_error"},
            PaymentGatewayError,
            "permission_denied",
        ),
    ],
)
def test_http_errors_map_to_our_errors(fake, gateway, inject, error, code) -> None:
    fake.fail_next(1, **inject)
    with pytest.raises(error) as caught:
        gateway.retrieve_intent(intent_id="pi_any")
    assert caught.value.code == code
    assert caught.value.retryable is (error is GatewayUnavailable)


def test_rate_limit_is_not_retried_by_the_sdk(fake, fast_retries) -> None:
    gateway = make_gateway(fake, max_network_retries=2)
    fake.fail_next(1, status=429, error_type="invalid_request_error", code="rate_limit")
    with pytest.raises(GatewayUnavailable):
        gateway.retrieve_intent(intent_id="pi_any")
    assert len(fake.requests) == 1  # the caller's task queue does the backing off


def test_dropped_connection_and_timeout_are_unavailable(fake, gateway) -> None:
    fake.drop_next()
    with pytest.raises(GatewayUnavailable) as dropped:
        gateway.retrieve_intent(intent_id="pi_any")
    assert dropped.value.code == "connection_error"
    slow = make_gateway(fake, timeout=0.2)
    fake.delay_next(seconds=0.6)
    with pytest.raises(GatewayUnavailable) as timed_out:
        slow.retrieve_intent(intent_id="pi_any")
    assert timed_out.value.code == "connection_error" and timed_out.value.retryable


def test_bad_credentials_are_not_retryable(fake) -> None:
    gateway = make_gateway(fake, secret_key="rk_wrong")
    with pytest.raises(PaymentGatewayError) as caught:
        gateway.retrieve_intent(intent_id="pi_any")
    assert type(caught.value) is PaymentGatewayError
    assert (caught.value.code, caught.value.retryable) == ("authentication_failed", False)


@pytest.mark.parametrize(
    ("sdk_error", "ours", "retryable"),
    [
        (stripe.APIConnectionError("down", should_retry=True), GatewayUnavailable, True),
        (stripe.APIError("oops", http_status=502), GatewayUnavailable, True),
        (stripe.APIError("busy", http_status=409), GatewayUnavailable, True),
        (stripe.APIError("garbled body"), GatewayUnavailable, True),
        (stripe.APIError("method", http_status=405), PaymentGatewayError, False),
        (stripe.RateLimitError("slow down", http_status=429), GatewayUnavailable, True),
        (stripe.CardError("no", "card", "expired_card", http_status=402), PaymentRejected, False),
        (stripe.InvalidRequestError("bad", "amount", http_status=400), PaymentRejected, False),
        (stripe.IdempotencyError("again", http_status=400), IdempotencyConflict, False),
        (stripe.AuthenticationError("key", http_status=401), PaymentGatewayError, False),
        (stripe.SignatureVerificationError("sig", "t=1"), PaymentGatewayError, False),
    ],
)
def test_error_table(sdk_error, ours, retryable) -> None:
    error = translate_stripe_error(sdk_error)
    assert type(error) is ours
    assert error.retryable is retryable
    # Celery pickles exceptions: ours survive with their fields.
    clone = pickle.loads(pickle.dumps(error))
    assert (type(clone), clone.code, clone.retryable) == (ours, error.code, retryable)


def test_retry_after_a_timeout_does_not_create_a_second_intent(fake, customer_id) -> None:
    # The worst case for a payment API: the server did the work but the answer was lost.
    slow = make_gateway(fake, timeout=0.2)
    fake.delay_next(seconds=0.5)
    with pytest.raises(GatewayUnavailable):
        sheet(slow, customer_id)
    deadline = time.monotonic() + 5
    while not fake.intents and time.monotonic() < deadline:  # the abandoned request finishes
        time.sleep(0.02)
    assert len(fake.intents) == 1
    # The caller's retry, same idempotency key (with a normal timeout: a stall of the busy
    # machine must not time this one out too).
    retried = sheet(make_gateway(fake), customer_id)
    assert list(fake.intents) == [retried.intent_id]
