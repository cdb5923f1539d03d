"""SandboxGateway: the whole payment flow offline, Stripe's idempotency, concurrency."""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from payments import (
    IdempotencyConflict,
    InvalidWebhook,
    PaymentRejected,
    PaymentSheet,
    SandboxGateway,
)

SECRET = "whsec_sandbox_test"


@pytest.fixture
def gateway() -> SandboxGateway:
    return SandboxGateway(db_path=":memory:", webhook_secret=SECRET)


@pytest.fixture
def customer_id(gateway: SandboxGateway) -> str:
    return gateway.ensure_customer(
        account_ref="acct-1", email="ada@example.org", idempotency_key="c:1"
    )


def sheet(
    gateway: SandboxGateway, customer_id: str, key: str = "payment:1", **kw: object
) -> PaymentSheet:
    args: dict[str, object] = {
        "customer_id": customer_id,
        "amount": 1050,
        "currency": "EUR",
        "metadata": {"application_id": "app-7"},
        "idempotency_key": key,
    }
    args.update(kw)
    return gateway.create_payment_sheet(**args)  # type: ignore[arg-type]


def test_full_flow_with_signed_webhooks(gateway: SandboxGateway, customer_id: str) -> None:
    created = sheet(gateway, customer_id)
    assert (created.status, created.amount, created.currency) == (
        "requires_payment_method",
        1050,
        "EUR",
    )
    assert created.client_secret.startswith(f"{created.intent_id}_secret_")
    assert created.ephemeral_key_secret.startswith("ek_test_")
    assert created.publishable_key == "pk_test_sandbox"

    payload, header = gateway.simulate_payment(intent_id=created.intent_id, outcome="succeeded")
    assert header.startswith("t=") and ",v1=" in header
    event = gateway.parse_webhook(payload=payload, signature_header=header)
    assert event.type == "payment_intent.succeeded" and event.id.startswith("evt_")
    assert event.livemode is False
    obj = event.data_object
    assert (obj["id"], obj["object"], obj["status"]) == (
        created.intent_id,
        "payment_intent",
        "succeeded",
    )
    assert (obj["amount"], obj["amount_received"], obj["currency"]) == (1050, 1050, "eur")
    assert obj["metadata"] == {"application_id": "app-7"}

    info = gateway.retrieve_intent(intent_id=created.intent_id)
    assert (info.status, info.amount_received) == ("succeeded", 1050)

    part = gateway.refund(
        intent_id=created.intent_id,
        amount=300,
        idempotency_key="r:1",
        reason="requested_by_customer",
    )
    assert (part.amount, part.currency, part.status, part.intent_id) == (
        300,
        "EUR",
        "succeeded",
        created.intent_id,
    )
    delivery = gateway.refund_webhook(refund_id=part.id)
    refunded = gateway.parse_webhook(
        payload=delivery.payload, signature_header=delivery.signature_header
    )
    assert refunded.type == "charge.refunded"
    assert (refunded.data_object["amount_refunded"], refunded.data_object["refunded"]) == (
        300,
        False,
    )
    assert refunded.data_object["id"] == obj["latest_charge"]

    rest = gateway.refund(
        intent_id=created.intent_id, amount=None, idempotency_key="r:2", reason=None
    )
    assert rest.amount == 750
    last = gateway.refund_webhook(refund_id=rest.id)
    charge = gateway.parse_webhook(
        payload=last.payload, signature_header=last.signature_header
    ).data_object
    assert (charge["amount_refunded"], charge["refunded"]) == (1050, True)
    with pytest.raises(PaymentRejected) as caught:
        gateway.refund(intent_id=created.intent_id, amount=None, idempotency_key="r:3", reason=None)
    assert caught.value.code == "charge_already_refunded"


