"""The embedded default: sandbox PaymentIntents and properly signed webhooks, offline."""

from __future__ import annotations

import pytest

from tests.services.payments.payment_support import (
    owned_application,
    pay,
    payment_row,
    refunds_of,
    sandbox,
    templates_sent,
)


@pytest.fixture
def gateway(app, tmp_path):
    with sandbox(app, tmp_path) as sandbox_gateway:
        yield sandbox_gateway


def _simulate(client, owned, payment_id, outcome, deliver="once"):
    return client.post(
        f"/api/v1/sandbox/payments/{payment_id}/simulate",
        json={"outcome": outcome, "deliver": deliver},
        headers=owned.headers,
    )


def test_the_whole_flow_offline(app, client, make, gateway):
    owned = owned_application(app, make, currency="JPY", fee="4000")
    sheet = pay(client, owned).get_json()
    assert sheet["publishable_key"] == "pk_test_sandbox"
    assert sheet["client_secret"].startswith(sheet["intent_id"])
    assert sheet["ephemeral_key_secret"]

    declined = _simulate(client, owned, sheet["id"], "failed")
    assert declined.status_code == 200, declined.get_json()
    assert declined.get_json()["payment"]["status"] == "requires_payment"

    paid = _simulate(client, owned, sheet["id"], "succeeded", deliver="twice")
    assert paid.status_code == 200
    body = paid.get_json()
    assert body["payment"]["status"] == "succeeded"
    first, second = body["deliveries"]
    assert (first["type"], first["duplicate"]) == ("payment_intent.succeeded", False)
    assert (second["event_id"], second["duplicate"]) == (first["event_id"], True)
    assert templates_sent(app, owned.citizen.id) == ["payment_failed", "payment_succeeded"]

    receipt = client.get(f"/api/v1/payments/{sheet['id']}/receipt", headers=owned.headers)
    assert receipt.status_code == 200
    assert (receipt.get_json()["amount"], receipt.get_json()["exponent"]) == (4000, 0)

    # Paid: the sandbox refuses to pay it again.
    again = _simulate(client, owned, sheet["id"], "succeeded")
    assert again.status_code == 409 and again.get_json()["error"] == "simulation_not_possible"


def test_a_refund_and_its_charge_refunded_webhook_count_once(app, client, make, gateway):
    owned = owned_application(app, make, currency="KWD", fee="12.340")
    sheet = pay(client, owned).get_json()
    _simulate(client, owned, sheet["id"], "succeeded")
    refund = client.post(
        f"/api/v1/staff/payments/{sheet['id']}/refunds",
        json={"amount": 2340, "reason": "courier not needed"},
        headers={**make.auth(owned.officer), "Idempotency-Key": "k1"},
    ).get_json()
    assert refund["status"] == "succeeded"
    signed = gateway.refund_webhook(refund_id=refund["gateway_refund_id"])
    delivered = client.post(
        "/api/v1/webhooks/stripe",
        data=signed.payload,
        headers={"Stripe-Signature": signed.signature_header},
    )
    assert delivered.status_code == 200
    assert len(refunds_of(app, sheet["id"])) == 1  # not recorded again as external
    payment = payment_row(app, sheet["id"])
    assert (payment.status, payment.amount_refunded) == ("partially_refunded", 2340)


# The next two tests use the app's own sandbox (its file lives for the whole test session)
# while the database is emptied after each test, so ids start again: the nonces in the
# idempotency keys keep "payment:1" of one test from meeting "payment:1" of another, as
# they would after a database restore in production.
def test_the_embedded_default_gateway_pays_offline(app, client, make):
    owned = owned_application(app, make)
    sheet = pay(client, owned).get_json()
    paid = _simulate(client, owned, sheet["id"], "succeeded")
    assert paid.status_code == 200 and paid.get_json()["payment"]["status"] == "succeeded"


def test_simulation_is_for_the_owner_only(app, client, make):
    owned = owned_application(app, make)
    sheet = pay(client, owned).get_json()
    stranger = owned_application(app, make)
    assert _simulate(client, stranger, sheet["id"], "succeeded").status_code == 404
    assert payment_row(app, sheet["id"]).status == "requires_payment"


def test_the_sandbox_route_does_not_exist_with_stripe(tmp_path):
    from api import create_app

    stripe_app = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'stripe.sqlite3'}",
            "PAYMENTS_BACKEND": "stripe",
            "STRIPE_SECRET_KEY": "sk_test_x",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_x",
            "STRIPE_WEBHOOK_SECRET": "whsec_x",
        }
    )
    rules = {rule.rule for rule in stripe_app.url_map.iter_rules()}
    assert "/api/v1/webhooks/stripe" in rules
    assert not any(rule.startswith("/api/v1/sandbox") for rule in rules)
