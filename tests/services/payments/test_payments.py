"""Paying through the API with the real stripe SDK against a fake Stripe on 127.0.0.1:
payment sheets, double taps, outages, fee changes, currencies, ownership, receipts."""

from __future__ import annotations

import pytest

from services.catalogue import catalogue
from services.core.db import db
from tests.services.payments.payment_support import (
    deliver,
    intent_event,
    owned_application,
    pay,
    payment_row,
)


def test_payment_sheet_and_double_tap_make_one_intent(app, client, make, fake):
    owned = owned_application(app, make, currency="EUR", fee="60")
    first = pay(client, owned)
    assert first.status_code == 200, first.get_json()
    sheet = first.get_json()
    assert sheet["status"] == "requires_payment"
    assert (sheet["amount"], sheet["currency"], sheet["exponent"]) == (6000, "EUR", 2)
    assert sheet["display"] == "€60.00"
    assert sheet["application_number"] == owned.number
    assert sheet["client_secret"].startswith(sheet["intent_id"] + "_secret_")
    assert sheet["customer_id"].startswith("cus_")
    assert sheet["ephemeral_key_secret"].startswith("ek_test_")
    assert sheet["publishable_key"] == "pk_test_fake"

    second = pay(client, owned, **{"Idempotency-Key": "tap-2"})
    assert second.status_code == 200
    assert second.get_json() == sheet  # same payment, same intent, same secrets

    assert len(fake.intents) == 1 and len(fake.customers) == 1
    [intent_request] = fake.requests_to("POST", "/v1/payment_intents")
    key = payment_row(app, sheet["id"]).gateway_key  # payment:{id}:{nonce stored on the row}
    assert key.startswith(f"payment:{sheet['id']}:")
    assert intent_request.headers["idempotency-key"] == f"{key}:intent"
    assert intent_request.form["amount"] == "6000"
    assert intent_request.form["currency"] == "eur"
    assert intent_request.form["automatic_payment_methods[enabled]"] == "true"
    assert intent_request.form["metadata[application_number]"] == owned.number
    [ekey_request] = fake.requests_to("POST", "/v1/ephemeral_keys")
    assert ekey_request.headers["idempotency-key"] == f"{key}:ekey"
    assert ekey_request.headers["stripe-version"]
    [customer_request] = fake.requests_to("POST", "/v1/customers")
    assert customer_request.headers["idempotency-key"].startswith(f"customer:{owned.citizen.id}:")

    # The owner sees it; the customer is reused for the next application.
    assert client.get(f"/api/v1/payments/{sheet['id']}", headers=owned.headers).get_json() == sheet
    listed = client.get(
        f"/api/v1/payments?application_id={owned.application_id}", headers=owned.headers
    )
    assert [p["id"] for p in listed.get_json()] == [sheet["id"]]


def test_gateway_outage_is_503_and_the_retry_reaches_the_same_intent(app, client, make, fake):
    owned = owned_application(app, make)
    fake.fail_next(1, status=500)  # the customer creation
    down = pay(client, owned)
    assert down.status_code == 503
    assert down.get_json()["error"] == "payment_gateway_unavailable"
    assert down.headers["Retry-After"]

    # The intent is created but the ephemeral key fails: the retry replays the intent.
    fake.delay_next(2, seconds=0)  # customer and intent go through
    fake.fail_next(1, status=503)  # the ephemeral key does not
    assert pay(client, owned).status_code == 503
    assert len(fake.intents) == 1

    ok = pay(client, owned)
    assert ok.status_code == 200, ok.get_json()
    assert len(fake.intents) == 1 and len(fake.customers) == 1
    assert ok.get_json()["intent_id"] == next(iter(fake.intents))
    keys = {r.headers["idempotency-key"] for r in fake.requests_to("POST", "/v1/payment_intents")}
    assert keys == {f"{payment_row(app, ok.get_json()['id']).gateway_key}:intent"}


