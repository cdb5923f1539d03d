"""The Stripe webhook with real signatures: verification, duplicates, out-of-order events,
mismatches, money for a closed application, refunds seen from Stripe, disputes."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from services.catalogue import catalogue
from services.core.db import db
from services.models import PaymentWebhookEvent
from tests.services.payments.payment_support import (
    audit_actions,
    deliver,
    event_body,
    intent_event,
    owned_application,
    pay,
    payment_row,
    refunds_of,
    templates_sent,
)


@pytest.fixture
def sheet(app, client, make, fake):
    owned = owned_application(app, make, fee="60")
    body = pay(client, owned).get_json()
    return owned, body


def _events(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PaymentWebhookEvent))


def test_signature_is_checked_on_the_raw_body(app, client, fake, sheet):
    _owned, body = sheet
    payload = intent_event(fake, "payment_intent.succeeded", body["intent_id"])

    bad = deliver(client, payload, secret="whsec_someone_else")
    assert bad.status_code == 400 and bad.get_json()["error"] == "invalid_webhook_signature"
    stale = deliver(client, payload, timestamp=int(time.time()) - 600)
    assert stale.status_code == 400 and stale.get_json()["error"] == "invalid_webhook_signature"
    missing = client.post("/api/v1/webhooks/stripe", data=payload)
    assert missing.status_code == 400
    # Signed, but a byte changed after signing (re-encoded JSON would do the same).
    signed = deliver(client, b"{}").request.headers["Stripe-Signature"]
    tampered = client.post(
        "/api/v1/webhooks/stripe", data=b"{ }", headers={"Stripe-Signature": signed}
    )
    assert tampered.status_code == 400
    junk = deliver(client, b"\xff not json")
    assert junk.status_code == 400
    assert _events(app) == 0
    assert payment_row(app, body["id"]).status == "requires_payment"


def test_success_is_applied_once_and_duplicates_answer_200(app, client, fake, sheet):
    owned, body = sheet
    fake.set_intent_status(body["intent_id"], "succeeded")
    payload = intent_event(fake, "payment_intent.succeeded", body["intent_id"])
    first = deliver(client, payload)
    assert first.status_code == 200
    assert first.get_json()["duplicate"] is False
    again = deliver(client, payload)
    assert again.status_code == 200 and again.get_json()["duplicate"] is True

    payment = payment_row(app, body["id"])
    assert payment.status == "succeeded" and payment.amount_received == 6000
    assert payment.paid_at is not None
    assert templates_sent(app, owned.citizen.id) == ["payment_succeeded"]
    assert audit_actions(app) == ["payment.succeeded"]
    assert _events(app) == 1
    mine = client.get(f"/api/v1/payments/{body['id']}", headers=owned.headers).get_json()
    assert mine["status"] == "succeeded" and mine["client_secret"] is None


def test_events_out_of_order_never_move_a_payment_back(app, client, fake, sheet):
    owned, body = sheet
    intent_id = body["intent_id"]
    stale_processing = intent_event(
        fake, "payment_intent.processing", intent_id, status="processing"
    )
    stale_failure = intent_event(fake, "payment_intent.payment_failed", intent_id)
    fake.set_intent_status(intent_id, "succeeded")
    assert (
        deliver(client, intent_event(fake, "payment_intent.succeeded", intent_id)).status_code
        == 200
    )
    # The older events arrive late: the intent is re-read, and succeeded is final anyway.
    assert deliver(client, stale_processing).status_code == 200
    assert deliver(client, stale_failure).status_code == 200
    assert payment_row(app, body["id"]).status == "succeeded"
    assert templates_sent(app, owned.citizen.id) == ["payment_succeeded"]


def test_a_late_event_applies_the_intent_as_it_is_now(app, client, fake, sheet):
    _owned, body = sheet
    intent_id = body["intent_id"]
    # The "processing" event arrives after the intent already succeeded: re-reading it
    # gives the truth, so the payment goes straight to succeeded.
    fake.set_intent_status(intent_id, "succeeded")
    late = intent_event(fake, "payment_intent.processing", intent_id, status="processing")
    assert deliver(client, late).status_code == 200
    assert payment_row(app, body["id"]).status == "succeeded"


def test_processing_then_success(app, client, fake, sheet):
    _owned, body = sheet
    intent_id = body["intent_id"]
    fake.set_intent_status(intent_id, "processing")
    deliver(client, intent_event(fake, "payment_intent.processing", intent_id))
    assert payment_row(app, body["id"]).status == "processing"
    fake.set_intent_status(intent_id, "succeeded")
    deliver(client, intent_event(fake, "payment_intent.succeeded", intent_id))
    assert payment_row(app, body["id"]).status == "succeeded"


def test_a_failed_payment_is_told_and_can_be_retried(app, client, fake, sheet):
    owned, body = sheet
    # Stripe sends the intent back to requires_payment_method after a decline.
    payload = intent_event(fake, "payment_intent.payment_failed", body["intent_id"])
    assert deliver(client, payload).status_code == 200
    assert deliver(client, payload).get_json()["duplicate"] is True
    assert payment_row(app, body["id"]).status == "requires_payment"
    assert templates_sent(app, owned.citizen.id) == ["payment_failed"]
    retry = pay(client, owned).get_json()
    assert retry["id"] == body["id"] and retry["client_secret"] == body["client_secret"]


def test_an_amount_mismatch_is_reviewed_not_paid(app, client, fake, sheet):
    owned, body = sheet
    fake.set_intent_status(body["intent_id"], "succeeded")
    fake.intents[body["intent_id"]]["amount_received"] = 5000
    deliver(client, intent_event(fake, "payment_intent.succeeded", body["intent_id"]))
    payment = payment_row(app, body["id"])
    assert payment.status == "needs_review" and payment.review_reason == "amount_mismatch"
    assert audit_actions(app) == ["payment.needs_review"]
    assert templates_sent(app, owned.citizen.id) == []
    blocked = pay(client, owned)
    assert blocked.status_code == 409 and blocked.get_json()["error"] == "payment_under_review"
    receipt = client.get(f"/api/v1/payments/{body['id']}/receipt", headers=owned.headers)
    assert receipt.status_code == 409


def test_a_currency_mismatch_is_reviewed_not_paid(app, client, fake, sheet):
    _owned, body = sheet
    fake.set_intent_status(body["intent_id"], "succeeded")
    fake.intents[body["intent_id"]]["currency"] = "usd"
    deliver(client, intent_event(fake, "payment_intent.succeeded", body["intent_id"]))
    payment = payment_row(app, body["id"])
    assert payment.status == "needs_review" and payment.review_reason == "currency_mismatch"


def test_money_for_a_withdrawn_application_is_refunded_and_the_citizen_told(
    app, client, fake, sheet
):
    owned, body = sheet
    withdrawn = client.post(
        f"/api/v1/applications/{owned.application_id}/withdraw",
        json={"reason": "travel cancelled"},
        headers=owned.headers,
    )
    assert withdrawn.status_code == 200
    # The citizen had the sheet open and paid anyway.
    fake.set_intent_status(body["intent_id"], "succeeded")
    payload = intent_event(fake, "payment_intent.succeeded", body["intent_id"])
    assert deliver(client, payload).status_code == 200
    deliver(client, payload)  # a duplicate refunds nothing more

    [refund] = fake.refunds.values()
    assert refund["amount"] == 6000 and refund["payment_intent"] == body["intent_id"]
    [sent] = fake.requests_to("POST", "/v1/refunds")
    assert sent.headers["idempotency-key"].startswith(f"auto-refund:{body['id']}:")
    payment = payment_row(app, body["id"])
    assert payment.status == "refunded" and payment.amount_refunded == 6000
    [row] = refunds_of(app, body["id"])
    assert (row.source, row.status, row.gateway_refund_id) == ("auto", "succeeded", refund["id"])
    assert templates_sent(app, owned.citizen.id) == ["payment_refunding", "payment_refunded"]
    assert "payment.auto_refund" in audit_actions(app)


def test_money_for_a_cancelled_payment_is_refunded(app, client, fake, sheet):
    owned, body = sheet
    with app.app_context():
        catalogue.set_fee(None, owned.post.code, owned.service.code, "75")
        db.session.commit()
    new = pay(client, owned).get_json()  # cancels the old intent
    assert payment_row(app, body["id"]).status == "canceled"
    # Suppose the old intent was paid in the instant before the cancel took effect.
    fake.set_intent_status(body["intent_id"], "succeeded")
    deliver(client, intent_event(fake, "payment_intent.succeeded", body["intent_id"]))
    assert payment_row(app, body["id"]).status == "refunded"
    assert payment_row(app, new["id"]).status == "requires_payment"
    assert [r["amount"] for r in fake.refunds.values()] == [6000]


def test_a_canceled_event_closes_an_open_payment(app, client, fake, sheet):
    _owned, body = sheet
    fake.set_intent_status(body["intent_id"], "canceled")
    deliver(client, intent_event(fake, "payment_intent.canceled", body["intent_id"]))
    assert payment_row(app, body["id"]).status == "canceled"


def _paid(app, client, fake, body):
    fake.set_intent_status(body["intent_id"], "succeeded")
    deliver(client, intent_event(fake, "payment_intent.succeeded", body["intent_id"]))


def test_a_refund_made_in_the_stripe_dashboard_is_recorded(app, client, fake, sheet):
    owned, body = sheet
    _paid(app, client, fake, body)
    charge = {
        "id": "ch_dashboard",
        "object": "charge",
        "payment_intent": body["intent_id"],
        "amount": 6000,
        "amount_refunded": 1500,
        "currency": "eur",
        "refunded": False,
    }
    assert deliver(client, event_body("charge.refunded", charge)).status_code == 200
    payment = payment_row(app, body["id"])
    assert payment.status == "partially_refunded" and payment.amount_refunded == 1500
    [row] = refunds_of(app, body["id"])
    assert (row.source, row.status, row.amount_minor) == ("external", "succeeded", 1500)
    # The same total seen again (another event) adds nothing.
    deliver(client, event_body("charge.refunded", charge))
    assert len(refunds_of(app, body["id"])) == 1
    assert templates_sent(app, owned.citizen.id) == ["payment_succeeded", "payment_refunded"]


def test_refund_updates_and_failures_from_stripe(app, client, make, fake, sheet):
    owned, body = sheet
    _paid(app, client, fake, body)
    created = client.post(
        f"/api/v1/staff/payments/{body['id']}/refunds",
        json={"amount": 2000, "reason": "overcharged"},
        headers={**make.auth(owned.officer), "Idempotency-Key": "refund-1"},
    ).get_json()
    assert created["status"] == "succeeded"
    assert payment_row(app, body["id"]).status == "partially_refunded"
    failed = {
        "id": created["gateway_refund_id"],
        "object": "refund",
        "payment_intent": body["intent_id"],
        "amount": 2000,
        "currency": "eur",
        "status": "failed",
        "failure_reason": "expired_or_canceled_card",
    }
    assert deliver(client, event_body("refund.failed", failed)).status_code == 200
    payment = payment_row(app, body["id"])
    assert payment.status == "succeeded" and payment.amount_refunded == 0
    [row] = refunds_of(app, body["id"])
    assert (row.status, row.failure_code) == ("failed", "expired_or_canceled_card")
    # A stale "succeeded" update afterwards does not resurrect it.
    deliver(client, event_body("refund.updated", {**failed, "status": "succeeded"}))
    assert refunds_of(app, body["id"])[0].status == "failed"
    assert "payment.refund_failed" in audit_actions(app)


def test_a_dispute_puts_the_payment_under_review(app, client, fake, sheet):
    _owned, body = sheet
    _paid(app, client, fake, body)
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "payment_intent": body["intent_id"],
        "charge": "ch_1",
        "amount": 6000,
        "currency": "eur",
        "reason": "fraudulent",
        "status": "needs_response",
    }
    assert deliver(client, event_body("charge.dispute.created", dispute)).status_code == 200
    payment = payment_row(app, body["id"])
    assert payment.status == "needs_review" and payment.review_reason == "dispute"
    assert audit_actions(app)[-1] == "payment.dispute"


def test_unknown_events_and_intents_are_acknowledged(app, client, fake):
    assert deliver(client, event_body("customer.created", {"id": "cus_1"})).status_code == 200
    orphan = {"id": "pi_unknown", "object": "payment_intent", "status": "succeeded"}
    response = deliver(client, event_body("payment_intent.succeeded", orphan))
    assert response.status_code == 200
    assert _events(app) == 2


def test_the_gateway_down_while_re_reading_asks_stripe_to_deliver_again(app, client, fake, sheet):
    _owned, body = sheet
    fake.set_intent_status(body["intent_id"], "succeeded")
    payload = intent_event(fake, "payment_intent.succeeded", body["intent_id"])
    fake.fail_next(1, status=500)
    down = deliver(client, payload)
    assert down.status_code == 503
    assert _events(app) == 0  # not remembered: the redelivery is applied
    assert deliver(client, payload).get_json()["duplicate"] is False
    assert payment_row(app, body["id"]).status == "succeeded"