def test_failed_then_processing_then_succeeded(gateway: SandboxGateway, customer_id: str) -> None:
    created = sheet(gateway, customer_id)
    failed = gateway.simulate_payment(intent_id=created.intent_id, outcome="failed")
    event = gateway.parse_webhook(payload=failed.payload, signature_header=failed.signature_header)
    assert event.type == "payment_intent.payment_failed"
    assert event.data_object["status"] == "requires_payment_method"
    assert event.data_object["last_payment_error"]["code"] == "card_declined"

    processing = gateway.simulate_payment(intent_id=created.intent_id, outcome="processing")
    assert json.loads(processing.payload)["type"] == "payment_intent.processing"
    assert gateway.retrieve_intent(intent_id=created.intent_id).status == "processing"
    with pytest.raises(PaymentRejected):  # already processing
        gateway.simulate_payment(intent_id=created.intent_id, outcome="processing")
    gateway.simulate_payment(intent_id=created.intent_id, outcome="succeeded")
    with pytest.raises(PaymentRejected) as caught:  # no paying twice
        gateway.simulate_payment(intent_id=created.intent_id, outcome="succeeded")
    assert caught.value.code == "payment_intent_unexpected_state"
    with pytest.raises(ValueError):
        gateway.simulate_payment(intent_id=created.intent_id, outcome="maybe")  # type: ignore[arg-type]


def test_cancel_and_what_it_forbids(gateway: SandboxGateway, customer_id: str) -> None:
    created = sheet(gateway, customer_id)
    canceled = gateway.cancel_intent(intent_id=created.intent_id, idempotency_key="x:1")
    assert canceled.status == "canceled"
    assert gateway.cancel_intent(intent_id=created.intent_id, idempotency_key="x:1") == canceled
    with pytest.raises(PaymentRejected):
        gateway.cancel_intent(intent_id=created.intent_id, idempotency_key="x:2")
    with pytest.raises(PaymentRejected):
        gateway.simulate_payment(intent_id=created.intent_id, outcome="succeeded")
    with pytest.raises(PaymentRejected):
        gateway.refund(intent_id=created.intent_id, amount=None, idempotency_key="r", reason=None)


def test_idempotency_matches_stripe(gateway: SandboxGateway, customer_id: str) -> None:
    first = sheet(gateway, customer_id)
    assert sheet(gateway, customer_id) == first
    assert sheet(gateway, customer_id, key="payment:2").intent_id != first.intent_id
    with pytest.raises(IdempotencyConflict):
        sheet(gateway, customer_id, amount=2000)
    with pytest.raises(IdempotencyConflict):
        gateway.ensure_customer(
            account_ref="acct-1", email="other@example.org", idempotency_key="c:1"
        )
    assert (
        gateway.ensure_customer(
            account_ref="acct-1", email="ada@example.org", idempotency_key="c:1"
        )
        == customer_id
    )

    gateway.simulate_payment(intent_id=first.intent_id, outcome="succeeded")
    # The replay returns the original response, as Stripe does, even though the intent moved.
    assert sheet(gateway, customer_id).status == "requires_payment_method"
    refund = gateway.refund(
        intent_id=first.intent_id, amount=100, idempotency_key="r:1", reason=None
    )
    assert (
        gateway.refund(intent_id=first.intent_id, amount=100, idempotency_key="r:1", reason=None)
        == refund
    )
    charge = json.loads(gateway.refund_webhook(refund_id=refund.id).payload)["data"]["object"]
    assert charge["amount_refunded"] == 100  # refunded once, not twice


def test_failed_requests_are_not_remembered(gateway: SandboxGateway, customer_id: str) -> None:
    created = sheet(gateway, customer_id)
    with pytest.raises(PaymentRejected):  # not paid yet
        gateway.refund(intent_id=created.intent_id, amount=None, idempotency_key="r:1", reason=None)
    gateway.simulate_payment(intent_id=created.intent_id, outcome="succeeded")
    assert (
        gateway.refund(
            intent_id=created.intent_id, amount=None, idempotency_key="r:1", reason=None
        ).amount
        == 1050
    )


def test_keys_expire_after_24_hours() -> None:
    now = [time.time()]
    gateway = SandboxGateway(db_path=":memory:", webhook_secret=SECRET, clock=lambda: now[0])
    cus = gateway.ensure_customer(account_ref="a", email=None, idempotency_key="k")
    first = sheet(gateway, cus)
    now[0] += 24 * 3600 + 1
    second = sheet(gateway, cus, amount=2000)  # same key, new parameters: fine once expired
    assert second.intent_id != first.intent_id and second.amount == 2000


