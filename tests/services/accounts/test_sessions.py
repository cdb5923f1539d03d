"""Sessions: list mine, end one, end all the others; device names and last use."""

from __future__ import annotations

from tests.services.accounts.lifecycle_support import PASSWORD, bearer

SESSIONS = "/api/v1/me/sessions"


def _login(client, email, device_name=None) -> dict:
    body = {"email": email, "password": PASSWORD}
    if device_name:
        body["device_name"] = device_name
    response = client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 200
    return response.get_json()


def test_list_shows_mine_with_device_name_and_which_is_current(client, make):
    citizen = make.citizen()
    stranger = make.citizen()
    phone = _login(client, citizen.email, "Pixel 8")
    _login(client, citizen.email, "iPad")
    _login(client, stranger.email, "Not mine")
    response = client.get(SESSIONS, headers=bearer(phone))
    assert response.status_code == 200
    sessions = response.get_json()
    assert sorted(s["device_name"] for s in sessions) == ["Pixel 8", "iPad"]
    current = [s for s in sessions if s["current"]]
    assert [s["device_name"] for s in current] == ["Pixel 8"]
    assert all(s["created_at"] and s["last_used_at"] for s in sessions)


def test_refresh_moves_last_used(app, client, make, frozen):
    citizen = make.citizen()
    tokens = _login(client, citizen.email)
    before = client.get(SESSIONS, headers=bearer(tokens)).get_json()[0]["last_used_at"]
    frozen.advance(minutes=20)
    refreshed = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    ).get_json()
    after = client.get(SESSIONS, headers=bearer(refreshed)).get_json()[0]["last_used_at"]
    assert after > before


def test_revoke_one_stops_its_tokens_at_once(client, make):
    citizen = make.citizen()
    this = _login(client, citizen.email)
    other = _login(client, citizen.email, "old phone")
    (target,) = [
        s for s in client.get(SESSIONS, headers=bearer(this)).get_json() if not s["current"]
    ]
    assert client.delete(f"{SESSIONS}/{target['id']}", headers=bearer(this)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 401
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert refresh.status_code == 401
    assert client.get("/api/v1/me", headers=bearer(this)).status_code == 200
    # Gone from the list; a second revocation is a 404.
    assert len(client.get(SESSIONS, headers=bearer(this)).get_json()) == 1
    assert client.delete(f"{SESSIONS}/{target['id']}", headers=bearer(this)).status_code == 404


def test_another_citizens_session_is_not_found(client, make):
    mine = _login(client, make.citizen().email)
    theirs = _login(client, make.citizen().email)
    (their_session,) = client.get(SESSIONS, headers=bearer(theirs)).get_json()
    response = client.delete(f"{SESSIONS}/{their_session['id']}", headers=bearer(mine))
    assert (response.status_code, response.get_json()["error"]) == (404, "session_not_found")
    assert client.get("/api/v1/me", headers=bearer(theirs)).status_code == 200


def test_revoke_all_others_keeps_this_one(client, make):
    citizen = make.citizen()
    this = _login(client, citizen.email)
    others = [_login(client, citizen.email) for _ in range(3)]
    response = client.post(f"{SESSIONS}/revoke-others", headers=bearer(this))
    assert response.get_json() == {"revoked": 3}
    assert all(client.get("/api/v1/me", headers=bearer(o)).status_code == 401 for o in others)
    assert client.get("/api/v1/me", headers=bearer(this)).status_code == 200


def test_the_sessions_account_is_the_one_the_orm_would_load(app, client, make):
    """``account_of_session``: on PostgreSQL read outside the transaction and put in the
    session as loaded; every column equal (types and instants), nothing pending, and the
    object behaves as a loaded one (its posts load, a change is written)."""
    from sqlalchemy import inspect, select

    from services.accounts import accounts
    from services.core.db import db
    from services.models import Account, LoginSession

    citizen = make.citizen(display_name="Lan")
    phone = _login(client, citizen.email, "Pixel 8")
    with app.app_context():
        session_id = db.session.scalar(
            select(LoginSession.id).where(LoginSession.account_id == citizen.id)
        )
    with app.app_context():
        account = accounts.account_of_session(session_id, citizen.id)
        state = inspect(account)
        assert state.persistent and not db.session.dirty and not db.session.new
        assert accounts.account_of_session(session_id, citizen.id) is account  # one identity
        columns = [c.key for c in Account.__table__.columns]
        mine = {name: getattr(account, name) for name in columns}
        assert account.posts == []
        account.display_name = "Lan N."
        db.session.commit()
    with app.app_context():
        loaded = db.session.get(Account, citizen.id)
        theirs = {name: getattr(loaded, name) for name in columns}
    assert {k: v for k, v in mine.items() if k not in ("display_name", "updated_at")} == {
        k: v for k, v in theirs.items() if k not in ("display_name", "updated_at")
    }
    assert {k: type(v) for k, v in mine.items()} == {k: type(v) for k, v in theirs.items()}
    assert mine["created_at"].utcoffset().total_seconds() == 0
    assert loaded.display_name == "Lan N." and loaded.updated_at >= mine["updated_at"]
    with app.app_context():  # a revoked session speaks for nobody
        client.delete(f"{SESSIONS}/{session_id}", headers=bearer(phone))
        assert accounts.account_of_session(session_id, citizen.id) is None
