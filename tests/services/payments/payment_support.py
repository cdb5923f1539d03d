"""Helpers for the payment tests: an owned application at a paying post, gateway swaps,
signed webhook deliveries, and small database reads."""

from __future__ import annotations

import json
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from payments import SandboxGateway, sign_webhook_payload
from services.core.db import db
from services.models import Account, AuditLog, Notification, Payment, PaymentRefund
from tests.fakes.fake_stripe import FakeStripeServer
from tests.payments.stripe_support import make_gateway

WEBHOOK_SECRET = "whsec_test"  # what tests.payments.stripe_support.make_gateway uses


@dataclass
class Owned:
    citizen: Any
    headers: dict[str, str]
    officer: Any
    post: Any
    service: Any
    application_id: int
    number: str


def owned_application(
    app, make, *, currency: str = "EUR", fee: str = "60", post=None, service=None, officer=None
) -> Owned:
    """A citizen's application at a post that takes mobile payments (fee in its currency)."""
    from services.accounts import applicants
    from services.applications import applications

    if post is None:
        post = make.post(currency=currency)
        service = make.service_type(processing_days=10)
        make.fee(post.code, service.code, fee)
        officer = make.staff("officer", posts=[post.code])
    citizen = make.citizen(language="en")
    with app.app_context():
        owner = db.session.get(Account, citizen.id)
        applicant = applicants.create_applicant(
            owner, {**make.applicant_payload(), "date_of_birth": date(1990, 5, 17)}
        )
        actor = db.session.get(Account, officer.id)
        application = applications.open_for_applicant(
            actor, post.code, owner, applicant.id, {"service": service.code}
        )
        application_id, number = application.id, application.number
    return Owned(citizen, make.auth(citizen), officer, post, service, application_id, number)


def pay(client, owned: Owned, **headers: str):
    return client.post(
        "/api/v1/payments",
        json={"application_id": owned.application_id},
        headers={**owned.headers, **headers},
    )


@contextmanager
def gateway_swapped(app, gateway):
    key = "palm_payment_gateway"
    previous = app.extensions.get(key)
    app.extensions[key] = gateway
    try:
        yield gateway
    finally:
        if previous is None:
            app.extensions.pop(key, None)
        else:
            app.extensions[key] = previous


@contextmanager
def fake_stripe(app, **options: Any):
    """The app's gateway becomes a StripeGateway (real SDK) talking to a fake Stripe."""
    with FakeStripeServer() as fake, gateway_swapped(app, make_gateway(fake, **options)):
        yield fake


@pytest.fixture
def fake(app):
    """The app's payments go through the stripe SDK to a fake Stripe on 127.0.0.1."""
    with fake_stripe(app) as server:
        yield server


@contextmanager
def sandbox(app, tmp_path):
    gateway = SandboxGateway(
        db_path=tmp_path / "sandbox.sqlite3", webhook_secret=app.config["STRIPE_WEBHOOK_SECRET"]
    )
    with gateway_swapped(app, gateway):
        yield gateway
    gateway.close()


def event_body(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> bytes:
    return json.dumps(
        {
            "id": event_id or "evt_" + secrets.token_hex(8),
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
    ).encode()


def deliver(client, payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
    return client.post(
        "/api/v1/webhooks/stripe",
        data=payload,
        headers={
            "Stripe-Signature": sign_webhook_payload(payload, secret, timestamp),
            "Content-Type": "application/json",
        },
    )


def intent_event(fake: FakeStripeServer, event_type: str, intent_id: str, **snapshot: Any):
    """An event carrying the intent as it was (possibly stale): the handler re-reads it."""
    return event_body(event_type, {**fake.intents[intent_id], **snapshot})


def payment_row(app, payment_id: int) -> Payment:
    with app.app_context():
        payment = db.session.get(Payment, payment_id)
        assert payment is not None and payment.refunds is not None  # loaded before detaching
        db.session.expunge_all()
        return payment


def templates_sent(app, account_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification.template)
                .where(Notification.account_id == account_id)
                .where(Notification.kind == "payment")
                .order_by(Notification.id)
            )
        )


def audit_actions(app, prefix: str = "payment.") -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditLog.action)
                .where(AuditLog.action.like(prefix + "%"))
                .order_by(AuditLog.id)
            )
        )


def refunds_of(app, payment_id: int) -> list[PaymentRefund]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(PaymentRefund)
                .where(PaymentRefund.payment_id == payment_id)
                .order_by(PaymentRefund.id)
            )
        )
        db.session.expunge_all()
        return rows
