"""The waitlist over HTTP: a freed seat is held for the first matching traveller in line
(counted as taken), accept books it at once, decline and expiry pass it to the next, and
with nobody matching it returns to first-come booking."""

from __future__ import annotations

from sqlalchemy import select

from services.core.db import db
from services.models import Notification
from services.releases.offers import expire_due_offers
from tests.services.releases.release_support import (
    DAY1,
    DAY2,
    seat_counts,
    traveller,
)

MORNING = {"day": DAY1.isoformat(), "from": "08:00", "until": "12:00"}


def _book(client, hall, headers, applicant, slot_id):
    return client.post(
        "/api/v1/appointments",
        json={
            "applicant_id": applicant,
            "post": hall.post,
            "service": hall.service,
            "slot_id": slot_id,
        },
        headers=headers,
    )


def _fill_day1_morning(client, make, hall):
    """Both seats of Monday 09:00 booked; returns the holders."""
    holders = []
    for _ in range(2):
        _, applicant, headers = traveller(make)
        booked = _book(client, hall, headers, applicant, hall.slots["d1-09"])
        assert booked.status_code == 201, booked.get_json()
        holders.append((headers, booked.get_json()["id"]))
    return holders


def _join(client, hall, headers, applicant, *preferences):
    return client.post(
        "/api/v1/waitlist",
        json={
            "applicant_id": applicant,
            "post": hall.post,
            "service": hall.service,
            "preferences": list(preferences),
        },
        headers=headers,
    )


def _offers(client, headers):
    return client.get("/api/v1/waitlist-offers", headers=headers).get_json()


def test_join_only_when_nothing_matching_is_free(client, make, hall):
    _, applicant, headers = traveller(make)
    free = _join(client, hall, headers, applicant, {"day": DAY1.isoformat()})
    assert free.status_code == 409 and free.get_json()["error"] == "seats_available"
    _fill_day1_morning(client, make, hall)
    morning = {"day": DAY1.isoformat(), "from": "08:00", "until": "12:00"}
    joined = _join(client, hall, headers, applicant, morning)
    assert joined.status_code == 201, joined.get_json()
    assert joined.get_json()["status"] == "waiting"
    again = _join(client, hall, headers, applicant, morning)
    assert again.get_json()["error"] == "already_on_waitlist"


def test_a_cancelled_seat_is_held_for_the_first_in_line_then_accepted(app, client, make, hall):
    holders = _fill_day1_morning(client, make, hall)
    morning = {"day": DAY1.isoformat(), "from": "08:00", "until": "12:00"}
    line = []
    for _ in range(2):
        _, applicant, headers = traveller(make)
        assert _join(client, hall, headers, applicant, morning).status_code == 201
        line.append(headers)
    headers, appointment = holders[0]
    assert (
        client.post(f"/api/v1/appointments/{appointment}/cancel", headers=headers).status_code
        == 200
    )
    assert seat_counts(app)[hall.slots["d1-09"]] == (2, 1, 1)  # held, not free
    first = _offers(client, line[0])
    assert [o["status"] for o in first] == ["open"] and _offers(client, line[1]) == []
    with app.app_context():
        assert db.session.scalar(
            select(Notification.template).where(Notification.template == "waitlist_offer")
        )
    # First-come cannot take the held seat.
    _, stranger, stranger_headers = traveller(make)
    taken = _book(client, hall, stranger_headers, stranger, hall.slots["d1-09"])
    assert taken.status_code == 409 and taken.get_json()["error"] == "slot_full"
    # Someone else's offer is not found; accepting books it at once.
    offer_id = first[0]["id"]
    assert (
        client.post(f"/api/v1/waitlist-offers/{offer_id}/accept", headers=line[1]).status_code
        == 404
    )
    accepted = client.post(f"/api/v1/waitlist-offers/{offer_id}/accept", headers=line[0])
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["status"] == "accepted" and accepted.get_json()["appointment_id"]
    assert seat_counts(app)[hall.slots["d1-09"]] == (2, 2, 0)


def test_decline_and_expiry_pass_the_seat_on_then_first_come(app, client, make, hall, frozen):
    holders = _fill_day1_morning(client, make, hall)
    line = []
    for _ in range(2):
        _, applicant, headers = traveller(make)
        assert _join(client, hall, headers, applicant, MORNING).status_code == 201
        line.append(headers)
    headers, appointment = holders[0]
    client.post(f"/api/v1/appointments/{appointment}/cancel", headers=headers)
    offer = _offers(client, line[0])[0]
    declined = client.post(f"/api/v1/waitlist-offers/{offer['id']}/decline", headers=line[0])
    assert declined.get_json()["status"] == "declined"
    second = _offers(client, line[1])[0]
    assert second["status"] == "open"
    assert seat_counts(app)[hall.slots["d1-09"]] == (2, 1, 1)

    frozen.advance(minutes=121)  # the default hold is two hours
    assert _offers(client, line[1])[0]["status"] == "expired"  # shown, GET changes nothing
    late = client.post(f"/api/v1/waitlist-offers/{second['id']}/accept", headers=line[1])
    assert late.status_code == 409 and late.get_json()["error"] == "offer_not_open"
    with app.app_context():
        assert expire_due_offers() == 1
    # Nobody left in line: the seat is free for first-come booking.
    assert seat_counts(app)[hall.slots["d1-09"]] == (2, 1, 0)