def test_validation_errors(gateway: SandboxGateway, customer_id: str) -> None:
    with pytest.raises(PaymentRejected) as caught:
        sheet(gateway, "cus_unknown")
    assert caught.value.code == "resource_missing"
    for bad in ({"amount": 0}, {"amount": 1235, "currency": "KWD"}, {"currency": "ZZZ"}):
        with pytest.raises(PaymentRejected) as caught:
            sheet(gateway, customer_id, key=str(bad), **bad)
        assert caught.value.code == "invalid_amount"
    with pytest.raises(PaymentRejected) as caught:
        sheet(gateway, customer_id, metadata={"a[b]": "x"})
    assert caught.value.code == "invalid_metadata"
    with pytest.raises(PaymentRejected) as caught:
        gateway.retrieve_intent(intent_id="pi_nope")
    assert caught.value.code == "resource_missing"


def test_special_currency_events_use_stripe_units(
    gateway: SandboxGateway, customer_id: str
) -> None:
    created = sheet(gateway, customer_id, amount=500, currency="ISK")
    assert created.amount == 500
    delivery = gateway.simulate_payment(intent_id=created.intent_id, outcome="succeeded")
    assert json.loads(delivery.payload)["data"]["object"]["amount"] == 50000
    assert gateway.retrieve_intent(intent_id=created.intent_id).amount_received == 500
    refund = gateway.refund(
        intent_id=created.intent_id, amount=200, idempotency_key="r", reason=None
    )
    assert refund.amount == 200


def test_stale_and_redelivered_events(tmp_path) -> None:
    db = tmp_path / "pay.sqlite3"
    past = SandboxGateway(db_path=db, webhook_secret=SECRET, clock=lambda: time.time() - 600)
    cus = past.ensure_customer(account_ref="a", email=None, idempotency_key="k")
    created = sheet(past, cus)
    old = past.simulate_payment(intent_id=created.intent_id, outcome="succeeded")
    with pytest.raises(InvalidWebhook) as caught:
        past.parse_webhook(payload=old.payload, signature_header=old.signature_header)
    assert caught.value.code == "stale_timestamp"

    present = SandboxGateway(db_path=db, webhook_secret=SECRET)
    event_id = json.loads(old.payload)["id"]
    again = present.resend_webhook(event_id=event_id)
    assert again.payload == old.payload  # byte for byte: same event id, a new signature
    assert (
        present.parse_webhook(payload=again.payload, signature_header=again.signature_header).id
        == event_id
    )


def test_state_is_shared_through_the_file(tmp_path) -> None:
    db = tmp_path / "pay.sqlite3"
    one = SandboxGateway(db_path=db, webhook_secret=SECRET)
    cus = one.ensure_customer(account_ref="a", email=None, idempotency_key="k")
    created = sheet(one, cus)
    one.close()
    two = SandboxGateway(db_path=db, webhook_secret=SECRET)
    assert two.retrieve_intent(intent_id=created.intent_id).status == "requires_payment_method"
    assert sheet(two, cus) == created


def test_threads_share_one_gateway(gateway: SandboxGateway, customer_id: str) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        same = list(pool.map(lambda _: sheet(gateway, customer_id), range(16)))
        distinct = list(pool.map(lambda i: sheet(gateway, customer_id, key=f"p:{i}"), range(16)))
    assert len({s.intent_id for s in same}) == 1
    assert len({s.intent_id for s in distinct}) == 16


def test_threads_with_separate_gateways_on_one_file(tmp_path) -> None:
    db = tmp_path / "pay.sqlite3"
    cus = SandboxGateway(db_path=db, webhook_secret=SECRET).ensure_customer(
        account_ref="a", email=None, idempotency_key="k"
    )
    results: list[str] = []
    barrier = threading.Barrier(6)

    def worker() -> None:
        own = SandboxGateway(db_path=db, webhook_secret=SECRET)  # own connection
        barrier.wait()
        results.append(sheet(own, cus).intent_id)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6 and len(set(results)) == 1


def _create_in_other_process(db: str, customer_id: str) -> str:
    return sheet(SandboxGateway(db_path=db, webhook_secret=SECRET), customer_id).intent_id


def test_processes_share_the_file(tmp_path) -> None:
    db = str(tmp_path / "pay.sqlite3")
    cus = SandboxGateway(db_path=db, webhook_secret=SECRET).ensure_customer(
        account_ref="a", email=None, idempotency_key="k"
    )
    with ProcessPoolExecutor(
        max_workers=3, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        ids = list(pool.map(_create_in_other_process, [db] * 3, [cus] * 3))
    assert len(set(ids)) == 1
    assert (
        SandboxGateway(db_path=db, webhook_secret=SECRET).retrieve_intent(intent_id=ids[0]).amount
        == 1050
    )
