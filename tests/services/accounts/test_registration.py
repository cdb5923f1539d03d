"""Registration tells a stranger nothing; e-mail verification by link or code; a verified
address is needed to book."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from services.core.db import db
from services.models import AccountToken
from tests.services.accounts.lifecycle_support import PASSWORD, bearer, code, link_path, link_token
from tests.services.appointments.appointment_support import book

REGISTER = "/api/v1/auth/register"


def _comparable(response) -> tuple:
    headers = {k: v for k, v in response.headers.items() if k not in ("X-Request-ID",)}
    return response.status_code, response.get_data(), headers


def test_a_new_and_a_taken_address_get_the_same_answer(client, make, mailbox):
    owner = make.citizen("taken@example.org", language="vi")
    new = client.post(REGISTER, json={"email": "fresh@example.org", "password": PASSWORD})
    taken = client.post(REGISTER, json={"email": "Taken@Example.org", "password": PASSWORD})
    assert new.status_code == 202
    assert _comparable(new) == _comparable(taken)
    # The owner of the taken address hears about it, in their language; no second account.
    notice = mailbox.last_to(owner.email)
    assert notice.language == "vi" and notice.subject == "Bạn đã có tài khoản"
    assert "đăng nhập" in notice.text
    # The new address gets its verification message.
    verification = mailbox.last_to("fresh@example.org")
    assert link_path(verification) == "/app/verify-email"


def test_a_taken_phone_number_answers_the_same(client, make, mailbox):
    owner = make.citizen("phone.owner@example.org", phone="+84912345670")
    response = client.post(REGISTER, json={"phone": "+84 91 234 5670", "password": PASSWORD})
    assert response.status_code == 202
    assert mailbox.last_to(owner.email).subject == "You already have an account"


def test_both_answers_take_at_least_the_floor(app, client, make, mailbox):
    make.citizen("slow@example.org")
    floor = app.config["ACCOUNT_REQUEST_MIN_SECONDS"]
    for email in ("slow@example.org", "nobody@example.org"):
        started = time.monotonic()
        client.post(REGISTER, json={"email": email, "password": PASSWORD})
        assert time.monotonic() - started >= floor


def _register_and_log_in(client, make, email="new@example.org") -> dict:
    assert client.post(REGISTER, json={"email": email, "password": PASSWORD}).status_code == 202
    return bearer(make.login(email))


def test_the_link_verifies_once(client, make, mailbox):
    headers = _register_and_log_in(client, make)
    assert client.get("/api/v1/me", headers=headers).get_json()["email_verified"] is False
    token = link_token(mailbox.last_to("new@example.org"))
    assert client.post("/api/v1/auth/verify-email", json={"token": token}).status_code == 204
    assert client.get("/api/v1/me", headers=headers).get_json()["email_verified"] is True
    again = client.post("/api/v1/auth/verify-email", json={"token": token})
    assert (again.status_code, again.get_json()["error"]) == (422, "token_invalid_or_expired")


def test_the_code_verifies_and_wrong_codes_spend_it(app, client, make, mailbox):
    headers = _register_and_log_in(client, make)
    right = code(mailbox.last_to("new@example.org"))
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(app.config["ACCOUNT_CODE_MAX_ATTEMPTS"]):
        response = client.post("/api/v1/me/email/verify", json={"code": wrong}, headers=headers)
        assert response.get_json()["error"] == "token_invalid_or_expired"
    # Spent by the guesses: even the right code no longer works.
    response = client.post("/api/v1/me/email/verify", json={"code": right}, headers=headers)
    assert response.status_code == 422
    # A new message, a new code.
    assert client.post("/api/v1/me/email/verification", headers=headers).status_code == 202
    fresh = code(mailbox.last_to("new@example.org"))
    response = client.post("/api/v1/me/email/verify", json={"code": fresh}, headers=headers)
    assert response.status_code == 200 and response.get_json()["email_verified"] is True
    again = client.post("/api/v1/me/email/verification", headers=headers)
    assert again.get_json()["error"] == "email_already_verified"


def test_a_new_message_replaces_the_old_one_and_tokens_expire(app, client, make, mailbox):
    headers = _register_and_log_in(client, make)
    first = link_token(mailbox.last_to("new@example.org"))
    client.post("/api/v1/me/email/verification", headers=headers)
    second = link_token(mailbox.last_to("new@example.org"))
    assert client.post("/api/v1/auth/verify-email", json={"token": first}).status_code == 422
    with app.app_context():
        for row in db.session.query(AccountToken):
            row.expires_at = row.created_at - timedelta(seconds=1)
        db.session.commit()
    assert client.post("/api/v1/auth/verify-email", json={"token": second}).status_code == 422


def test_tokens_and_codes_are_stored_hashed(app, client, make, mailbox):
    _register_and_log_in(client, make)
    message = mailbox.last_to("new@example.org")
    with app.app_context():
        (row,) = db.session.query(AccountToken).all()
        assert link_token(message) not in (row.token_hash, row.code_hash)
        assert code(message) not in row.code_hash


@pytest.mark.usefixtures("frozen")
def test_booking_needs_a_verified_address(client, make, desk):
    unverified = make.citizen(email_verified=False)
    applicant = make.applicant(unverified)
    response = book(client, desk, headers=make.auth(unverified), applicant_id=applicant.id)
    assert (response.status_code, response.get_json()["error"]) == (403, "email_not_verified")
    assert book(client, desk).status_code == 201


def test_a_registration_checks_the_login_and_looks_it_up_once(app, client, mailbox, monkeypatch):
    """Found in review: the public registration checked the password policy and looked the
    login up, then register_citizen did both again."""
    from services.accounts import accounts, passwords
    from tests.statements import statements_of

    checks = []

    def counted(password, **kwargs):
        checks.append(password)
        return passwords.check_password_policy(password, **kwargs)

    monkeypatch.setattr(accounts, "check_password_policy", counted)
    with statements_of(app) as seen:
        answer = client.post(
            REGISTER,
            json={"email": "once@example.org", "phone": "+84912345671", "password": PASSWORD},
        )
    assert answer.status_code == 202
    assert checks == [PASSWORD]
    lookups = [s for s in seen if s.startswith("SELECT account.") and "WHERE account.email" in s]
    assert len(lookups) == 1, lookups
