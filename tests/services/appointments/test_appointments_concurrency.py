"""Concurrency on PostgreSQL over real HTTP: a threaded server on 127.0.0.1 and >= 50 client
threads released together by a barrier. Capacity must hold exactly, the losers must get a
clean 409, nothing else (no 5xx, no deadlock), and the database counts must match."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from threading import Barrier, Event, Thread

import pytest
import requests

from tests.services.appointments.appointment_support import slot_counts
from tests.serving import served

pytestmark = pytest.mark.postgres

CLIENTS = 50


@pytest.fixture
def server(app, monkeypatch) -> Iterator[str]:
    # One address sends everything here: lift the per-IP budget for these tests only.
    monkeypatch.setitem(app.config, "RATELIMIT_BOOKING_PER_IP", "10000/minute")
    with served(app) as url:
        yield url


def citizens(make, count: int) -> list[tuple[dict[str, str], int]]:
    """``count`` citizens, each logged in with one applicant: (headers, applicant id)."""
    people = []
    for _ in range(count):
        citizen = make.citizen()
        people.append((make.auth(citizen), make.applicant(citizen).id))
    return people


def race(calls) -> list[tuple[int, str | None]]:
    """Run every (method, url, json, headers) at once; (status, error code) of each."""
    barrier = Barrier(len(calls))
    results: list[tuple[int, str | None] | None] = [None] * len(calls)

    def run(index: int, method: str, url: str, body, headers) -> None:
        with requests.Session() as session:
            session.trust_env = False
            barrier.wait(timeout=30)
            response = session.request(method, url, json=body, headers=headers, timeout=60)
            error = response.json().get("error") if response.status_code >= 400 else None
            results[index] = (response.status_code, error)

    threads = [Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(result is not None for result in results), "a client thread did not finish"
    return results  # type: ignore[return-value]


def booking(server, desk, slot_id, headers, applicant_id, service=None):
    body = {
        "applicant_id": applicant_id,
        "post": desk.post,
        "service": service or desk.service,
        "slot_id": slot_id,
    }
    return ("POST", f"{server}/api/v1/appointments", body, headers)


def test_fifty_clients_race_for_the_last_seats(app, client, make, desk, server):
    capacity, taken_before = 8, 3
    slot = make.slot(
        desk.post, desk.service, desk.slot_start + timedelta(hours=4), capacity=capacity
    )
    people = citizens(make, taken_before + CLIENTS)
    for headers, applicant_id in people[:taken_before]:
        body = {"applicant_id": applicant_id, "post": desk.post, "service": desk.service,
                "slot_id": slot.id}  # fmt: skip
        assert client.post("/api/v1/appointments", json=body, headers=headers).status_code == 201

    results = race([booking(server, desk, slot.id, h, a) for h, a in people[taken_before:]])

    outcome = Counter(results)
    last_seats = capacity - taken_before
    assert outcome == {(201, None): last_seats, (409, "slot_full"): CLIENTS - last_seats}
    assert slot_counts(app, slot.id) == (capacity, capacity, capacity)


def test_concurrent_reschedules_into_one_slot(app, client, make, desk, server):
    target = make.slot(desk.post, desk.service, desk.slot_start + timedelta(hours=6), capacity=3)
    sources = [
        make.slot(
            desk.post,
            desk.service,
            desk.slot_start + timedelta(days=1, hours=h),
            capacity=CLIENTS // 5,
        )  # fmt: skip
        for h in range(5)
    ]
    calls = []
    for index, (headers, applicant_id) in enumerate(citizens(make, CLIENTS)):
        body = {"applicant_id": applicant_id, "post": desk.post, "service": desk.service,
                "slot_id": sources[index % 5].id}  # fmt: skip
        booked = client.post("/api/v1/appointments", json=body, headers=headers)
        assert booked.status_code == 201, booked.get_json()
        url = f"{server}/api/v1/appointments/{booked.get_json()['id']}/reschedule"
        calls.append(("POST", url, {"slot_id": target.id}, headers))

    outcome = Counter(race(calls))
    assert outcome == {(200, None): 3, (409, "slot_full"): CLIENTS - 3}
    assert slot_counts(app, target.id) == (3, 3, 3)
    moved_out = 0
    for source in sources:
        booked, capacity, holding = slot_counts(app, source.id)
        assert booked == holding <= capacity
        moved_out += capacity - booked
    assert moved_out == 3  # both or neither: each winner gave back exactly one old seat


def test_cancellations_racing_new_bookings(app, client, make, desk, server, monkeypatch):
    """Ten holders cancel while forty newcomers keep tapping "Book" on the full slot until
    every cancellation has answered, then tap once more: each freed seat goes to exactly
    one newcomer, while they raced or after, and the counters match the rows. (A newcomer's
    tap is refused cheaply while the slot is full, so a single tap each could all land
    before the first cancellation commits: they retry, as the app does.)"""
    monkeypatch.setitem(app.config, "RATELIMIT_BOOKING_PER_ACCOUNT", "10000/minute")  # retries
    capacity = 10
    slot = make.slot(
        desk.post, desk.service, desk.slot_start + timedelta(hours=8), capacity=capacity
    )
    holders = citizens(make, capacity)
    cancels = []
    for headers, applicant_id in holders:
        body = {"applicant_id": applicant_id, "post": desk.post, "service": desk.service,
                "slot_id": slot.id}  # fmt: skip
        booked = client.post("/api/v1/appointments", json=body, headers=headers).get_json()
        cancels.append(
            ("POST", f"{server}/api/v1/appointments/{booked['id']}/cancel", None, headers)
        )
    newcomers = [
        booking(server, desk, slot.id, h, a) for h, a in citizens(make, CLIENTS - capacity)
    ]
    cancelled = Event()
    barrier = Barrier(len(cancels) + len(newcomers) + 1)
    outcomes: list[list[tuple[int, str | None]]] = [[] for _ in newcomers]

    def cancel(method, url, body, headers) -> None:
        with requests.Session() as session:
            session.trust_env = False
            barrier.wait(timeout=30)
            response = session.request(method, url, json=body, headers=headers, timeout=60)
            outcomes_of_cancels.append(response.status_code)

    def newcomer(index, method, url, body, headers) -> None:
        with requests.Session() as session:
            session.trust_env = False
            barrier.wait(timeout=30)
            last_try = False
            while True:
                last_try = cancelled.is_set()
                response = session.request(method, url, json=body, headers=headers, timeout=60)
                error = response.json().get("error") if response.status_code >= 400 else None
                outcomes[index].append((response.status_code, error))
                if response.status_code != 409 or last_try:
                    return
                time.sleep(0.005)

    outcomes_of_cancels: list[int] = []
    threads = [Thread(target=cancel, args=call) for call in cancels]
    threads += [Thread(target=newcomer, args=(i, *call)) for i, call in enumerate(newcomers)]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=30)
    for thread in threads[:capacity]:
        thread.join(timeout=120)
    cancelled.set()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a client thread did not finish"

    assert outcomes_of_cancels == [200] * capacity
    answers = Counter(answer for taps in outcomes for answer in taps)
    assert set(answers) <= {(201, None), (409, "slot_full")}
    assert answers[(201, None)] == capacity  # every freed seat found its newcomer
    assert all(taps.count((201, None)) <= 1 for taps in outcomes)
    assert slot_counts(app, slot.id) == (capacity, capacity, capacity)


def test_one_applicant_booking_many_slots_at_once_gets_one(app, make, desk, server):
    slots = [
        make.slot(desk.post, desk.service, desk.slot_start + timedelta(days=2, minutes=30 * i))
        for i in range(10)
    ]
    results = race([booking(server, desk, s.id, desk.headers, desk.applicant_id) for s in slots])
    assert Counter(results) == {(201, None): 1, (409, "duplicate_appointment"): 9}
    assert sum(slot_counts(app, s.id)[0] for s in slots) == 1


def test_closing_while_clients_book_leaves_nobody_in_the_closed_slot(app, make, desk, server):
    slot = make.slot(desk.post, desk.service, desk.slot_start + timedelta(hours=10), capacity=40)
    officer = make.auth(make.staff("officer", posts=[desk.post]))
    closure = (
        "POST",
        f"{server}/api/v1/staff/posts/{desk.post}/closures",
        {
            "starts_at": slot.starts_at.isoformat(),
            "ends_at": slot.ends_at.isoformat(),
            "reason": {"en": "Emergency"},
        },
        officer,
    )
    results = race(
        [closure] + [booking(server, desk, slot.id, h, a) for h, a in citizens(make, 30)]
    )
    assert results[0] == (201, None)
    assert set(results[1:]) <= {(201, None), (409, "post_closed")}
    # Bookings that won before the closure were cancelled by it: the slot holds nobody.
    assert slot_counts(app, slot.id) == (0, 40, 0)


def test_a_closure_committed_while_the_seat_waits_for_its_lock_is_seen(app, make, desk, server):
    """The closure's re-check is a statement of its own after the seat's update, sent in
    the same round trip (``read_at_commit``): it must still start once the update has been
    granted the slot row's lock. Here the row is held while the booking's seat waits for
    it, and a closure of the slot commits before it is let go: the booking is refused
    ``post_closed`` and takes no seat. (Read in the seat's snapshot, or before it, the
    closure would be missed and the seat taken.)"""
    from sqlalchemy import select, text

    from services.core.db import db
    from services.models import Closure, Slot

    slot = make.slot(desk.post, desk.service, desk.slot_start + timedelta(hours=12), capacity=5)
    ((headers, applicant_id),) = citizens(make, 1)
    with app.app_context():
        post_id = slot.post_id
        holder = db.engine.connect()
    try:
        holder.execute(
            select(Slot.id).where(Slot.id == slot.id).with_for_update(key_share=True)
        ).all()
        answer: list[tuple[int, str | None]] = []
        booker = Thread(
            target=lambda: answer.extend(
                race([booking(server, desk, slot.id, headers, applicant_id)])
            )
        )
        booker.start()
        waiting = 0
        for _ in range(200):  # the booking's seat queues for the row
            with app.app_context(), db.engine.connect() as probe:
                waiting = probe.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        " AND query LIKE '%UPDATE slot SET booked%'"
                    )
                ).scalar()
            if waiting:
                break
            time.sleep(0.05)
        assert waiting, "the booking never waited for the slot's row"
        holder.execute(
            Closure.__table__.insert().values(
                post_id=post_id,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                reason={"en": "Emergency"},
                cancelled_count=0,
            )
        )
        holder.commit()
        booker.join(timeout=30)
    finally:
        holder.close()
    assert answer == [(409, "post_closed")]
    assert slot_counts(app, slot.id)[0] == 0
