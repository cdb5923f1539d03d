"""The public progress lookup: uniform misses, masking, rate limits, nothing logged."""

from __future__ import annotations

import logging

URL = "/api/v1/applications/lookup"


def test_the_right_details_show_progress_with_the_name_masked(client, application):
    response = client.post(
        URL,
        json={
            "number": application.number.lower(),
            "surname": "NGUYEN",
            "date_of_birth": "1990-05-17",
        },
        headers={"Accept-Language": "zh-CN"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["name"] == "N*** V** A*"
    assert body["state"] == "submitted" and body["state_name"] == "已提交"
    assert body["timeline"][0]["state"] == "submitted"
    assert "date_of_birth" not in body and "Nguyễn" not in str(body)


def test_every_mismatch_is_the_same_404(client, application, caplog):
    caplog.set_level(logging.DEBUG)
    misses = [
        {"number": application.number, "surname": "Tran", "date_of_birth": "1990-05-17"},
        {"number": application.number, "surname": "Nguyen", "date_of_birth": "1990-05-18"},
        {"number": "FRPAR-2026-999999-0", "surname": "Nguyen", "date_of_birth": "1990-05-17"},
        {"number": "not a number at all", "surname": "Nguyen", "date_of_birth": "1990-05-17"},
    ]
    bodies = []
    for body in misses:
        response = client.post(URL, json=body)
        assert response.status_code == 404
        bodies.append(response.get_json())
    assert all(b == bodies[0] for b in bodies)
    assert bodies[0]["error"] == "application_not_found"
    logged = "\n".join(record.getMessage() + str(record.__dict__) for record in caplog.records)
    assert "1990-05-1" not in logged and "Nguyen" not in logged and application.number not in logged


def test_lookups_are_counted(client, application):
    from services.applications.public import LOOKUPS

    before = LOOKUPS.labels("miss")._value.get()
    client.post(
        URL, json={"number": application.number, "surname": "X", "date_of_birth": "2000-01-01"}
    )
    assert LOOKUPS.labels("miss")._value.get() == before + 1


def _first_limit(app, name: str) -> int:
    from limits import parse_many

    return min(limit.amount for limit in parse_many(app.config[name]))


def _lookup(client, body, ip):
    return client.post(URL, json=body, environ_base={"REMOTE_ADDR": ip}).status_code


def test_misses_are_limited_per_number_and_address(app, client, application):
    wrong = {"number": application.number, "surname": "Wrong", "date_of_birth": "1990-05-17"}
    per_pair = _first_limit(app, "RATELIMIT_PROGRESS_LOOKUP_PER_NUMBER_IP")
    statuses = [_lookup(client, wrong, "203.0.113.5") for _ in range(per_pair + 1)]
    assert statuses == [404] * per_pair + [429]
    # The holder, from another address, gets the answer: strangers' misses are no switch.
    right = {"number": application.number, "surname": "Nguyen", "date_of_birth": "1990-05-17"}
    assert _lookup(client, right, "192.0.2.44") == 200


def test_the_holder_is_never_blocked_by_misses_below_the_ceiling(app, client, application):
    wrong = {"number": application.number, "surname": "Wrong", "date_of_birth": "1990-05-17"}
    right = {"number": application.number, "surname": "Nguyen", "date_of_birth": "1990-05-17"}
    per_pair = _first_limit(app, "RATELIMIT_PROGRESS_LOOKUP_PER_NUMBER_IP")
    ceiling = _first_limit(app, "RATELIMIT_PROGRESS_LOOKUP_PER_NUMBER")
    for n in range(ceiling - 1):
        assert _lookup(client, wrong, f"10.30.{n // per_pair}.{n % per_pair + 1}") == 404
    # Right answers are never counted as misses: the holder may look as often as they like.
    for _ in range(per_pair + 2):
        assert _lookup(client, right, "192.0.2.44") == 200
    assert _lookup(client, wrong, "10.31.0.1") == 404  # the last miss under the ceiling


def test_the_ceiling_per_number_stops_a_distributed_guesser(app, client, application):
    wrong = {"number": application.number, "surname": "Wrong", "date_of_birth": "1990-05-17"}
    per_pair = _first_limit(app, "RATELIMIT_PROGRESS_LOOKUP_PER_NUMBER_IP")
    ceiling = _first_limit(app, "RATELIMIT_PROGRESS_LOOKUP_PER_NUMBER")
    assert ceiling > per_pair
    statuses = [
        _lookup(client, wrong, f"10.40.{n // per_pair}.{n % per_pair + 1}")
        for n in range(ceiling + 1)
    ]
    assert statuses == [404] * ceiling + [429]
    # Guessing that number is over for the window, whoever asks and whatever they send.
    right = {"number": application.number, "surname": "Nguyen", "date_of_birth": "1990-05-17"}
    assert _lookup(client, right, "192.0.2.45") == 429


def test_rate_limited_per_ip(client):
    statuses = [
        client.post(
            URL,
            json={"number": f"FRPAR-2026-{n:06d}-0", "surname": "X", "date_of_birth": "2000-01-01"},
        ).status_code
        for n in range(31)
    ]
    assert statuses[:30] == [404] * 30 and statuses[30] == 429


def test_lookup_validation(client):
    assert client.post(URL, json={"number": "FRPAR-2026-000001-0"}).status_code == 422
    assert (
        client.post(
            URL, json={"number": "x" * 100, "surname": "A", "date_of_birth": "2000-01-01"}
        ).status_code
        == 422
    )
