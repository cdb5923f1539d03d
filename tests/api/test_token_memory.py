"""Access tokens verified once per worker: the memory saves the work, never a check."""

from __future__ import annotations

import time
from datetime import timedelta

ME = "/api/v1/me"


def _count_verifications(monkeypatch) -> list[str]:
    import flask_jwt_extended.jwt_manager as manager

    calls: list[str] = []
    real = manager._decode_jwt

    def counting(**kwargs):
        calls.append(kwargs["encoded_token"])
        return real(**kwargs)

    monkeypatch.setattr(manager, "_decode_jwt", counting)
    return calls


def test_a_token_is_verified_once_then_remembered(app, client, make, monkeypatch):
    headers = make.auth(make.citizen())
    calls = _count_verifications(monkeypatch)
    for _ in range(3):
        assert client.get(ME, headers=headers).status_code == 200
    assert len(calls) == 1


def test_a_remembered_token_of_a_revoked_session_is_refused(app, client, make):
    citizen = make.citizen()
    headers = make.auth(citizen)
    assert client.get(ME, headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code in (200, 204)
    response = client.get(ME, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"] == "token_revoked"


def test_a_remembered_token_expires_on_time(app, client, make):
    from flask_jwt_extended import create_access_token, decode_token

    citizen = make.citizen()
    login = make.login(citizen.email)  # a live session for the short token to speak for
    with app.app_context():
        session_id = decode_token(login["access_token"])["sid"]
        token = create_access_token(
            identity=str(citizen.id),
            additional_claims={"sid": session_id},
            expires_delta=timedelta(seconds=1),
        )
    headers = {"Authorization": "Bearer " + token}
    assert client.get(ME, headers=headers).status_code == 200  # verified and remembered
    time.sleep(1.2)
    response = client.get(ME, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"] == "token_expired"


def test_the_memory_is_bounded(app):
    from api.extensions import jwt

    assert jwt._verified.maxsize == jwt.MAX_TOKENS <= 4096


def test_a_request_reads_its_token_once_and_a_refresh_token_opens_nothing(app, client, make,
                                                                         monkeypatch):  # fmt: skip
    """The rate limits' key and ``login_required`` share one reading of the token (the
    view's check does not decode it again); what a token may do is unchanged: a refresh
    token is no access token, and the account's own routes still know the session."""
    from api.extensions import CachingJWTManager

    tokens = make.login(make.citizen().email)
    headers = {"Authorization": "Bearer " + tokens["access_token"]}
    assert client.get(ME, headers=headers).status_code == 200
    reads: list[str] = []
    real = CachingJWTManager._decode_jwt_from_config

    def counting(self, encoded_token, *args, **kwargs):
        reads.append(encoded_token)
        return real(self, encoded_token, *args, **kwargs)

    monkeypatch.setattr(CachingJWTManager, "_decode_jwt_from_config", counting)
    # A route whose rate limit is keyed by the token's account, then login_required.
    asked = client.post("/api/v1/me/email/verification", headers=headers)
    assert asked.status_code in (202, 409)  # sent, or already verified: either way, read once
    assert reads == [tokens["access_token"]]

    refresh = client.get(ME, headers={"Authorization": "Bearer " + tokens["refresh_token"]})
    assert (refresh.status_code, refresh.get_json()["error"]) == (401, "token_invalid")
    sessions = client.get("/api/v1/me/sessions", headers=headers)  # reads get_jwt()["sid"]
    assert sessions.status_code == 200
    assert [s["current"] for s in sessions.get_json()].count(True) == 1


def test_a_token_that_expired_after_it_was_read_is_refused_by_the_view(app, make):
    """The booking edge reads the token before a wait at the seat gate (up to
    ``BOOKING_GATE_WAIT_MS``): if it expires meanwhile, ``login_required`` does not take
    the earlier reading, and the library refuses it as expired."""
    import pytest
    from flask_jwt_extended import create_access_token, decode_token
    from jwt import ExpiredSignatureError

    from api.extensions import access_claims
    from api.security import login_required

    citizen = make.citizen()
    login = make.login(citizen.email)
    with app.app_context():
        token = create_access_token(
            identity=str(citizen.id),
            additional_claims={"sid": decode_token(login["access_token"])["sid"]},
            expires_delta=timedelta(seconds=1),
        )
    view = login_required(lambda: "in")
    headers = {"Authorization": "Bearer " + token}
    with app.test_request_context("/api/v1/me", headers=headers):
        assert access_claims()["sub"] == str(citizen.id)  # read (and kept) while valid
        assert view() == "in"
        time.sleep(1.2)
        with pytest.raises(ExpiredSignatureError):
            view()
