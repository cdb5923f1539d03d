"""StripeGateway with the real stripe SDK over HTTP against tests/fakes/fake_stripe.py."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import stripe

from payments import (
    IdempotencyConflict,
    PaymentRejected,
    StripeGateway,
)
from payments.stripe_gateway import DEFAULT_EPHEMERAL_KEY_API_VERSION
from tests.fakes.fake_stripe import FakeStripeServer
from tests.payments.stripe_support import SECRET_KEY, make_gateway, sheet


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


def test_ensure_customer_sends_metadata_email_key_and_secret(fake, gateway, customer_id) -> None:
    (request,) = fake.requests_to("POST", "/v1/customers")
    assert request.form == {"metadata[account_ref]": "acct-1", "email": "ada@example.org"}
    assert request.headers["idempotency-key"] == "customer:acct-1"
    assert request.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert customer_id.startswith("cus_")
    again = gateway.ensure_customer(
        account_ref="acct-1", email="ada@example.org", idempotency_key="customer:acct-1"
    )
    assert again == customer_id
    assert list(fake.customers) == [customer_id]


def test_payment_sheet_sends_what_stripe_needs(fake, gateway, customer_id) -> None:
    result = sheet(gateway, customer_id, description="Passport renewal")

    (intent_request,) = fake.requests_to("POST", "/v1/payment_intents")
    assert intent_request.form == {
        "amount": "1050",
        "currency": "eur",
        "customer": customer_id,
        "automatic_payment_methods[enabled]": "true",
        "metadata[application_id]": "app-7",
        "description": "Passport renewal",
    }
    assert intent_request.headers["idempotency-key"] == "payment:1:intent"
    (ekey_request,) = fake.requests_to("POST", "/v1/ephemeral_keys")
    assert ekey_request.form == {"customer": customer_id}
    assert ekey_request.headers["idempotency-key"] == "payment:1:ekey"
    # The ephemeral key is pinned to the mobile SDK's version, other calls keep the SDK's.
    assert ekey_request.headers["stripe-version"] == DEFAULT_EPHEMERAL_KEY_API_VERSION
    assert intent_request.headers["stripe-version"] == stripe.api_version

    (intent,) = fake.intents.values()
    assert result.intent_id == intent["id"]
    assert result.client_secret == intent["client_secret"]
    assert result.client_secret.startswith(f"{result.intent_id}_secret_")
    assert result.ephemeral_key_secret.startswith("ek_test_")
    assert (result.customer_id, result.publishable_key) == (customer_id, "pk_test_fake")
    assert (result.amount, result.currency, result.status) == (
        1050,
        "EUR",
        "requires_payment_method",
    )


def test_ephemeral_key_version_is_configurable(fake, customer_id) -> None:
    gateway = make_gateway(fake, api_version_for_ephemeral_keys="2024-06-20")
    sheet(gateway, customer_id)
    (ekey_request,) = fake.requests_to("POST", "/v1/ephemeral_keys")
    assert ekey_request.headers["stripe-version"] == "2024-06-20"


def test_double_tap_creates_one_intent(fake, gateway, customer_id) -> None:
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(sheet(gateway, customer_id)))
        for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 5 and len(set(results)) == 1
    assert len(fake.intents) == 1
    assert len(fake.requests_to("POST", "/v1/payment_intents")) == 5


def test_same_key_other_amount_is_an_idempotency_conflict(fake, gateway, customer_id) -> None:
    sheet(gateway, customer_id)
    with pytest.raises(IdempotencyConflict) as caught:
        sheet(gateway, customer_id, amount=2000)
    assert caught.value.retryable is False
    assert len(fake.intents) == 1


def test_currency_conventions_reach_the_wire(fake, gateway, customer_id) -> None:
    isk = sheet(gateway, customer_id, key="isk", amount=500, currency="isk")
    jpy = sheet(gateway, customer_id, key="jpy", amount=500, currency="JPY")
    amounts = [r.form["amount"] for r in fake.requests_to("POST", "/v1/payment_intents")]
    assert amounts == ["50000", "500"]
    assert (isk.amount, isk.currency, jpy.amount) == (500, "ISK", 500)
    assert gateway.retrieve_intent(intent_id=isk.intent_id).amount == 500

    before = len(fake.requests)
    with pytest.raises(PaymentRejected) as caught:
        sheet(gateway, customer_id, key="kwd", amount=1235, currency="KWD")
    assert caught.value.code == "invalid_amount"
    assert len(fake.requests) == before  # refused locally, nothing sent


def test_retrieve_reflects_server_state(fake, gateway, customer_id) -> None:
    created = sheet(gateway, customer_id)
    fake.set_intent_status(created.intent_id, "succeeded")
    info = gateway.retrieve_intent(intent_id=created.intent_id)
    assert (info.status, info.amount, info.amount_received) == ("succeeded", 1050, 1050)
    assert info.metadata == {"application_id": "app-7"}
    (get,) = fake.requests_to("GET", f"/v1/payment_intents/{created.intent_id}")
    assert "idempotency-key" not in get.headers


def test_unknown_intent_is_rejected_as_missing(gateway) -> None:
    with pytest.raises(PaymentRejected) as caught:
        gateway.retrieve_intent(intent_id="pi_nope")
    assert (caught.value.code, caught.value.http_status) == ("resource_missing", 404)


def test_cancel(fake, gateway, customer_id) -> None:
    created = sheet(gateway, customer_id)
    info = gateway.cancel_intent(intent_id=created.intent_id, idempotency_key="cancel:1")
    assert info.status == "canceled"
    # A retry with the same key replays the success instead of failing on "already canceled".
    assert gateway.cancel_intent(intent_id=created.intent_id, idempotency_key="cancel:1") == info
    with pytest.raises(PaymentRejected) as caught:
        gateway.cancel_intent(intent_id=created.intent_id, idempotency_key="cancel:2")
    assert caught.value.code == "payment_intent_unexpected_state"


def test_refund_partial_then_rest(fake, gateway, customer_id) -> None:
    created = sheet(gateway, customer_id)
    fake.set_intent_status(created.intent_id, "succeeded")
    part = gateway.refund(
        intent_id=created.intent_id, amount=50, idempotency_key="refund:1", reason="duplicate"
    )
    rest = gateway.refund(
        intent_id=created.intent_id, amount=None, idempotency_key="refund:2", reason=None
    )
    assert (part.amount, part.currency, part.status, part.intent_id) == (
        50,
        "EUR",
        "succeeded",
        created.intent_id,
    )
    assert rest.amount == 1000
    first, second = fake.requests_to("POST", "/v1/refunds")
    assert first.form == {
        "payment_intent": created.intent_id,
        "amount": "50",
        "reason": "duplicate",
    }
    assert first.headers["idempotency-key"] == "refund:1"
    assert second.form == {"payment_intent": created.intent_id}
    with pytest.raises(PaymentRejected) as caught:
        gateway.refund(
            intent_id=created.intent_id, amount=1, idempotency_key="refund:3", reason=None
        )
    assert caught.value.code == "amount_too_large"


def test_refund_converts_to_stripe_units(fake, gateway, customer_id) -> None:
    created = sheet(gateway, customer_id, amount=500, currency="ISK")
    fake.set_intent_status(created.intent_id, "succeeded")
    refund = gateway.refund(
        intent_id=created.intent_id, amount=200, idempotency_key="r", reason=None
    )
    assert fake.requests_to("POST", "/v1/refunds")[0].form["amount"] == "20000"
    assert refund.amount == 200


def test_bad_refund_reason_is_refused_locally(fake, gateway) -> None:
    with pytest.raises(PaymentRejected):
        gateway.refund(intent_id="pi_x", amount=None, idempotency_key="r", reason="changed mind")
    assert fake.requests == []


def test_default_api_base_is_stripe() -> None:
    # Guards the base_addresses={"api": None} trap: the default must stay api.stripe.com.
    gateway = StripeGateway(secret_key="sk_test_x", publishable_key="pk", webhook_secret="whsec")
    assert gateway._client._requestor._options.base_addresses["api"] == "https://api.stripe.com"
