"""Applicants: ownership, validation, the one-self rule, pagination, idempotent creation."""

from __future__ import annotations

import json

import pytest

URL = "/api/v1/applicants"


def test_scenario_create_get_update_delete(client, make):
    headers = make.auth(make.citizen())
    created = client.post(URL, json=make.applicant_payload(), headers=headers)
    assert created.status_code == 201, created.get_json()
    applicant = created.get_json()
    assert applicant["surname_native"] == "Nguyễn"
    url = f"{URL}/{applicant['id']}"
    assert client.get(url, headers=headers).get_json() == applicant

    duplicate_self = client.post(URL, json=make.applicant_payload(), headers=headers)
    assert duplicate_self.status_code == 409
    assert duplicate_self.get_json()["error"] == "applicant_self_exists"

    child = client.post(
        URL,
        json=make.applicant_payload(
            relationship="child",
            given_names_latin="Minh",
            date_of_birth="2019-02-03",
            passport_number=None,
        ),
        headers=headers,
    )
    assert child.status_code == 201
    # Turning the child into a second "self" is refused too.
    bad_patch = client.patch(
        f"{URL}/{child.get_json()['id']}", json={"relationship": "self"}, headers=headers
    )
    assert bad_patch.status_code == 409

    patched = client.patch(url, json={"passport_number": "E7654321"}, headers=headers)
    assert patched.status_code == 200
    assert patched.get_json()["passport_number"] == "E7654321"
    assert patched.get_json()["surname_latin"] == "Nguyen"

    assert client.delete(url, headers=headers).status_code == 204
    gone = client.get(url, headers=headers)
    assert gone.status_code == 404
    assert gone.get_json()["error"] == "applicant_not_found"


def test_another_citizen_gets_404_for_everything(client, make):
    owner = make.auth(make.citizen())
    intruder = make.auth(make.citizen())
    applicant = client.post(URL, json=make.applicant_payload(), headers=owner).get_json()
    url = f"{URL}/{applicant['id']}"
    missing = client.get(f"{URL}/999999", headers=intruder)
    for response in (
        client.get(url, headers=intruder),
        client.patch(url, json={"sex": "F"}, headers=intruder),
        client.delete(url, headers=intruder),
    ):
        assert response.status_code == 404
        # Indistinguishable from an id that does not exist at all.
        assert response.get_json() == missing.get_json()
    assert client.get(URL, headers=intruder).get_json() == []
    assert client.get(url, headers=owner).get_json()["sex"] == "M"
    assert client.get(url).status_code == 401


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"surname_latin": "阮"}, "surname_latin"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"date_of_birth": "1850-01-01"}, "date_of_birth"),
        ({"date_of_birth": "1990-02-30"}, "date_of_birth"),
        ({"nationality": "XX"}, "nationality"),
        ({"nationality": "vn"}, "nationality"),
        ({"sex": "Q"}, "sex"),
        ({"passport_number": "ab-12"}, "passport_number"),
        ({"relationship": "cousin"}, "relationship"),
    ],
)
def test_validation(client, make, override, field):
    headers = make.auth(make.citizen())
    response = client.post(URL, json=make.applicant_payload(**override), headers=headers)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]


def test_pagination(client, make):
    headers = make.auth(make.citizen())
    for n in range(7):
        body = make.applicant_payload(
            relationship="child", given_names_latin=f"Child {chr(65 + n)}"
        )
        assert client.post(URL, json=body, headers=headers).status_code == 201
    page = client.get(f"{URL}?page=2&page_size=3", headers=headers)
    assert page.status_code == 200
    assert [a["given_names_latin"] for a in page.get_json()] == ["Child D", "Child E", "Child F"]
    meta = json.loads(page.headers["X-Pagination"])
    assert meta["total"] == 7 and meta["total_pages"] == 3 and meta["page"] == 2
    too_big = client.get(f"{URL}?page_size=100000", headers=headers)
    assert too_big.status_code == 422
    assert client.get(f"{URL}?page=0", headers=headers).status_code == 422


def test_idempotent_create_replays_and_refuses_a_different_body(app, client, make):
    from sqlalchemy import func, select

    from services.core.db import db
    from services.models import Applicant

    headers = {**make.auth(make.citizen()), "Idempotency-Key": "5d1f3f9e-create-self"}
    first = client.post(URL, json=make.applicant_payload(), headers=headers)
    second = client.post(URL, json=make.applicant_payload(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Applicant)) == 1

    changed = client.post(URL, json=make.applicant_payload(sex="F"), headers=headers)
    assert changed.status_code == 422
    assert changed.get_json()["error"] == "idempotency_key_reused"

    invalid = client.post(
        URL, json=make.applicant_payload(), headers={**headers, "Idempotency-Key": "x" * 300}
    )
    assert invalid.status_code == 400


def test_idempotency_keys_are_per_account(client, make):
    payload = make.applicant_payload()
    a = client.post(
        URL, json=payload, headers={**make.auth(make.citizen()), "Idempotency-Key": "same-key-1"}
    )
    b = client.post(
        URL, json=payload, headers={**make.auth(make.citizen()), "Idempotency-Key": "same-key-1"}
    )
    assert a.status_code == b.status_code == 201
    assert a.get_json()["id"] != b.get_json()["id"]


def test_failed_request_is_not_stored_under_its_key(client, make):
    headers = {**make.auth(make.citizen()), "Idempotency-Key": "retry-after-fix"}
    assert (
        client.post(URL, json=make.applicant_payload(sex="Q"), headers=headers).status_code == 422
    )
    # Same key, fixed body: the first attempt failed, so this one runs.
    assert client.post(URL, json=make.applicant_payload(), headers=headers).status_code == 201


def test_an_applicant_with_an_appointment_to_come_cannot_be_deleted(app, client, desk):
    # Deleting them would leave the seat taken by nobody (and the booking gone unseen).
    from tests.services.appointments.appointment_support import URL, book, slot_counts

    booked = book(client, desk)
    assert booked.status_code == 201, booked.get_json()
    applicant_url = f"/api/v1/applicants/{desk.applicant_id}"
    refused = client.delete(applicant_url, headers=desk.headers)
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "applicant_has_appointments"
    assert slot_counts(app, desk.slot_id) == (1, 2, 1)
    mine = client.get(URL, headers=desk.headers).get_json()
    assert [a["id"] for a in mine] == [booked.get_json()["id"]]

    # Once cancelled, the seat is free and the applicant goes, with the past appointment.
    cancelled = client.post(f"{URL}/{booked.get_json()['id']}/cancel", headers=desk.headers)
    assert cancelled.status_code == 200, cancelled.get_json()
    assert client.delete(applicant_url, headers=desk.headers).status_code == 204
    assert client.get(applicant_url, headers=desk.headers).status_code == 404
    assert slot_counts(app, desk.slot_id) == (0, 2, 0)
    assert client.get(URL, headers=desk.headers).get_json() == []
    with app.app_context():
        from sqlalchemy import func, select

        from services.core.db import db
        from services.models import Appointment

        rows = select(func.count()).where(Appointment.applicant_id == desk.applicant_id)
        assert db.session.scalar(rows) == 0  # gone, not left dangling (SQLite)


@pytest.mark.parametrize("nationality", ["VNM", "vn", "XX"])
def test_a_wrong_country_code_is_reported_once(client, make, nationality):
    """A three-letter code failed both the pattern and the existence check, and the app
    showed the same message twice."""
    headers = make.auth(make.citizen())
    payload = make.applicant_payload(nationality=nationality)
    response = client.post(URL, json=payload, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["nationality"] == [
        "Not an ISO 3166-1 alpha-2 country code."
    ]