def test_fee_change_cancels_the_unpaid_intent_and_opens_a_new_payment(app, client, make, fake):
    owned = owned_application(app, make, fee="60")
    old = pay(client, owned).get_json()
    with app.app_context():
        catalogue.set_fee(None, owned.post.code, owned.service.code, "75")
        db.session.commit()
    new = pay(client, owned).get_json()
    assert new["id"] != old["id"] and new["intent_id"] != old["intent_id"]
    assert new["amount"] == 7500 and new["status"] == "requires_payment"
    assert fake.intents[old["intent_id"]]["status"] == "canceled"
    assert payment_row(app, old["id"]).status == "canceled"
    # Asking again is stable.
    assert pay(client, owned).get_json()["id"] == new["id"]


def test_a_processing_intent_keeps_its_amount_when_the_fee_changes(app, client, make, fake):
    owned = owned_application(app, make, fee="60")
    sheet = pay(client, owned).get_json()
    fake.set_intent_status(sheet["intent_id"], "processing")
    deliver(client, intent_event(fake, "payment_intent.processing", sheet["intent_id"]))
    with app.app_context():
        catalogue.set_fee(None, owned.post.code, owned.service.code, "75")
        db.session.commit()
    again = pay(client, owned).get_json()
    assert (again["id"], again["status"], again["amount"]) == (sheet["id"], "processing", 6000)
    assert again["client_secret"] is None
    assert fake.intents[sheet["intent_id"]]["status"] == "processing"


def test_paid_applications_and_closed_posts_cannot_be_paid(app, client, make, fake):
    owned = owned_application(app, make)
    sheet = pay(client, owned).get_json()
    fake.set_intent_status(sheet["intent_id"], "succeeded")
    deliver(client, intent_event(fake, "payment_intent.succeeded", sheet["intent_id"]))
    again = pay(client, owned)
    assert again.status_code == 409 and again.get_json()["error"] == "already_paid"

    counter_only = make.post(mobile_payment_enabled=False)
    service = make.service_type()
    make.fee(counter_only.code, service.code, "60")
    officer = make.staff("officer", posts=[counter_only.code])
    at_counter = owned_application(app, make, post=counter_only, service=service, officer=officer)
    refused = pay(client, at_counter, **{"Accept-Language": "en"})
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "payment_not_available"
    assert "counter" in refused.get_json()["message"]
    assert not fake.requests_to("POST", "/v1/payment_intents")[1:]  # only the first one


def test_only_the_owner_pays_or_sees_a_payment(app, client, make, fake):
    owned = owned_application(app, make)
    stranger = make.auth(make.citizen())
    assert (
        client.post(
            "/api/v1/payments", json={"application_id": owned.application_id}, headers=stranger
        ).status_code
        == 404
    )
    sheet = pay(client, owned).get_json()
    assert client.get(f"/api/v1/payments/{sheet['id']}", headers=stranger).status_code == 404
    assert (
        client.get(f"/api/v1/payments/{sheet['id']}/receipt", headers=stranger).status_code == 404
    )
    assert client.get("/api/v1/payments", headers=stranger).get_json() == []
    assert client.post("/api/v1/payments", json={"application_id": 1}).status_code == 401


