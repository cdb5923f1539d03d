"""The e-mail channel of notifications: booking confirmations and payment receipts go by
e-mail only when the account turned that kind on, and only to a verified address."""

from __future__ import annotations

import pytest

from services.core.db import db, unit_of_work
from services.emails.outbox import email_if_enabled
from services.models import Account
from services.notifications.notifications import update_settings
from tests.services.appointments.appointment_support import book
from tests.services.payments.payment_support import owned_application, pay

SETTINGS = "/api/v1/notification-settings"


@pytest.mark.usefixtures("frozen")
def test_booking_confirmation_by_email_only_when_turned_on(client, desk, mailbox):
    assert book(client, desk).status_code == 201
    assert mailbox.to(desk.citizen.email) == []
    turned_on = client.patch(
        SETTINGS, json={"email_kinds": ["booking_confirmation"]}, headers=desk.headers
    )
    assert turned_on.get_json()["email_kinds"] == ["booking_confirmation"]
    cancel = client.get("/api/v1/appointments", headers=desk.headers).get_json()[0]
    client.post(f"/api/v1/appointments/{cancel['id']}/cancel", json={}, headers=desk.headers)
    assert book(client, desk).status_code == 201
    message = mailbox.last_to(desk.citizen.email)
    assert message.subject.startswith("Appointment booked: Passport renewal")
    assert "Booking code:" in message.text and message.html


def test_payment_receipt_by_email_when_turned_on(app, client, make, mailbox):
    owned = owned_application(app, make)
    client.patch(SETTINGS, json={"email_kinds": ["payment_receipt"]}, headers=owned.headers)
    sheet = pay(client, owned).get_json()
    client.post(
        f"/api/v1/sandbox/payments/{sheet['id']}/simulate",
        json={"outcome": "succeeded"},
        headers=owned.headers,
    )
    message = mailbox.last_to(owned.citizen.email)
    assert message.subject.startswith("Receipt: ") and message.subject.endswith(owned.number)
    assert "60" in message.subject and "We received" in message.text


def test_nothing_goes_to_an_unverified_address(ctx, make, mailbox):
    citizen = make.citizen(email_verified=False)
    with unit_of_work():
        account = db.session.get(Account, citizen.id)
        update_settings(account, {"email_kinds": ["payment_receipt"]})
        assert email_if_enabled(citizen.id, "payment_receipt", "payment_receipt", {}) is None
    assert mailbox.all() == []
