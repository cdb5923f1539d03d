"""Reschedule, cancel, ownership, and GETs that never change state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.services.appointments.appointment_support import URL, book, slot_counts


@pytest.fixture
def booked(client, desk):
    response = book(client, desk)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_reschedule_moves_the_seat_in_one_step(app, client, make, desk, booked):
    target = make.slot(desk.post, desk.service, desk.slot_start + timedelta(days=1), capacity=1)
    response = client.post(
        f"{URL}/{booked['id']}/reschedule", json={"slot_id": target.id}, headers=desk.headers
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["slot_id"] == target.id
    assert body["code"] == booked["code"]
    assert body["start"] == "2027-01-14T10:00:00+01:00"
    assert slot_counts(app, desk.slot_id) == (0, 2, 0)
    assert slot_counts(app, target.id) == (1, 1, 1)


def test_reschedule_into_a_full_slot_changes_nothing(app, client, make, desk, booked):
    target = make.slot(
        desk.post, desk.service, desk.slot_start + timedelta(days=1), capacity=1, booked=1
    )
    response = client.post(
        f"{URL}/{booked['id']}/reschedule", json={"slot_id": target.id}, headers=desk.headers
    )
    assert (response.status_code, response.get_json()["error"]) == (409, "slot_full")
    assert slot_counts(app, desk.slot_id) == (1, 2, 1)
    assert slot_counts(app, target.id)[0] == 1
    assert client.get(f"{URL}/{booked['id']}", headers=desk.headers).get_json()["slot_id"] == (
        desk.slot_id
    )


def test_reschedule_errors(client, make, desk, booked, frozen):
    url = f"{URL}/{booked['id']}/reschedule"
    same = client.post(url, json={"slot_id": desk.slot_id}, headers=desk.headers)
    assert (same.status_code, same.get_json()["error"]) == (409, "same_slot")

    other_service = make.service_type()
    make.fee(desk.post, other_service.code, "5")
    foreign = make.slot(desk.post, other_service.code, desk.slot_start)
    mismatch = client.post(url, json={"slot_id": foreign.id}, headers=desk.headers)
    assert (mismatch.status_code, mismatch.get_json()["error"]) == (422, "slot_mismatch")

    far = make.slot(desk.post, desk.service, desk.slot_start + timedelta(days=70))
    outside = client.post(url, json={"slot_id": far.id}, headers=desk.headers)
    assert (outside.status_code, outside.get_json()["error"]) == (422, "outside_booking_window")

    missing = client.post(url, json={"slot_id": 999999}, headers=desk.headers)
    assert (missing.status_code, missing.get_json()["error"]) == (404, "slot_not_found")

    later = make.slot(desk.post, desk.service, desk.slot_start + timedelta(days=1))
    frozen.now = desk.slot_start - timedelta(hours=23)  # inside the 24 h cutoff
    late = client.post(url, json={"slot_id": later.id}, headers=desk.headers)
    assert (late.status_code, late.get_json()["error"]) == (409, "change_cutoff_passed")
    assert "24" in late.get_json()["message"]


def test_cancel_frees_the_seat_at_once_and_is_safe_to_retry(app, client, make, desk, booked):
    url = f"{URL}/{booked['id']}/cancel"
    response = client.post(url, headers=desk.headers)
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"
    assert response.get_json()["cancel_reason"] == "citizen"
    assert slot_counts(app, desk.slot_id) == (0, 2, 0)
    again = client.post(url, headers=desk.headers)
    assert again.status_code == 200
    assert slot_counts(app, desk.slot_id) == (0, 2, 0)
    # The applicant may book the same service again.
    assert book(client, desk).status_code == 201
    rescheduled = client.post(
        f"{URL}/{booked['id']}/reschedule", json={"slot_id": desk.slot_id}, headers=desk.headers
    )
    assert (rescheduled.status_code, rescheduled.get_json()["error"]) == (
        409,
        "appointment_not_active",
    )


def test_cancel_after_the_cutoff_is_refused(app, client, desk, booked, frozen, make):
    make.booking_policy(desk.post, cancel_cutoff_hours=6)
    frozen.now = desk.slot_start - timedelta(hours=6, seconds=1)
    late_but_allowed = client.post(f"{URL}/{booked['id']}/cancel", headers=desk.headers)
    assert late_but_allowed.status_code == 200

    sibling = make.applicant(desk.citizen, given_names_latin="Minh")
    frozen.now = desk.slot_start - timedelta(days=1)
    second = book(client, desk, applicant_id=sibling.id)
    assert second.status_code == 201, second.get_json()
    second = second.get_json()
    frozen.now = desk.slot_start - timedelta(hours=5)
    refused = client.post(f"{URL}/{second['id']}/cancel", headers=desk.headers)
    assert (refused.status_code, refused.get_json()["error"]) == (409, "change_cutoff_passed")
    assert slot_counts(app, desk.slot_id) == (1, 2, 1)


def test_another_citizen_gets_404_for_everything(app, client, make, desk, booked):
    intruder = make.auth(make.citizen())
    base = f"{URL}/{booked['id']}"
    missing = client.get(f"{URL}/999999", headers=intruder).get_json()
    responses = [
        client.get(base, headers=intruder),
        client.get(f"{base}/qr.svg", headers=intruder),
        client.get(f"{base}/calendar.ics", headers=intruder),
        client.post(f"{base}/cancel", headers=intruder),
        client.post(f"{base}/reschedule", json={"slot_id": desk.slot_id}, headers=intruder),
    ]
    for response in responses:
        assert response.status_code == 404
        assert response.get_json() == missing
    assert client.get(URL, headers=intruder).get_json() == []
    assert client.get(base, headers=desk.headers).get_json()["status"] == "booked"
    assert slot_counts(app, desk.slot_id) == (1, 2, 1)
    for path in ("", "/qr.svg", "/calendar.ics"):
        assert client.get(base + path).status_code == 401


def test_gets_never_change_state(app, client, desk, booked):
    base = f"{URL}/{booked['id']}"
    for path in ("", "/qr.svg", "/calendar.ics"):
        assert client.get(base + path, headers=desk.headers).status_code == 200
    # A link scanner following "cancel" or "reschedule" gets 405, never a cancellation.
    for path in ("/cancel", "/reschedule"):
        assert client.get(base + path, headers=desk.headers).status_code == 405
    assert client.get(base, headers=desk.headers).get_json()["status"] == "booked"
    assert slot_counts(app, desk.slot_id) == (1, 2, 1)


def test_list_filters_by_status(client, make, desk, booked):
    sibling = make.applicant(desk.citizen, given_names_latin="Minh")
    other = book(client, desk, applicant_id=sibling.id).get_json()
    client.post(f"{URL}/{booked['id']}/cancel", headers=desk.headers)
    cancelled = client.get(URL, query_string={"status": "cancelled"}, headers=desk.headers)
    assert [item["id"] for item in cancelled.get_json()] == [booked["id"]]
    everything = client.get(URL, headers=desk.headers).get_json()
    assert [item["id"] for item in everything] == [other["id"], booked["id"]]
    assert client.get(URL, query_string={"status": "lost"}, headers=desk.headers).status_code == 422