@pytest.mark.parametrize(
    ("currency", "fee", "minor", "exponent", "stripe_amount", "display"),
    [
        ("JPY", "4000", 4000, 0, "4000", "¥4,000"),
        ("VND", "500000", 500000, 0, "500000", "₫500,000"),
        ("KWD", "12.340", 12340, 3, "12340", "KWD12.340"),
    ],
)
def test_zero_and_three_decimal_currencies_end_to_end(
    app, client, make, fake, currency, fee, minor, exponent, stripe_amount, display
):
    owned = owned_application(app, make, currency=currency, fee=fee)
    sheet = pay(client, owned).get_json()
    assert (sheet["amount"], sheet["currency"], sheet["exponent"]) == (minor, currency, exponent)
    assert sheet["display"].replace("\xa0", "") == display
    [request] = fake.requests_to("POST", "/v1/payment_intents")
    assert (request.form["amount"], request.form["currency"]) == (stripe_amount, currency.lower())

    fake.set_intent_status(sheet["intent_id"], "succeeded")
    assert (
        deliver(
            client, intent_event(fake, "payment_intent.succeeded", sheet["intent_id"])
        ).status_code
        == 200
    )
    receipt = client.get(f"/api/v1/payments/{sheet['id']}/receipt", headers=owned.headers)
    assert receipt.status_code == 200, receipt.get_json()
    body = receipt.get_json()
    assert (body["amount"], body["currency"], body["exponent"]) == (minor, currency, exponent)
    assert body["status"] == "succeeded"
    assert body["reference"] == f"{owned.number}-{sheet['intent_id'][-8:].upper()}"
    assert body["post"] == owned.post.code and body["service"] == owned.service.code
    assert body["paid_at"] and body["application_number"] == owned.number

    # A partial refund of a zero-decimal amount goes to Stripe as is.
    officer = make.auth(owned.officer)
    part = minor // 4 if exponent == 0 else 2340
    refund = client.post(
        f"/api/v1/staff/payments/{sheet['id']}/refunds",
        json={"amount": part, "reason": "courier fee not used"},
        headers={**officer, "Idempotency-Key": "r1"},
    )
    assert refund.status_code == 201, refund.get_json()
    [sent] = fake.requests_to("POST", "/v1/refunds")
    assert sent.form["amount"] == str(part)


def test_a_kwd_fee_stripe_cannot_take_is_paid_at_the_counter(app, client, make, fake):
    # Stripe takes three-decimal currencies only in multiples of 10 (payments.currency).
    owned = owned_application(app, make, currency="KWD", fee="12.345")
    refused = pay(client, owned)
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "payment_not_available"
    assert fake.requests == []


def test_receipt_only_once_paid(app, client, make, fake):
    owned = owned_application(app, make)
    sheet = pay(client, owned).get_json()
    early = client.get(f"/api/v1/payments/{sheet['id']}/receipt", headers=owned.headers)
    assert early.status_code == 409 and early.get_json()["error"] == "receipt_not_available"


def test_withdrawn_application_cannot_start_a_payment(app, client, make, fake):
    owned = owned_application(app, make)
    client.post(
        f"/api/v1/applications/{owned.application_id}/withdraw",
        json={"reason": "changed plans"},
        headers=owned.headers,
    )
    refused = pay(client, owned)
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "application_not_payable"


def _age(app, payment_id: int, **ages) -> None:
    from sqlalchemy import update

    from services.models import Payment
    from services.models.types import utcnow

    with app.app_context():
        db.session.execute(
            update(Payment)
            .where(Payment.id == payment_id)
            .values({column: utcnow() - age for column, age in ages.items()})
        )
        db.session.commit()


def test_an_expired_sheet_is_renewed_unless_someone_is_paying(app, client, make, fake):
    from datetime import timedelta

    owned = owned_application(app, make)
    old = pay(client, owned).get_json()
    _age(app, old["id"], sheet_created_at=timedelta(hours=2))
    # The customer is in the middle of 3-D Secure: keep the intent and its sheet.
    fake.set_intent_status(old["intent_id"], "requires_action")
    assert pay(client, owned).get_json()["id"] == old["id"]
    assert fake.intents[old["intent_id"]]["status"] == "requires_action"
    # Nobody is paying it: the ephemeral key has expired, so a fresh intent and sheet.
    fake.set_intent_status(old["intent_id"], "requires_payment_method")
    new = pay(client, owned).get_json()
    assert new["id"] != old["id"] and new["intent_id"] != old["intent_id"]
    assert new["ephemeral_key_secret"] != old["ephemeral_key_secret"]
    assert fake.intents[old["intent_id"]]["status"] == "canceled"
    assert payment_row(app, old["id"]).status == "canceled"
