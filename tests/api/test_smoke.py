"""The app starts, serves health checks and the catalogue."""


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["X-Request-ID"]


def test_register_login_and_me(client, make):
    response = client.post(
        "/api/v1/auth/register",
        json={"email": "An.Nguyen@Example.org", "password": "a long enough passphrase"},
    )
    assert response.status_code == 202, response.get_json()
    tokens = make.login("an.nguyen@example.org", "a long enough passphrase")
    me = client.get("/api/v1/me", headers={"Authorization": "Bearer " + tokens["access_token"]})
    assert me.status_code == 200
    assert me.get_json()["role"] == "citizen"
    assert me.get_json()["email"] == "an.nguyen@example.org"
