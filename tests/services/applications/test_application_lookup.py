"""The public progress lookup: uniform misses, masking, rate limits, nothing logged."""

from __future__ import annotations

import logging
from datetime import date

import pytest

URL = "/api/v1/applications/lookup"


@pytest.fixture
def application(make):
    post, service = make.walk_in_post()
    officer = make.staff("officer", posts=[post.code])
    return make.application(
        officer,
        post.code,
        service.code,
        person={
            "surname_latin": "Nguyễn",
            "given_names_latin": "Văn An",
            "date_of_birth": date(1990, 5, 17),
        },
    )


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


def test_rate_limited_per_number_whoever_asks(client, application):
    body = {"number": application.number, "surname": "Wrong", "date_of_birth": "1990-05-17"}
    statuses = [
        client.post(URL, json=body, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code
        for n in range(11)
    ]
    assert statuses == [404] * 10 + [429]
    # Even the right answer from a fresh address waits now: the number is being guessed.
    right = {"number": application.number, "surname": "Nguyen", "date_of_birth": "1990-05-17"}
    assert client.post(URL, json=right, environ_base={"REMOTE_ADDR": "10.0.1.1"}).status_code == 429


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
