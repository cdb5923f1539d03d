"""Trips and follows over HTTP: the owner's scenario, validation, another citizen's 404,
and the device topic subscriptions that follow each change (embedded log sender)."""

from __future__ import annotations

from tests.services.alerts.support import add_trip, in_days, ok, register_device

TOKEN = "trip-device-token-" + "t" * 30


def test_trip_scenario_and_ownership(client, make, log_push):
    owner, other = make.auth(make.citizen()), make.auth(make.citizen())
    end_date = in_days(10)  # once: the test may run across midnight
    created = ok(
        client.post(
            "/api/v1/trips",
            json={
                "country": "FR",
                "city": "Paris",
                "start_date": in_days(0),
                "end_date": end_date,
                "emergency_contact_name": "Nguyen Thi Mai",
                "emergency_contact_phone": "+84 912 345 678",
            },
            headers=owner,
        ),
        201,
    )
    assert created["active"] is True
    assert created["emergency_contact_phone"] == "+84912345678"
    trip_url = f"/api/v1/trips/{created['id']}"
    assert [t["id"] for t in ok(client.get("/api/v1/trips", headers=owner))] == [created["id"]]

    # Another citizen cannot tell the trip exists.
    assert client.get(trip_url, headers=other).status_code == 404
    assert client.patch(trip_url, json={"city": "Nice"}, headers=other).status_code == 404
    assert client.delete(trip_url, headers=other).status_code == 404
    assert ok(client.get("/api/v1/trips", headers=other)) == []

    changed = ok(client.patch(trip_url, json={"city": "Nice"}, headers=owner))
    assert changed["city"] == "Nice"
    bad = client.patch(trip_url, json={"end_date": in_days(-3)}, headers=owner)
    assert bad.status_code == 422
    assert ok(client.get(trip_url, headers=owner))["end_date"] == end_date

    assert client.delete(trip_url, headers=owner).status_code == 204
    assert client.get(trip_url, headers=owner).status_code == 404


def test_trip_validation(client, make):
    headers = make.auth(make.citizen())

    def post(**fields):
        body = {"country": "FR", "start_date": in_days(0), "end_date": in_days(5), **fields}
        return client.post("/api/v1/trips", json=body, headers=headers)

    assert post(end_date=in_days(-1)).status_code == 422  # ends before it starts
    past = post(start_date=in_days(-10), end_date=in_days(-2))
    assert (past.status_code, past.get_json()["error"]) == (422, "trip_in_past")
    long = post(end_date=in_days(400))
    assert (long.status_code, long.get_json()["error"]) == (422, "trip_too_long")
    assert "366" in long.get_json()["message"]
    assert post(country="XX").status_code == 422
    assert post(country="fr").status_code == 422
    phone = post(emergency_contact_phone="12345")
    assert (phone.status_code, phone.get_json()["error"]) == (422, "invalid_phone")
    assert post(unknown="x").status_code == 422
    assert client.post("/api/v1/trips", json={"country": "FR"}).status_code == 401


def test_follows(client, make):
    headers, other = make.auth(make.citizen()), make.auth(make.citizen())
    assert ok(client.post("/api/v1/follows", json={"country": "VN"}, headers=headers), 201)
    again = client.post("/api/v1/follows", json={"country": "VN"}, headers=headers)
    assert (again.status_code, again.get_json()["error"]) == (409, "follow_exists")
    assert [f["country"] for f in ok(client.get("/api/v1/follows", headers=headers))] == ["VN"]
    assert ok(client.get("/api/v1/follows", headers=other)) == []
    assert client.delete("/api/v1/follows/VN", headers=other).status_code == 404
    assert client.delete("/api/v1/follows/VN", headers=headers).status_code == 204
    assert client.delete("/api/v1/follows/VN", headers=headers).status_code == 404


def test_subscriptions_follow_trips_follows_and_device_language(app, client, make, log_push):
    headers = make.auth(make.citizen())
    register_device(client, headers, TOKEN, locale="vi-VN")
    assert log_push.subscribers("alerts-FR-vi") == frozenset()

    upcoming = add_trip(client, headers, "JP", start=3, end=9)  # not active yet
    trip = add_trip(client, headers, "FR")
    assert log_push.subscribers("alerts-FR-vi") == {TOKEN}
    assert log_push.subscribers("alerts-JP-vi") == frozenset()
    assert upcoming["active"] is False

    # The phone switches to Traditional Chinese: it moves topics.
    register_device(client, headers, TOKEN, locale="zh-TW")
    assert log_push.subscribers("alerts-FR-vi") == frozenset()
    assert log_push.subscribers("alerts-FR-zh-Hant") == {TOKEN}
    # A language we do not speak falls back to English.
    register_device(client, headers, TOKEN, locale="fr-FR")
    assert log_push.subscribers("alerts-FR-en") == {TOKEN}

    ok(client.post("/api/v1/follows", json={"country": "TH"}, headers=headers), 201)
    assert log_push.subscribers("alerts-TH-en") == {TOKEN}

    assert client.delete(f"/api/v1/trips/{trip['id']}", headers=headers).status_code == 204
    assert log_push.subscribers("alerts-FR-en") == frozenset()
    assert client.delete("/api/v1/follows/TH", headers=headers).status_code == 204
    assert log_push.subscribers("alerts-TH-en") == frozenset()


def test_a_deleted_device_is_unsubscribed(app, client, make, log_push, is_postgres):
    from services.alerts.topic_subscriptions import reconcile

    headers = make.auth(make.citizen())
    device = register_device(client, headers, TOKEN)
    add_trip(client, headers, "FR")
    assert log_push.subscribers("alerts-FR-en") == {TOKEN}
    assert client.delete(f"/api/v1/devices/{device['id']}", headers=headers).status_code == 204
    if is_postgres:  # ON DELETE SET NULL: the sync after the commit finds the orphan at once
        assert log_push.subscribers("alerts-FR-en") == frozenset()
    with app.app_context():
        reconcile()  # SQLite does not enforce foreign keys: the periodic run finds it
    assert log_push.subscribers("alerts-FR-en") == frozenset()
