"""Staff refunds through the fake Stripe: scope, idempotency, never more than was paid."""

from __future__ import annotations

import pytest

from tests.services.payments.payment_support import (
    audit_actions,
    deliver,
    intent_event,
    owned_application,
    pay,
    payment_row,
    refunds_of,
    templates_sent,
)


@pytest.fixture
def paid(app, client, make, fake):
    owned = owned_application(app, make, fee="60")
    body = pay(client, owned).get_json()
    fake.set_intent_status(body["intent_id"], "succeeded")
    deliver(client, intent_event(fake, "payment_intent.succeeded", body["intent_id"]))
    return owned, body, make.auth(owned.officer)


def _refund(client, payment_id, headers, key, **body):
    return client.post(
        f"/api/v1/staff/payments/{payment_id}/refunds",
        json={"reason": "requested by the applicant", **body},
        headers={**headers, "Idempotency-Key": key},
    )


def test_partial_then_too_much_then_the_rest(app, client, fake, paid):
    owned, body, officer = paid
    first = _refund(client, body["id"], officer, "k1", amount=2000)
    assert first.status_code == 201, first.get_json()
    refund = first.get_json()
    assert (refund["amount"], refund["status"], refund["source"]) == (2000, "succeeded", "staff")
    assert refund["display"] == "€20.00"
    [sent] = fake.requests_to("POST", "/v1/refunds")
    [row] = refunds_of(app, body["id"])
    assert sent.headers["idempotency-key"] == f"refund:{refund['id']}:{row.key_nonce}"
    assert sent.form == {"payment_intent": body["intent_id"], "amount": "2000"}

    # The same key replays the same refund; nothing is sent to Stripe again.
    replay = _refund(client, body["id"], officer, "k1", amount=2000)
    assert replay.status_code == 201 and replay.get_json()["id"] == refund["id"]
    assert len(fake.requests_to("POST", "/v1/refunds")) == 1
    reused = _refund(client, body["id"], officer, "k1", amount=2500)
    assert reused.status_code == 422 and reused.get_json()["error"] == "idempotency_key_reused"

    too_much = _refund(client, body["id"], officer, "k2", amount=4001)
    assert too_much.status_code == 409
    assert too_much.get_json()["error"] == "refund_exceeds_payment"
    assert "€40.00" in too_much.get_json()["message"]  # Babel, in the request's locale

    rest = _refund(client, body["id"], officer, "k3")  # no amount: everything left
    assert rest.status_code == 201 and rest.get_json()["amount"] == 4000
    payment = payment_row(app, body["id"])
    assert payment.status == "refunded" and payment.amount_refunded == 6000
    nothing_left = _refund(client, body["id"], officer, "k4", amount=1)
    assert nothing_left.status_code == 409
    assert sum(r["amount"] for r in fake.refunds.values()) == 6000
    assert audit_actions(app).count("payment.refund") == 2
    assert templates_sent(app, owned.citizen.id) == [
        "payment_succeeded",
        "payment_refunded",
        "payment_refunded",
    ]

    staff_view = client.get(f"/api/v1/staff/payments/{body['id']}", headers=officer).get_json()
    assert [r["amount"] for r in staff_view["refunds"]] == [2000, 4000]
    assert "client_secret" not in staff_view
    # The receipt shows the refund.
    receipt = client.get(f"/api/v1/payments/{body['id']}/receipt", headers=owned.headers)
    assert receipt.get_json()["amount_refunded"] == 6000


def test_only_officers_of_the_post_refund(app, client, make, fake, paid):
    owned, body, _officer = paid
    other_post = make.post()
    stranger = make.auth(make.staff("officer", posts=[other_post.code]))
    assert _refund(client, body["id"], stranger, "x").status_code == 403
    assert _refund(client, body["id"], owned.headers, "x").status_code == 403
    assert client.get(f"/api/v1/staff/payments/{body['id']}", headers=stranger).status_code == 403
    admin = make.auth(make.staff("admin"))
    assert _refund(client, body["id"], admin, "x", amount=100).status_code == 201
    assert _refund(client, 99999, admin, "y").status_code == 404


def test_refund_needs_an_idempotency_key_and_a_paid_payment(app, client, make, fake):
    owned = owned_application(app, make)
    body = pay(client, owned).get_json()
    officer = make.auth(owned.officer)
    no_key = client.post(
        f"/api/v1/staff/payments/{body['id']}/refunds", json={"reason": "x"}, headers=officer
    )
    assert no_key.status_code == 422
    assert no_key.get_json()["error"] == "idempotency_key_required"
    # An officer of another post is refused for the scope first, key or not.
    stranger = make.auth(make.staff("officer", posts=[make.post().code]))
    assert (
        client.post(
            f"/api/v1/staff/payments/{body['id']}/refunds", json={"reason": "x"}, headers=stranger
        ).status_code
        == 403
    )
    unpaid = _refund(client, body["id"], officer, "k")
    assert unpaid.status_code == 409 and unpaid.get_json()["error"] == "payment_not_refundable"
    assert fake.requests_to("POST", "/v1/refunds") == []


def test_a_gateway_outage_during_a_refund_is_resumed_with_the_same_key(app, client, fake, paid):
    _owned, body, officer = paid
    fake.delay_next(1, seconds=0)  # the adapter reads the intent's currency first
    fake.fail_next(1, status=500)  # then the refund itself fails
    down = _refund(client, body["id"], officer, "k1", amount=1000)
    assert down.status_code == 503 and down.headers["Retry-After"]
    [pending] = refunds_of(app, body["id"])
    assert (pending.status, pending.gateway_refund_id) == ("pending", None)
    # While it is pending it counts: 5000 is all that may still be asked.
    assert _refund(client, body["id"], officer, "k2", amount=5001).status_code == 409

    again = _refund(client, body["id"], officer, "k1", amount=1000)
    assert again.status_code == 201 and again.get_json()["status"] == "succeeded"
    assert again.get_json()["id"] == pending.id
    keys = [r.headers["idempotency-key"] for r in fake.requests_to("POST", "/v1/refunds")]
    assert keys == [pending.gateway_idempotency_key] * 2
    assert len(fake.refunds) == 1


def test_a_refund_the_gateway_refuses_is_stored_as_failed(app, client, fake, paid):
    _owned, body, officer = paid
    fake.fail_next(1, status=400, error_type="invalid_request_error", code="charge_disputed")
    refused = _refund(client, body["id"], officer, "k1", amount=1000)
    assert refused.status_code == 201
    assert (refused.get_json()["status"], refused.get_json()["failure_code"]) == (
        "failed",
        "charge_disputed",
    )
    assert payment_row(app, body["id"]).status == "succeeded"
    # A failed refund does not count against what may be refunded.
    assert _refund(client, body["id"], officer, "k2").get_json()["amount"] == 6000
