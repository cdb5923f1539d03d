"""Password reset, password change and e-mail change."""

from __future__ import annotations

import time
from datetime import timedelta

from services.core.db import db
from services.models import AccountToken
from tests.services.accounts.lifecycle_support import (
    NEW_PASSWORD,
    PASSWORD,
    bearer,
    code,
    link_path,
    link_token,
)

RESET = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirm"
LOGIN = "/api/v1/auth/login"


def _logs_in(client, email, password) -> bool:
    return client.post(LOGIN, json={"email": email, "password": password}).status_code == 200


def test_reset_over_the_api_on_the_embedded_default_completes_from_the_mailbox(
    app, client, make, mailbox
):
    citizen = make.citizen("forgot@example.org")
    phone = bearer(make.login(citizen.email))
    laptop = bearer(make.login(citizen.email))
    assert client.post(RESET, json={"email": "Forgot@Example.org"}).status_code == 202
    # The real embedded sender wrote an .eml file into MAILBOX_DIR.
    (message,) = mailbox.to(citizen.email)
    assert message.path.suffix == ".eml" and message.path.parent == mailbox.folder
    assert message.subject == "Reset your password"
    assert message.html and link_token(message) in message.html
    assert link_path(message) == "/app/reset-password"
    response = client.post(
        CONFIRM, json={"token": link_token(message), "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 204, response.get_json()
    assert _logs_in(client, citizen.email, NEW_PASSWORD)
    assert not _logs_in(client, citizen.email, PASSWORD)
    # Every session ended, both access tokens stop at once.
    for headers in (phone, laptop):
        assert client.get("/api/v1/me", headers=headers).status_code == 401
    # The owner is told.
    assert mailbox.last_to(citizen.email).subject == "Your password was changed"
    # Single use.
    again = client.post(CONFIRM, json={"token": link_token(message), "new_password": PASSWORD})
    assert again.get_json()["error"] == "token_invalid_or_expired"


def test_reset_with_the_code_from_the_mailbox(client, make, mailbox):
    citizen = make.citizen("coder@example.org", language="zh-Hant")
    client.post(RESET, json={"email": citizen.email})
    message = mailbox.last_to(citizen.email)
    assert message.subject == "重設您的密碼"
    body = {"email": citizen.email, "code": code(message), "new_password": NEW_PASSWORD}
    assert client.post(CONFIRM, json=body).status_code == 204
    assert _logs_in(client, citizen.email, NEW_PASSWORD)


def test_known_and_unknown_addresses_get_the_same_answer_in_the_same_time(
    app, client, make, mailbox
):
    make.citizen("known@example.org")
    floor = app.config["ACCOUNT_REQUEST_MIN_SECONDS"]
    answers = []
    for email in ("known@example.org", "unknown@example.org"):
        started = time.monotonic()
        response = client.post(RESET, json={"email": email})
        assert time.monotonic() - started >= floor
        answers.append((response.status_code, response.get_data()))
    assert answers[0] == answers[1] == (202, b'{"status":"accepted"}\n')
    assert len(mailbox.to("known@example.org")) == 1
    assert mailbox.to("unknown@example.org") == []
    # A code for an address without an account: the same error as a wrong code.
    body = {"email": "unknown@example.org", "code": "123456", "new_password": NEW_PASSWORD}
    response = client.post(CONFIRM, json=body)
    assert response.get_json()["error"] == "token_invalid_or_expired"


def test_the_token_expires_after_30_minutes(app, client, make, mailbox):
    citizen = make.citizen("late@example.org")
    client.post(RESET, json={"email": citizen.email})
    with app.app_context():
        row = db.session.query(AccountToken).one()
        assert row.expires_at - row.created_at == timedelta(minutes=30)
        row.expires_at = row.created_at - timedelta(seconds=1)
        db.session.commit()
    token = link_token(mailbox.last_to(citizen.email))
    response = client.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD})
    assert response.get_json()["error"] == "token_invalid_or_expired"


def test_a_refused_password_leaves_the_token_usable(client, make, mailbox):
    citizen = make.citizen("policy@example.org")
    client.post(RESET, json={"email": citizen.email})
    token = link_token(mailbox.last_to(citizen.email))
    short = client.post(CONFIRM, json={"token": token, "new_password": "short"})
    assert short.get_json()["error"] == "password_too_short"
    assert (
        client.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD}).status_code == 204
    )