def test_a_lifted_closure_and_added_capacity_reach_the_line(app, client, make, hall):
    _fill_day1_morning(client, make, hall)
    _, applicant, headers = traveller(make)
    assert (
        _join(
            client,
            hall,
            headers,
            applicant,
            {"day": DAY1.isoformat(), "from": "08:00", "until": "12:00"},
        ).status_code
        == 201
    )
    from services.core.db import db as database
    from services.models import Slot

    with app.app_context():  # an officer's template change adds a counter: capacity 3
        slot = database.session.get(Slot, hall.slots["d1-09"])
        slot.capacity = 3
        database.session.commit()
        from services.core import signals
        from services.core.db import unit_of_work

        with unit_of_work():
            signals.seat_returned.send(slot.id)
    assert [o["status"] for o in _offers(client, headers)] == ["open"]
    assert seat_counts(app)[hall.slots["d1-09"]] == (3, 2, 1)


def test_a_closure_lifted_offers_the_seats_of_the_period(app, client, make, hall):
    holders = _fill_day1_morning(client, make, hall)
    closure = client.post(
        f"/api/v1/staff/posts/{hall.post}/closures",
        json={"first_day": DAY1.isoformat(), "reason": {"en": "Holiday"}},
        headers=hall.officer_headers,
    )
    assert closure.status_code == 201, closure.get_json()
    _, applicant, headers = traveller(make)
    # Monday is closed: nothing there is free to book.
    assert _join(client, hall, headers, applicant, {"day": DAY1.isoformat()}).status_code == 201
    assert _offers(client, headers) == []
    deleted = client.delete(
        f"/api/v1/staff/posts/{hall.post}/closures/{closure.get_json()['id']}",
        headers=hall.officer_headers,
    )
    assert deleted.status_code == 204
    offers = _offers(client, headers)
    assert len(offers) == 1 and offers[0]["status"] == "open"
    assert seat_counts(app)[hall.slots["d1-09"]] == (2, 0, 1)
    assert len(holders) == 2  # their appointments were cancelled by the closure


def test_a_closure_over_an_offered_seat_puts_the_traveller_back_in_line(app, client, make, hall):
    """The offer can no longer be accepted once its day closes: it is withdrawn, its seat no
    longer held, and the traveller waits again (before, the offer ran out and they lost
    their place)."""
    holders = _fill_day1_morning(client, make, hall)
    _, applicant, headers = traveller(make)
    assert _join(client, hall, headers, applicant, MORNING).status_code == 201
    cancelled = client.post(f"/api/v1/appointments/{holders[0][1]}/cancel", headers=holders[0][0])
    assert cancelled.status_code == 200
    offer = _offers(client, headers)[0]
    assert offer["status"] == "open"
    closure = client.post(
        f"/api/v1/staff/posts/{hall.post}/closures",
        json={"first_day": DAY1.isoformat(), "reason": {"en": "Holiday"}},
        headers=hall.officer_headers,
    )
    assert closure.status_code == 201, closure.get_json()
    assert [o["status"] for o in _offers(client, headers)] == ["expired"]
    entries = client.get("/api/v1/waitlist", headers=headers).get_json()
    assert [e["status"] for e in entries] == ["waiting"]
    assert seat_counts(app)[hall.slots["d1-09"]][2] == 0  # nothing held on a closed day
    accepted = client.post(f"/api/v1/waitlist-offers/{offer['id']}/accept", headers=headers)
    assert accepted.status_code == 409


def test_joining_judges_every_closed_slot_in_one_statement(app, client, make, hall):
    """Found in review: the check for a free matching seat read the closures once per free
    slot. Two closed days (four free slots) cost no more statements than one (two)."""
    from tests.statements import statements_of

    closure = client.post(
        f"/api/v1/staff/posts/{hall.post}/closures",
        json={"first_day": DAY1.isoformat(), "last_day": DAY2.isoformat(), "reason": {"en": "X"}},
        headers=hall.officer_headers,
    )
    assert closure.status_code == 201, closure.get_json()
    counts = []
    for days in ([DAY1], [DAY1, DAY2]):
        _, applicant, headers = traveller(make)
        with statements_of(app) as seen:
            joined = _join(
                client, hall, headers, applicant, *[{"day": d.isoformat()} for d in days]
            )
        assert joined.status_code == 201, joined.get_json()  # closed: nothing free to book
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
