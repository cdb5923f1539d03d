"""Release day's early refusal: a tap on a full slot is a 409 after one statement, and
nothing that should answer otherwise is refused by it."""

from __future__ import annotations

from datetime import timedelta

from tests.services.appointments.appointment_support import START, book, revoke_sessions
from tests.statements import statements_of


def _full_slot(make, desk) -> int:
    """A one-seat slot of the desk's service, taken by another citizen."""
    slot = make.slot(desk.post, desk.service, START + timedelta(days=3), capacity=1)
    other = make.citizen()
    applicant = make.applicant(other)
    return slot.id, make.auth(other), applicant.id


def test_a_full_slot_is_refused_after_one_statement(app, client, make, desk):
    slot_id, other_headers, other_applicant = _full_slot(make, desk)
    taken = book(client, desk, headers=other_headers, applicant_id=other_applicant, slot_id=slot_id)
    assert taken.status_code == 201
    headers = {**desk.headers, "Idempotency-Key": "tap-1"}
    with statements_of(app) as seen:
        refused = book(client, desk, headers=headers, slot_id=slot_id)
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "slot_full"
    assert len(seen) == 1, seen
    # Nothing was written for the key: the same tap may be retried when a seat frees.
    with statements_of(app) as seen_again:
        again = book(client, desk, headers=headers, slot_id=slot_id)
    assert again.status_code == 409 and len(seen_again) == 1


def test_the_second_tap_that_took_the_last_seat_is_replayed_not_refused(app, client, make, desk):
    slot = make.slot(desk.post, desk.service, START + timedelta(days=3), capacity=1)
    headers = {**desk.headers, "Idempotency-Key": "last-seat"}
    first = book(client, desk, headers=headers, slot_id=slot.id)
    second = book(client, desk, headers=headers, slot_id=slot.id)
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.get_json()["id"] == first.get_json()["id"]
    # The same key with another body is still "reused", not "full".
    reused = book(client, desk, headers=headers, slot_id=slot.id, applicant_id=999)
    assert reused.status_code == 422
    assert reused.get_json()["error"] == "idempotency_key_reused"


def test_what_comes_before_slot_full_still_comes_first(app, client, make, desk):
    slot_id, other_headers, other_applicant = _full_slot(make, desk)
    assert (
        book(
            client, desk, headers=other_headers, applicant_id=other_applicant, slot_id=slot_id
        ).status_code
        == 201
    )
    # No token, a bad token, a bad key, a bad body: as before, whatever the slot.
    assert (
        book(client, desk, headers={"Accept": "application/json"}, slot_id=slot_id).status_code
        == 401
    )
    bad_token = {"Authorization": "Bearer not-a-token"}
    assert book(client, desk, headers=bad_token, slot_id=slot_id).status_code == 401
    bad_key = {**desk.headers, "Idempotency-Key": "has space"}
    assert book(client, desk, headers=bad_key, slot_id=slot_id).status_code == 400
    no_post = client.post(
        "/api/v1/appointments",
        json={"applicant_id": desk.applicant_id, "slot_id": slot_id, "service": desk.service},
        headers=desk.headers,
    )
    assert no_post.status_code == 422
    huge = book(client, desk, slot_id=2**40)
    assert huge.status_code == 422

    # An address not yet verified: 403, not 409.
    unverified = make.citizen(email_verified=False)
    applicant = make.applicant(unverified)
    response = book(
        client, desk, headers=make.auth(unverified), applicant_id=applicant.id, slot_id=slot_id
    )
    assert response.status_code == 403
    assert response.get_json()["error"] == "email_not_verified"


def test_a_revoked_session_is_refused_401_even_on_a_full_slot(app, client, make, desk):
    slot_id, other_headers, other_applicant = _full_slot(make, desk)
    book(client, desk, headers=other_headers, applicant_id=other_applicant, slot_id=slot_id)
    revoke_sessions(app, desk.citizen.id)
    response = book(client, desk, slot_id=slot_id)
    assert response.status_code == 401
    assert response.get_json()["error"] == "token_revoked"


def test_a_free_or_missing_slot_goes_the_whole_way(app, client, make, desk):
    missing = book(client, desk, slot_id=999999)
    assert missing.status_code == 404 and missing.get_json()["error"] == "slot_not_found"
    booked = book(client, desk)
    assert booked.status_code == 201


def test_a_booking_code_collision_is_a_503_to_retry_never_a_wrong_409(
    app, client, make, desk, monkeypatch
):
    """Codes are drawn without a query; the astronomically rare collision fails the insert,
    which is answered 503 (retry), and the retry with the same key books."""
    from services.appointments import appointments
    from services.core.db import db
    from services.models import Appointment

    first = book(client, desk)
    assert first.status_code == 201
    with app.app_context():
        taken = db.session.get(Appointment, first.get_json()["id"]).code
    other = make.applicant(desk.citizen)
    headers = {**desk.headers, "Idempotency-Key": "collide"}
    real_new_code = appointments.new_code
    monkeypatch.setattr(appointments, "new_code", lambda: taken)
    collided = book(client, desk, headers=headers, applicant_id=other.id)
    assert collided.status_code == 503, collided.get_json()
    assert collided.get_json()["error"] == "service_unavailable"
    monkeypatch.setattr(appointments, "new_code", real_new_code)
    retried = book(client, desk, headers=headers, applicant_id=other.id)
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried.headers


def test_the_question_for_several_callers_answers_each_as_its_own_would(
    app, client, make, desk, is_postgres
):
    """Release day's taps woken together ask together (``seats_left_for_each``): one
    statement on PostgreSQL, and for each caller the answer its own question gives."""
    from api.extensions import claims_of_authorization
    from services.appointments import refusals

    slot = make.slot(desk.post, desk.service, START + timedelta(days=3), capacity=2)
    answered = {**desk.headers, "Idempotency-Key": "asked-before"}
    assert book(client, desk, headers=answered, slot_id=slot.id).status_code == 201
    unverified = make.auth(make.citizen(email_verified=False))
    revoked_account = make.citizen()
    revoked = make.auth(revoked_account)
    revoke_sessions(app, revoked_account.id)

    with app.app_context():

        def caller(headers, key=None, account_id=None):
            claims = claims_of_authorization(headers["Authorization"])
            account = account_id or int(claims["sub"])
            return refusals.Caller(claims["sid"], account, f"account:{account}", key)

        callers = [
            caller(desk.headers),  # live, no key: the seat left
            caller(desk.headers, "a-new-key"),  # live, a key without a record: the same
            caller(desk.headers, "asked-before"),  # the key has a record: a replay
            caller(unverified),  # 403 first
            caller(revoked),  # 401 first
            caller(desk.headers, account_id=revoked_account.id),  # a session not its own
        ]
        with statements_of(app) as seen:
            together = refusals.seats_left_for_each(slot_id=slot.id, callers=callers)
        one_by_one = [refusals.seats_left(slot_id=slot.id, **c._asdict()) for c in callers]
        unknown = refusals.seats_left_for_each(slot_id=999_999, callers=callers[:2])
    assert together == one_by_one == [1, 1, None, None, None, None]
    assert unknown == [None, None]  # not in the schedule: the whole way (404)
    if is_postgres:
        assert len(seen) == 1, seen
        assert "unnest" in seen[0]