def test_reset_requests_are_limited_per_address_and_per_ip(app, client, make, mailbox):
    per_address = int(app.config["RATELIMIT_PASSWORD_RESET_PER_ADDRESS"].split("/")[0])
    for _ in range(per_address):
        assert client.post(RESET, json={"email": "target@example.org"}).status_code == 202
    limited = client.post(RESET, json={"email": "target@example.org"})
    assert (limited.status_code, limited.get_json()["error"]) == (429, "rate_limited")
    # Another address from the same IP still goes through, until the IP's own limit (the
    # refused request counted there too).
    per_ip = int(app.config["RATELIMIT_PASSWORD_RESET_PER_IP"].split("/")[0])
    left = per_ip - per_address - 1
    statuses = [
        client.post(RESET, json={"email": f"other{n}@example.org"}).status_code for n in range(left)
    ]
    assert statuses == [202] * left
    assert client.post(RESET, json={"email": "yet.another@example.org"}).status_code == 429


def test_change_password_needs_the_current_one_and_ends_the_other_sessions(client, make, mailbox):
    citizen = make.citizen("changer@example.org")
    this = bearer(make.login(citizen.email))
    other = bearer(make.login(citizen.email))
    wrong = client.post(
        "/api/v1/me/password",
        json={"current_password": "not the password", "new_password": NEW_PASSWORD},
        headers=this,
    )
    assert (wrong.status_code, wrong.get_json()["error"]) == (403, "wrong_password")
    same = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": PASSWORD},
        headers=this,
    )
    assert same.get_json()["error"] == "password_unchanged"
    response = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=this,
    )
    assert response.status_code == 204
    assert client.get("/api/v1/me", headers=this).status_code == 200
    assert client.get("/api/v1/me", headers=other).status_code == 401
    assert _logs_in(client, citizen.email, NEW_PASSWORD)
    assert mailbox.last_to(citizen.email).subject == "Your password was changed"


def test_change_email_uses_the_new_address_only_once_verified_and_tells_the_old(
    client, make, mailbox
):
    citizen = make.citizen("old@example.org")
    headers = bearer(make.login(citizen.email))
    body = {"new_email": "New@Example.org", "password": PASSWORD}
    assert client.post("/api/v1/me/email", json=body, headers=headers).status_code == 202
    # Not yet: the account keeps its address.
    assert client.get("/api/v1/me", headers=headers).get_json()["email"] == "old@example.org"
    message = mailbox.last_to("new@example.org")
    assert message.subject == "Confirm your new e-mail address"
    response = client.post(
        "/api/v1/me/email/confirm", json={"code": code(message)}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["email"] == "new@example.org"
    assert response.get_json()["email_verified"] is True
    notice = mailbox.last_to("old@example.org")
    assert notice.subject == "Your e-mail address was changed" and "new@example.org" in notice.text
    assert _logs_in(client, "new@example.org", PASSWORD)


def test_change_email_by_link_wrong_password_and_taken_address(client, make, mailbox):
    make.citizen("someone@example.org")
    citizen = make.citizen("mover@example.org")
    headers = bearer(make.login(citizen.email))
    wrong = client.post(
        "/api/v1/me/email", json={"new_email": "x@example.org", "password": "nope"}, headers=headers
    )
    assert wrong.get_json()["error"] == "wrong_password"
    # A taken address: the same answer, and nothing is sent there.
    taken = client.post(
        "/api/v1/me/email",
        json={"new_email": "someone@example.org", "password": PASSWORD},
        headers=headers,
    )
    assert taken.status_code == 202
    assert mailbox.to("someone@example.org") == []
    client.post(
        "/api/v1/me/email",
        json={"new_email": "moved@example.org", "password": PASSWORD},
        headers=headers,
    )
    token = link_token(mailbox.last_to("moved@example.org"))
    assert (
        client.post("/api/v1/auth/email-change/confirm", json={"token": token}).status_code == 204
    )
    assert client.get("/api/v1/me", headers=headers).get_json()["email"] == "moved@example.org"


def test_wrong_passwords_on_account_routes_are_limited_per_account(app, client, make):
    citizen = make.citizen()
    headers = make.auth(citizen)
    limit = int(app.config["RATELIMIT_LOGIN_PER_ACCOUNT"].split("/")[0])
    for _ in range(limit):
        response = client.post("/api/v1/me/deletion", json={"password": "guess"}, headers=headers)
        assert response.status_code == 403
    # The budget is shared: a stolen access token cannot keep guessing through another route.
    guess = {"current_password": "guess", "new_password": NEW_PASSWORD}
    response = client.post("/api/v1/me/password", json=guess, headers=headers)
    assert response.status_code == 429


def test_link_confirmations_are_limited_per_ip_not_in_one_global_bucket(app, client, make):
    per_address = int(app.config["RATELIMIT_ACCOUNT_CODE_PER_ADDRESS"].split("/")[0])
    body = {"token": "not-a-token", "new_password": NEW_PASSWORD}
    for _ in range(per_address):
        assert client.post(CONFIRM, json=body).status_code == 422
    # Another client is not held back by this one's attempts.
    other = client.post(CONFIRM, json=body, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert other.status_code == 422
