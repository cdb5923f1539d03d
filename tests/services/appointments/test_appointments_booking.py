"""Booking: the answer (code, materials, fee, links), every booking error, idempotency,
rate limits."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from services.appointments.booking_codes import ALPHABET
from tests.services.appointments.appointment_support import START, URL, book, slot_counts


def test_booking_answer_carries_code_materials_fee_and_links(app, client, desk):
    response = book(client, desk, headers={**desk.headers, "Accept-Language": "vi"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "booked"
    assert re.fullmatch(rf"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}", body["code"])
    assert not set("01ILOU") & set(body["code"])
    assert body["materials"] == ["Hộ chiếu cũ", "Ảnh"]
    assert body["fee"]["amount_minor"] == 4250
    assert body["fee"]["currency"] == "EUR"
    assert body["fee"]["exponent"] == 2
    assert body["service"]["name"] == "Gia hạn hộ chiếu"
    # Paris in January is UTC+01:00: the slot at 09:00Z is 10:00 local.
    assert body["start"] == "2027-01-13T10:00:00+01:00"
    assert body["end"] == "2027-01-13T10:30:00+01:00"
    assert body["links"] == {
        "self": f"{URL}/{body['id']}",
        "qr": f"{URL}/{body['id']}/qr.svg",
        "calendar": f"{URL}/{body['id']}/calendar.ics",
    }
    assert body["code"].replace("-", "") not in body["pass_token"]
    assert slot_counts(app, desk.slot_id) == (1, 2, 1)

    english = client.get(f"{URL}/{body['id']}", headers=desk.headers).get_json()
    assert english["materials"] == ["Old passport", "Photo"]
    listed = client.get(URL, headers=desk.headers)
    assert [item["id"] for item in listed.get_json()] == [body["id"]]
    assert listed.headers["X-Pagination"]


def test_booking_confirmation_lands_in_the_inbox(app, client, desk):
    from sqlalchemy import select

    from services.core.db import db
    from services.models import Notification

    code = book(client, desk).get_json()["code"]
    with app.app_context():
        notes = db.session.scalars(
            select(Notification).where(Notification.account_id == desk.citizen.id)
        ).all()
    assert [n.template for n in notes] == ["appointment_booked"]
    assert code in notes[0].body
    assert "(UTC+01:00)" in notes[0].body


def test_codes_are_unguessable_and_typeable():
    from services.appointments.booking_codes import format_code, new_code, normalise_code

    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert len(ALPHABET) ** 12 > 2**58
    code = next(iter(codes))
    typed = " " + format_code(code).lower().replace("-", " - ") + " "
    assert normalise_code(typed) == code
    assert normalise_code("0000-1111-IIII") is None
    assert normalise_code(code[:-1]) is None


def test_full_slot_is_409_slot_full_and_counts_hold(app, client, make, desk):
    for _ in range(2):
        other = make.citizen()
        applicant = make.applicant(other)
        assert (
            book(client, desk, headers=make.auth(other), applicant_id=applicant.id).status_code
            == 201
        )
    full = book(client, desk)
    assert full.status_code == 409
    assert full.get_json()["error"] == "slot_full"
    assert slot_counts(app, desk.slot_id) == (2, 2, 2)


def test_one_active_appointment_per_applicant_and_service(app, client, make, desk):
    assert book(client, desk).status_code == 201
    other_slot = make.slot(desk.post, desk.service, desk.slot_start + timedelta(hours=2))
    twice = book(client, desk, slot_id=other_slot.id)
    assert twice.status_code == 409
    assert twice.get_json()["error"] == "duplicate_appointment"
    # Another applicant of the same account may book.
    sibling = make.applicant(desk.citizen, given_names_latin="Minh")
    assert book(client, desk, applicant_id=sibling.id, slot_id=other_slot.id).status_code == 201


def test_cap_of_active_appointments_per_account(app, client, make, desk, monkeypatch):
    monkeypatch.setitem(app.config, "APPOINTMENTS_MAX_ACTIVE_PER_ACCOUNT", 2)
    for n in range(2):
        applicant = make.applicant(desk.citizen, given_names_latin=f"Child {'AB'[n]}")
        assert book(client, desk, applicant_id=applicant.id).status_code == 201
    third = make.applicant(desk.citizen, given_names_latin="Child C")
    slot = make.slot(desk.post, desk.service, desk.slot_start + timedelta(hours=1))
    response = book(client, desk, applicant_id=third.id, slot_id=slot.id)
    assert response.status_code == 409
    assert response.get_json()["error"] == "appointment_limit_reached"
    assert "2" in response.get_json()["message"]


@pytest.mark.parametrize(
    ("offset", "label"),
    [(timedelta(hours=1), "inside the minimum lead time"), (timedelta(days=61), "too far ahead")],
)
def test_outside_the_booking_window_is_422(client, make, desk, offset, label):
    slot = make.slot(desk.post, desk.service, START + offset)
    response = book(client, desk, slot_id=slot.id)
    assert response.status_code == 422, label
    assert response.get_json()["error"] == "outside_booking_window"


def test_window_follows_the_posts_policy(client, make, desk):
    make.booking_policy(desk.post, min_lead_hours=0, max_days_ahead=90)
    soon = make.slot(desk.post, desk.service, START + timedelta(minutes=30))
    later = make.slot(desk.post, desk.service, START + timedelta(days=80))
    assert book(client, desk, slot_id=soon.id).status_code == 201
    sibling = make.applicant(desk.citizen, given_names_latin="Minh")
    assert book(client, desk, slot_id=later.id, applicant_id=sibling.id).status_code == 201


def test_closed_period_is_409_post_closed(client, make, desk):
    from datetime import datetime

    officer = make.staff("officer", posts=[desk.post])
    start = desk.slot_start.isoformat()
    end = (desk.slot_start + timedelta(hours=1)).isoformat()
    closed = client.post(
        f"/api/v1/staff/posts/{desk.post}/closures",
        json={"starts_at": start, "ends_at": end, "reason": {"en": "Strike"}},
        headers=make.auth(officer),
    )
    assert closed.status_code == 201, closed.get_json()
    assert datetime.fromisoformat(closed.get_json()["starts_at"]) == desk.slot_start
    response = book(client, desk)
    assert response.status_code == 409
    assert response.get_json()["error"] == "post_closed"


def test_slot_errors(client, make, desk):
    missing = book(client, desk, slot_id=999999)
    assert (missing.status_code, missing.get_json()["error"]) == (404, "slot_not_found")

    other_post = make.post(code="DE-BER", time_zone="Europe/Berlin", country="DE")
    make.fee(other_post.code, desk.service, "10")
    foreign = make.slot(other_post.code, desk.service, desk.slot_start)
    mismatch = book(client, desk, slot_id=foreign.id)
    assert (mismatch.status_code, mismatch.get_json()["error"]) == (422, "slot_mismatch")

    unoffered = make.service_type()
    response = book(client, desk, service=unoffered.code)
    assert (response.status_code, response.get_json()["error"]) == (422, "service_not_offered")

    withdrawn = make.slot(
        desk.post, desk.service, desk.slot_start + timedelta(hours=3), in_schedule=False
    )
    gone = book(client, desk, slot_id=withdrawn.id)
    assert (gone.status_code, gone.get_json()["error"]) == (404, "slot_not_found")

    unknown_post = book(client, desk, post="XX-NOPE")
    assert (unknown_post.status_code, unknown_post.get_json()["error"]) == (404, "post_not_found")


def test_another_accounts_applicant_is_404(client, make, desk):
    stranger = make.applicant(make.citizen())
    response = book(client, desk, applicant_id=stranger.id)
    assert (response.status_code, response.get_json()["error"]) == (404, "applicant_not_found")


def test_login_and_body_are_required(client, desk):
    assert client.post(URL, json={}).status_code == 401
    invalid = client.post(URL, json={"slot_id": "x"}, headers=desk.headers)
    assert invalid.status_code == 422
    assert {"applicant_id", "post", "service", "slot_id"} <= set(
        invalid.get_json()["errors"]["json"]
    )


def test_idempotency_key_replays_the_booking(app, client, desk):
    headers = {**desk.headers, "Idempotency-Key": "book-1"}
    first = book(client, desk, headers=headers)
    again = book(client, desk, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert slot_counts(app, desk.slot_id) == (1, 2, 1)


def test_booking_attempts_are_rate_limited_per_account(app, client, make, desk, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_BOOKING_PER_ACCOUNT", "3/minute")
    statuses = [book(client, desk, slot_id=999999).status_code for _ in range(4)]
    # Another account from the same address still gets through.
    other = make.citizen()
    other_response = book(client, desk, headers=make.auth(other), slot_id=999999)
    assert statuses == [404, 404, 404, 429]
    assert other_response.status_code == 404


def test_booking_attempts_are_rate_limited_per_ip(app, client, make, desk, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_BOOKING_PER_IP", "2/minute")
    statuses = [
        book(client, desk, headers=make.auth(make.citizen()), slot_id=999999).status_code
        for _ in range(3)
    ]
    listing = client.get(URL, headers=desk.headers).status_code
    assert statuses == [404, 404, 429]
    assert listing == 200  # reading my list is not a booking attempt


def test_a_booking_for_an_applicant_deleted_meanwhile_is_told_so(app, client, desk, monkeypatch):
    # The applicant disappears between the booking's checks and its insert (a deletion that
    # committed meanwhile): the foreign key refuses the row, and the answer says why.
    from sqlalchemy import delete

    from services.appointments import appointments
    from services.core.db import db
    from services.models import Applicant

    # The rules' one read, the last before the insert.
    read = appointments._booking_facts

    def applicant_goes(*args, **kwargs):
        facts = read(*args, **kwargs)
        db.session.execute(  # behind the ORM's back, as another request's deletion would be
            delete(Applicant)
            .where(Applicant.id == desk.applicant_id)
            .execution_options(synchronize_session=False)
        )
        return facts

    monkeypatch.setattr(appointments, "_booking_facts", applicant_goes)
    refused = book(client, desk)
    assert refused.status_code == 404, refused.get_json()
    assert refused.get_json()["error"] == "applicant_not_found"
    assert slot_counts(app, desk.slot_id) == (0, 2, 0)  # the seat went back with the rollback
