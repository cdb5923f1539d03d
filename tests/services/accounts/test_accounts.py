"""Registration, login, token rotation with re-use detection, logout, /me."""

from __future__ import annotations

from datetime import timedelta

import jwt as pyjwt
import pytest

from tests.factories import PASSWORD

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"password": PASSWORD}, 422, "validation_error"),
        ({"email": "not-an-email", "password": PASSWORD}, 422, "validation_error"),
        ({"phone": "12345", "password": PASSWORD}, 422, "invalid_phone"),
        ({"phone": "+1555", "password": PASSWORD}, 422, "invalid_phone"),
        ({"email": "a@example.org", "password": "short"}, 422, "password_too_short"),
        ({"email": "a@example.org", "password": "password123!"}, 422, "password_too_common"),
        ({"email": "a@example.org", "password": "1234567890"}, 422, "password_too_common"),
        ({"email": "a@example.org", "password": "aaaaaaaaaaaa"}, 422, "password_too_common"),
        ({"email": "anguyen99@example.org", "password": "anguyen99!!"}, 422, "password_too_common"),
        (
            {"email": "a@example.org", "password": PASSWORD, "role": "admin"},
            422,
            "validation_error",
        ),
        (
            {"email": "a@example.org", "password": PASSWORD, "time_zone": "Mars/Olympus"},
            422,
            "validation_error",
        ),
    ],
)
def test_registration_errors(client, body, status, error):
    response = client.post(REGISTER, json=body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"] == error


def test_registration_creates_a_citizen(client):
    # (A taken address answering the same: tests/services/accounts/test_registration.py.)
    created = client.post(REGISTER, json={"email": "Dup@Example.org", "password": PASSWORD})
    assert created.status_code == 202
    login = client.post(LOGIN, json={"email": "dup@example.org", "password": PASSWORD})
    assert login.get_json()["account"]["role"] == "citizen"
    assert login.get_json()["account"]["email_verified"] is False


def test_phone_registration_normalises_to_e164_and_logs_in(client):
    response = client.post(REGISTER, json={"phone": "+84 91 234 5678", "password": PASSWORD})
    assert response.status_code == 202, response.get_json()
    login = client.post(LOGIN, json={"phone": "+84912345678", "password": PASSWORD})
    assert login.status_code == 200
    assert login.get_json()["account"]["phone"] == "+84912345678"


def test_password_is_stored_as_argon2id(app, make):
    from services.core.db import db
    from services.models import Account

    account = make.citizen()
    with app.app_context():
        stored = db.session.get(Account, account.id).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_login_errors_are_the_same_for_unknown_account_and_wrong_password(client, make):
    account = make.citizen()
    wrong = client.post(LOGIN, json={"email": account.email, "password": "wrong password here"})
    unknown = client.post(LOGIN, json={"email": "nobody@example.org", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert wrong.get_json()["error"] == "invalid_credentials"


def _first_limit(app, name: str) -> int:
    """The amount of the tightest window of a configured limit ("5/minute;30/hour" -> 5)."""
    from limits import parse_many

    return min(limit.amount for limit in parse_many(app.config[name]))


def _login(client, email, password, ip):
    body = {"email": email, "password": password}
    return client.post(LOGIN, json=body, environ_base={"REMOTE_ADDR": ip})


def test_failed_logins_are_rate_limited_per_account_and_ip(app, client, make):
    account = make.citizen()
    per_pair = _first_limit(app, "RATELIMIT_LOGIN_PER_ACCOUNT_IP")
    statuses = [
        _login(client, account.email, "wrong password!", "198.51.100.7").status_code
        for _ in range(per_pair + 1)
    ]
    assert statuses == [401] * per_pair + [429]
    blocked = _login(client, account.email, PASSWORD, "198.51.100.7")
    assert blocked.status_code == 429
    assert blocked.get_json()["error"] == "rate_limited"
    assert "Retry-After" in blocked.headers
    # Another account from the same IP is not locked by this one's failures.
    other = make.citizen()
    assert _login(client, other.email, PASSWORD, "198.51.100.7").status_code == 200


def test_a_stranger_burning_attempts_does_not_lock_the_owner_out(app, client, make):
    account = make.citizen()
    per_pair = _first_limit(app, "RATELIMIT_LOGIN_PER_ACCOUNT_IP")
    for _ in range(per_pair * 3):
        _login(client, account.email, "wrong password!", "203.0.113.66")
    assert _login(client, account.email, "wrong password!", "203.0.113.66").status_code == 429
    # The owner, from their own address: a typo is a 401, the password works.
    assert _login(client, account.email, "my old password", "192.0.2.10").status_code == 401
    assert _login(client, account.email, PASSWORD, "192.0.2.10").status_code == 200


def test_a_success_clears_the_failures_of_that_account_from_that_ip(app, client, make):
    account = make.citizen()
    per_pair = _first_limit(app, "RATELIMIT_LOGIN_PER_ACCOUNT_IP")
    for _ in range(3):  # typos, a success, typos again: never a lockout
        for _ in range(per_pair - 1):
            assert _login(client, account.email, "typo password", "192.0.2.10").status_code == 401
        assert _login(client, account.email, PASSWORD, "192.0.2.10").status_code == 200


def test_the_ceiling_per_account_stops_a_distributed_guesser(app, client, make):
    account = make.citizen()
    per_pair = _first_limit(app, "RATELIMIT_LOGIN_PER_ACCOUNT_IP")
    ceiling = _first_limit(app, "RATELIMIT_LOGIN_PER_ACCOUNT")
    assert ceiling > per_pair  # slower than the per-address limit, or it would be a switch
    statuses = []
    for n in range(ceiling + 1):
        ip = f"10.20.{n // per_pair}.{n % per_pair + 1}"  # each address stays under its limit
        statuses.append(_login(client, account.email, "guess", ip).status_code)
    assert statuses == [401] * ceiling + [429]
    # From then on the account takes no guesses from anywhere, until the window moves on
    # (the owner too: the price of stopping the guesser; the owner can reset the password).
    assert _login(client, account.email, PASSWORD, "192.0.2.99").status_code == 429


def test_successful_logins_do_not_count_toward_the_limit(client, make):
    account = make.citizen()
    for _ in range(8):
        assert (
            client.post(LOGIN, json={"email": account.email, "password": PASSWORD}).status_code
            == 200
        )


def test_failed_logins_are_rate_limited_per_ip(client, make):
    statuses = []
    for n in range(21):
        body = {"email": f"guess{n}@example.org", "password": "wrong password!"}
        statuses.append(client.post(LOGIN, json=body).status_code)
    assert statuses[:20] == [401] * 20
    assert statuses[20] == 429
    # A different client IP is not affected.
    other_ip = client.post(
        LOGIN,
        json={"email": "guess0@example.org", "password": "wrong password!"},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert other_ip.status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_whole_session(client, make):
    account = make.citizen()
    first = make.login(account.email)
    second = client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    second = second.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get("/api/v1/me", headers=bearer(second["access_token"])).status_code == 200

    # The first refresh token was spent: replaying it is theft, and ends the session.
    replay = client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert replay.get_json()["error"] == "refresh_token_reused"
    # Every token of that login is now dead, including the newest ones.
    assert client.post(REFRESH, json={"refresh_token": second["refresh_token"]}).status_code == 401
    me = client.get("/api/v1/me", headers=bearer(second["access_token"]))
    assert me.status_code == 401
    assert me.get_json()["error"] == "token_revoked"
    # Another login of the same account is unaffected.
    assert make.login(account.email)["access_token"]


def test_access_token_cannot_be_used_to_refresh(client, make):
    tokens = make.login(make.citizen().email)
    response = client.post(REFRESH, json={"refresh_token": tokens["access_token"]})
    assert response.status_code == 401
    assert response.get_json()["error"] == "wrong_token_type"


def test_logout_revokes_access_and_refresh_tokens(client, make):
    tokens = make.login(make.citizen().email)
    out = client.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"]))
    assert out.status_code == 204
    assert client.get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code == 401
    refreshed = client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401
    assert refreshed.get_json()["error"] == "token_revoked"


def _forge(app, claims: dict, key: str | None = None, algorithm: str = "HS256") -> str:
    return pyjwt.encode(claims, key or app.config["JWT_SECRET_KEY"], algorithm=algorithm)


# The HS512 forgery signs with the app's test key, shorter than PyJWT advises for SHA-512:
# the point is the algorithm the app refuses, not the key.
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_forged_expired_and_unsigned_tokens_are_refused(app, client, make):
    account = make.citizen()
    good = pyjwt.decode(
        make.login(account.email)["access_token"],
        app.config["JWT_SECRET_KEY"],
        algorithms=["HS256"],
    )
    other_key = _forge(app, good, key="another-secret-key-of-sufficient-length-123")
    wrong_alg = _forge(app, good, algorithm="HS512")
    unsigned = pyjwt.encode(good, None, algorithm="none")
    expired = _forge(app, {**good, "exp": good["iat"] - 10, "nbf": good["iat"] - 100})
    for token, error in [
        (other_key, "token_invalid"),
        (wrong_alg, "token_invalid"),
        (unsigned, "token_invalid"),
        (expired, "token_expired"),
        ("not.a.jwt", "token_invalid"),
    ]:
        response = client.get("/api/v1/me", headers=bearer(token))
        assert response.status_code == 401, token
        assert response.get_json()["error"] == error


def test_access_token_lifetime_is_short(app, make):
    token = make.login(make.citizen().email)
    assert token["expires_in"] == 15 * 60
    claims = pyjwt.decode(token["access_token"], app.config["JWT_SECRET_KEY"], algorithms=["HS256"])
    assert timedelta(seconds=claims["exp"] - claims["iat"]) == timedelta(minutes=15)


def test_me_get_and_patch(client, make):
    account = make.citizen()
    headers = make.auth(account)
    patched = client.patch(
        "/api/v1/me",
        json={"display_name": "Trần Thị B", "language": "vi", "time_zone": "Asia/Ho_Chi_Minh"},
        headers=headers,
    )
    assert patched.status_code == 200
    assert patched.get_json()["language"] == "vi"
    assert client.get("/api/v1/me", headers=headers).get_json()["display_name"] == "Trần Thị B"
    bad = client.patch("/api/v1/me", json={"role": "admin"}, headers=headers)
    assert bad.status_code == 422
    assert client.get("/api/v1/me", headers=headers).get_json()["role"] == "citizen"


def test_disabled_account_cannot_log_in_or_use_tokens(app, client, make):
    from services.core.db import db
    from services.models import Account

    account = make.citizen()
    tokens = make.login(account.email)
    with app.app_context():
        db.session.get(Account, account.id).is_active = False
        db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code == 401
    login = client.post(LOGIN, json={"email": account.email, "password": PASSWORD})
    assert login.status_code == 401
    assert login.get_json()["error"] == "account_disabled"


@pytest.mark.redis
def test_login_limits_per_account_and_ip_on_redis(make, redis_limited_app):
    """The same rules with the limits in Redis (production): a success clears that pair's
    failures there too, and a stranger elsewhere still locks nobody out."""
    client = redis_limited_app.test_client()
    account = make.citizen()
    per_pair = _first_limit(redis_limited_app, "RATELIMIT_LOGIN_PER_ACCOUNT_IP")
    for _ in range(2):
        for _ in range(per_pair - 1):
            assert _login(client, account.email, "typo password", "192.0.2.10").status_code == 401
        assert _login(client, account.email, PASSWORD, "192.0.2.10").status_code == 200
    for _ in range(per_pair):
        _login(client, account.email, "guess", "203.0.113.66")
    assert _login(client, account.email, "guess", "203.0.113.66").status_code == 429
    assert _login(client, account.email, PASSWORD, "192.0.2.10").status_code == 200
