"""Deleting an account: confirmed with the password, refused while something must finish,
then personal data gone and what must be kept kept without the link."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from services.core.db import db
from services.models import (
    Account,
    Applicant,
    Application,
    Appointment,
    Device,
    Document,
    LoginSession,
    Notification,
    Payment,
    TopicSubscription,
    Trip,
)
from storage import ObjectNotFound
from tests.services.accounts.lifecycle_support import PASSWORD
from tests.services.appointments.appointment_support import book
from tests.services.documents.support import pdf_bytes, upload_and_confirm
from tests.services.payments.payment_support import owned_application, pay

DELETE = "/api/v1/me/deletion"


def _delete(client, headers, password=PASSWORD):
    return client.post(DELETE, json={"password": password}, headers=headers)


def _applicant_of(app, owned) -> int:
    with app.app_context():
        return db.session.get(Application, owned.application_id).applicant_id


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_wrong_password_is_refused(client, make):
    headers = make.auth(make.citizen())
    response = _delete(client, headers, "not my password")
    assert (response.status_code, response.get_json()["error"]) == (403, "wrong_password")
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_staff_cannot_delete_their_account_themselves(client, make):
    officer = make.staff("officer", posts=[make.post().code])
    response = _delete(client, make.auth(officer))
    assert (response.status_code, response.get_json()["error"]) == (403, "forbidden")


@pytest.mark.usefixtures("frozen")
def test_refused_while_an_appointment_is_to_come(client, desk):
    assert book(client, desk).status_code == 201
    response = _delete(client, desk.headers)
    assert (response.status_code, response.get_json()["error"]) == (
        409,
        "account_has_appointments",
    )


def test_refused_while_an_application_or_a_payment_is_under_way(app, client, make):
    owned = owned_application(app, make)
    response = _delete(client, owned.headers)
    assert response.get_json()["error"] == "account_has_open_applications"
    assert pay(client, owned).status_code in (200, 201)
    with app.app_context():
        db.session.get(Application, owned.application_id).state = "collected"
        db.session.commit()
    # The application is done, but the payment sheet is still open.
    response = _delete(client, owned.headers)
    assert response.get_json()["error"] == "account_has_pending_payments"


def test_deletion_erases_personal_data_and_keeps_records_without_the_link(
    app, client, make, mailbox
):
    from services.core import integrations

    owned = owned_application(app, make, fee="60")
    paid = pay(client, owned).get_json()
    simulated = client.post(
        f"/api/v1/sandbox/payments/{paid['id']}/simulate",
        json={"outcome": "succeeded"},
        headers=owned.headers,
    )
    assert simulated.status_code == 200, simulated.get_json()
    applicant_id = _applicant_of(app, owned)
    confirmed = upload_and_confirm(
        client, owned.headers, applicant_id, "supporting", "application/pdf", pdf_bytes()
    )
    assert confirmed.status_code == 200
    client.post(
        "/api/v1/devices",
        json={"token": "t" * 40, "platform": "android", "locale": "vi"},
        headers=owned.headers,
    )
    today = date.today()
    trip = client.post(
        "/api/v1/trips",
        json={
            "country": "FR",
            "start_date": today.isoformat(),
            "end_date": today.replace(year=today.year + 1).isoformat(),
        },
        headers=owned.headers,
    )
    assert trip.status_code == 201, trip.get_json()
    account_id = owned.citizen.id
    with app.app_context():
        db.session.get(Application, owned.application_id).state = "collected"
        db.session.commit()
        storage_key = db.session.scalar(select(Document.storage_key))
        assert _count(Device, Device.account_id == account_id) == 1
        assert _count(TopicSubscription, TopicSubscription.state == "subscribed") == 1

    response = _delete(client, owned.headers)
    assert response.status_code == 204, response.get_json()

    with app.app_context():
        assert db.session.get(Account, account_id) is None
        for model in (Applicant, Appointment, Document, Device, Notification, Trip, LoginSession):
            assert _count(model, model.account_id == account_id) == 0
        # Kept for the records, without the person.
        application = db.session.get(Application, owned.application_id)
        assert (application.account_id, application.applicant_id) == (None, None)
        payment = db.session.get(Payment, paid["id"])
        assert payment.status == "succeeded" and payment.account_id is None
        # The device left its alert topics.
        assert _count(TopicSubscription, TopicSubscription.state != "unsubscribing") == 0
        with pytest.raises(ObjectNotFound):
            integrations.object_store().head(key=storage_key)
    # The old token is dead, and the address is told.
    assert client.get("/api/v1/me", headers=owned.headers).status_code == 401
    assert mailbox.last_to(owned.citizen.email).subject == "Your account was deleted"
    # The address is free again.
    assert make.citizen(owned.citizen.email).email == owned.citizen.email


def test_export_holds_everything_and_nothing_of_others(app, client, make):
    owned = owned_application(app, make)
    other = owned_application(app, make)
    applicant_id = _applicant_of(app, owned)
    upload_and_confirm(
        client, owned.headers, applicant_id, "supporting", "application/pdf", pdf_bytes()
    )
    pay(client, owned)
    client.post(
        "/api/v1/trips",
        json={"country": "JP", "start_date": "2030-02-01", "end_date": "2030-02-03"},
        headers=owned.headers,
    )
    response = client.get("/api/v1/me/export", headers=owned.headers)
    assert response.status_code == 200
    data = response.get_json()
    assert data["account"]["email"] == owned.citizen.email
    assert [a["id"] for a in data["applications"]] == [owned.application_id]
    assert data["applications"][0]["timeline"][0]["state"] == "submitted"
    assert len(data["applicants"]) == 1 and len(data["payments"]) == 1
    assert [t["country"] for t in data["trips"]] == ["JP"]
    (document,) = data["documents"]
    assert document["document"]["status"] == "accepted"
    assert document["download_url"] and document["download_expires_at"]
    assert data["sessions"] and data["notification_settings"]["email_kinds"] == []
    assert other.number not in response.get_data(as_text=True)
    assert other.citizen.email not in response.get_data(as_text=True)
    # Reading changes nothing: the same document twice (but its links and the time).
    again = client.get("/api/v1/me/export", headers=owned.headers).get_json()
    assert again["applications"] == data["applications"]


def test_birth_date_is_in_the_export(app, client, make):
    owned = owned_application(app, make)
    data = client.get("/api/v1/me/export", headers=owned.headers).get_json()
    assert data["applicants"][0]["date_of_birth"] == date(1990, 5, 17).isoformat()


def test_a_refusal_other_than_a_wrong_password_spends_no_guess(app, client, make, monkeypatch):
    """Found in review: any 403 counted as a password guess, so a staff account with the right
    password burnt its own budget and was then told to wait."""
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN_PER_ACCOUNT", "2/hour")
    officer = make.staff("officer", posts=[make.post().code])
    headers = make.auth(officer)
    answers = [_delete(client, headers).get_json()["error"] for _ in range(4)]
    assert answers == ["forbidden"] * 4
