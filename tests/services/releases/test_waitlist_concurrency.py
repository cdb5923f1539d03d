"""The waitlist on PostgreSQL under concurrency, over real HTTP: cancellations freeing seats
at once, accepts and declines at once, then accepts racing the expiry sweep. After each
race: every seat is booked, held by exactly one open offer, or free; nobody holds two offers;
no 5xx, no deadlock."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from threading import Barrier, Thread

import pytest
from sqlalchemy import func, select

from services.core.db import db
from services.models import Appointment, Slot, WaitlistOffer
from tests.services.appointments.test_appointments_concurrency import race, server  # noqa: F401
from tests.services.releases.release_support import (
    DAY1,
    traveller,
)

pytestmark = pytest.mark.postgres

SEATS, WAITING = 20, 30


def _state(app, slot_id):
    with app.app_context():
        slot = db.session.get(Slot, slot_id)
        booked = db.session.scalar(
            select(func.count()).where(
                Appointment.slot_id == slot_id, Appointment.status == "booked"
            )
        )
        offers = (
            db.session.execute(
                select(WaitlistOffer.applicant_id).where(
                    WaitlistOffer.slot_id == slot_id, WaitlistOffer.status == "open"
                )
            )
            .scalars()
            .all()
        )
        assert (slot.booked, slot.held) == (booked, len(offers))
        assert len(set(offers)) == len(offers)
        assert slot.booked + slot.held <= slot.capacity
        return slot.booked, slot.held


def test_cancellations_offers_accepts_and_expiries_at_once(app, client, make, hall, frozen, server):  # noqa: F811
    slot_id = make.slot(hall.post, hall.service, hall_start(), capacity=SEATS).id
    holders = []
    for _ in range(SEATS):
        _, applicant, headers = traveller(make)
        booked = client.post(
            "/api/v1/appointments",
            json={
                "applicant_id": applicant,
                "post": hall.post,
                "service": hall.service,
                "slot_id": slot_id,
            },
            headers=headers,
        )
        assert booked.status_code == 201, booked.get_json()
        holders.append((headers, booked.get_json()["id"]))
    line = []
    for _ in range(WAITING):
        _, applicant, headers = traveller(make)
        joined = client.post(
            "/api/v1/waitlist",
            json={
                "applicant_id": applicant,
                "post": hall.post,
                "service": hall.service,
                "preferences": [{"day": DAY1.isoformat(), "from": "10:00", "until": "11:00"}],
            },
            headers=headers,
        )
        assert joined.status_code == 201, joined.get_json()
        line.append(headers)

    # 1. Every holder cancels at once: each seat is held for one of the first in line.
    results = race(
        [("POST", f"{server}/api/v1/appointments/{a}/cancel", {}, h) for h, a in holders]
    )
    assert Counter(status for status, _ in results) == {200: SEATS}
    assert _state(app, slot_id) == (0, SEATS)
    offers = [client.get("/api/v1/waitlist-offers", headers=h).get_json() for h in line]
    assert [len(o) for o in offers] == [1] * SEATS + [0] * (WAITING - SEATS)

    # 2. Half accept, half decline, at once: declined seats go on to the rest of the line.
    calls = []
    for index, headers in enumerate(line[:SEATS]):
        verb = "accept" if index % 2 == 0 else "decline"
        calls.append(
            (
                "POST",
                f"{server}/api/v1/waitlist-offers/{offers[index][0]['id']}/{verb}",
                {},
                headers,
            )
        )
    assert Counter(status for status, _ in race(calls)) == {200: SEATS}
    assert _state(app, slot_id) == (SEATS // 2, SEATS // 2)

    # 3. The hold runs out: accepts race five expiry sweeps; every accept is too late.
    frozen.advance(minutes=121)
    late = []
    for headers in line[SEATS:]:
        mine = client.get("/api/v1/waitlist-offers", headers=headers).get_json()
        late.extend(
            ("POST", f"{server}/api/v1/waitlist-offers/{o['id']}/accept", {}, headers)
            for o in mine
            if o["status"] == "expired"
        )
    assert len(late) == SEATS // 2
    barrier = Barrier(len(late) + 5)
    swept: list[int] = []

    def sweep():
        from services.releases.offers import expire_due_offers

        with app.app_context():
            barrier.wait(timeout=30)
            swept.append(expire_due_offers())

    sweepers = [Thread(target=sweep) for _ in range(5)]
    for thread in sweepers:
        thread.start()
    outcome = Counter(race_with(barrier, late))
    for thread in sweepers:
        thread.join(timeout=60)
    assert outcome == {(409, "offer_not_open"): SEATS // 2}
    assert sum(swept) == SEATS // 2  # each offer expired once
    assert _state(app, slot_id) == (SEATS // 2, 0)  # nobody left in line: free again


def hall_start():
    from tests.services.releases.release_support import slot_start

    return slot_start(DAY1, 10) + timedelta(minutes=15)


def race_with(barrier, calls):
    """``race`` sharing a barrier with other threads."""
    import requests

    results = [None] * len(calls)

    def run(index, method, url, body, headers):
        with requests.Session() as session:
            session.trust_env = False
            barrier.wait(timeout=30)
            response = session.request(method, url, json=body, headers=headers, timeout=60)
            results[index] = (response.status_code, response.json().get("error"))

    threads = [Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
