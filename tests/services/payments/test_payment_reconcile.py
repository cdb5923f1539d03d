"""Reconciliation: what a missed webhook would have done, and what an outage interrupted."""

from __future__ import annotations

import json

from services.payments.reconcile import reconcile
from tests.services.payments.payment_support import (
    deliver,
    intent_event,
    owned_application,
    pay,
    payment_row,
    refunds_of,
    templates_sent,
)


def test_a_missed_webhook_is_applied_by_reconciliation(app, client, make, fake):
    owned = owned_application(app, make)
    sheet = pay(client, owned).get_json()
    fake.set_intent_status(sheet["intent_id"], "succeeded")  # and the webhook is lost

    with app.app_context():
        assert reconcile(older_than_minutes=15).checked == 0  # too recent to worry about
        report = reconcile(older_than_minutes=0)
    assert report.changed == [
        {"payment_id": sheet["id"], "from": "requires_payment", "to": "succeeded"}
    ]
    assert payment_row(app, sheet["id"]).status == "succeeded"
    assert templates_sent(app, owned.citizen.id) == ["payment_succeeded"]
    with app.app_context():
        assert reconcile(older_than_minutes=0).changed == []  # nothing open any more


def test_the_cli_reports_what_it_changed(app, client, make, fake):
    owned = owned_application(app, make)
    sheet = pay(client, owned).get_json()
    fake.set_intent_status(sheet["intent_id"], "processing")
    result = app.test_cli_runner().invoke(args=["reconcile-payments", "--older-than-minutes", "0"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["checked"] == 1
    assert report["changed"] == [
        {"payment_id": sheet["id"], "from": "requires_payment", "to": "processing"}
    ]


def test_gateway_errors_are_reported_not_raised(app, client, make, fake):
    owned = owned_application(app, make)
    sheet = pay(client, owned).get_json()
    fake.fail_next(1, status=500)
    with app.app_context():
        report = reconcile(older_than_minutes=0)
    assert report.errors == [{"payment_id": sheet["id"], "error": "api_error"}]
    assert payment_row(app, sheet["id"]).status == "requires_payment"


def test_an_interrupted_staff_refund_is_resumed(app, client, make, fake):
    owned = owned_application(app, make)
    sheet = pay(client, owned).get_json()
    fake.set_intent_status(sheet["intent_id"], "succeeded")
    with app.app_context():
        reconcile(older_than_minutes=0)
    fake.fail_next(1, status=500)
    down = client.post(
        f"/api/v1/staff/payments/{sheet['id']}/refunds",
        json={"reason": "duplicate fee"},
        headers={**make.auth(owned.officer), "Idempotency-Key": "k"},
    )
    assert down.status_code == 503
    with app.app_context():
        report = reconcile(older_than_minutes=0)
    assert report.refunds_resumed == 1
    [refund] = refunds_of(app, sheet["id"])
    assert refund.status == "succeeded" and len(fake.refunds) == 1
    assert payment_row(app, sheet["id"]).status == "refunded"


def test_open_intents_of_withdrawn_applications_are_cancelled(app, client, make, fake):
    owned = owned_application(app, make)
    sheet = pay(client, owned).get_json()
    client.post(
        f"/api/v1/applications/{owned.application_id}/withdraw",
        json={"reason": "no longer travelling"},
        headers=owned.headers,
    )
    with app.app_context():
        report = reconcile(older_than_minutes=0)
    assert report.canceled_for_closed_applications == 1
    assert fake.intents[sheet["intent_id"]]["status"] == "canceled"
    assert payment_row(app, sheet["id"]).status == "canceled"


def test_an_automatic_refund_that_met_an_outage_is_resumed(app, client, make, fake):
    owned = owned_application(app, make)
    sheet = pay(client, owned).get_json()
    client.post(
        f"/api/v1/applications/{owned.application_id}/withdraw",
        json={"reason": "no longer travelling"},
        headers=owned.headers,
    )
    fake.set_intent_status(sheet["intent_id"], "succeeded")
    fake.delay_next(1, seconds=0)  # the webhook's re-read of the intent
    fake.fail_next(1, status=500)  # the automatic refund right after the commit
    assert (
        deliver(
            client, intent_event(fake, "payment_intent.succeeded", sheet["intent_id"])
        ).status_code
        == 200
    )
    assert payment_row(app, sheet["id"]).status == "refunding"
    with app.app_context():
        report = reconcile(older_than_minutes=0)
    assert report.auto_refunds_resumed == 1
    assert payment_row(app, sheet["id"]).status == "refunded"
    assert [r["amount"] for r in fake.refunds.values()] == [6000]


def test_abandoned_unpaid_intents_are_cancelled(app, client, make, fake):
    from datetime import timedelta

    from sqlalchemy import update

    from services.core.db import db
    from services.models import Payment
    from services.models.types import utcnow

    owned = owned_application(app, make)
    sheet = pay(client, owned).get_json()
    with app.app_context():
        db.session.execute(
            update(Payment)
            .where(Payment.id == sheet["id"])
            .values(created_at=utcnow() - timedelta(hours=25))
        )
        db.session.commit()
        report = reconcile()
    assert report.canceled_abandoned == 1
    assert fake.intents[sheet["intent_id"]]["status"] == "canceled"
    assert payment_row(app, sheet["id"]).status == "canceled"
    # The citizen can still pay: the next tap opens a new payment.
    again = pay(client, owned).get_json()
    assert again["id"] != sheet["id"] and again["status"] == "requires_payment"
