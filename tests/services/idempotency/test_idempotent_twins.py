"""Twins: the same POST sent several times at once with one ``Idempotency-Key`` (a double
tap, a retry after a timeout, a second device). Every copy gets the first request's answer,
or a 409 ``idempotency_in_progress`` whose retry is that answer; none gets a domain error
its twin caused (``duplicate_appointment``, ``slot_full``), and the effect happens once.

Over real HTTP (a threaded server on 127.0.0.1, clients released together by a barrier), on
SQLite and on PostgreSQL, for each kind of idempotent create (booking, reschedule,
applicant, upload request, trip, an officer's alert draft; refunds, which keep the key on
the refund row; payments are idempotent per application, tests/services/payments); plus
the body compared as a JSON value, and the bounded wait for a twin that holds the key.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from threading import Barrier, Thread, Timer

import pytest
import requests
from sqlalchemy import Connection, func, select, text

from services.core.db import db
from tests.services.appointments.appointment_support import slot_counts
from tests.serving import served

TWINS = 20


@pytest.fixture
def server(app, monkeypatch) -> Iterator[str]:
    # Every twin counts toward the seat budgets: lift them for these tests only.
    monkeypatch.setitem(app.config, "RATELIMIT_BOOKING_PER_IP", "10000/minute")
    monkeypatch.setitem(app.config, "RATELIMIT_BOOKING_PER_ACCOUNT", "10000/minute")
    with served(app) as url:
        yield url


@dataclass
class Answer:
    status: int
    body: dict
    replayed: bool
    retry_after: str | None


def _send(session: requests.Session, url: str, body: dict, headers: dict) -> Answer:
    response = session.post(url, json=body, headers=headers, timeout=60)
    return Answer(
        response.status_code,
        response.json(),
        response.headers.get("Idempotent-Replayed") == "true",
        response.headers.get("Retry-After"),
    )


def twins(url: str, body: dict, headers: dict, count: int = TWINS) -> list[Answer]:
    """Send ``count`` copies at once; each copy answered 409 idempotency_in_progress is
    retried (as Retry-After says) until it gets something else. The final answers."""
    barrier = Barrier(count)
    results: list[Answer | None] = [None] * count

    def run(index: int) -> None:
        with requests.Session() as session:
            session.trust_env = False
            barrier.wait(timeout=30)
            answer = _send(session, url, body, headers)
            for _ in range(60):
                if answer.status != 409 or answer.body["error"] != "idempotency_in_progress":
                    break
                assert answer.retry_after is not None
                time.sleep(0.2)
                answer = _send(session, url, body, headers)
            results[index] = answer

    threads = [Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(result is not None for result in results), "a client thread did not finish"
    return results  # type: ignore[return-value]


def assert_one_answer(answers: list[Answer], status: int) -> dict:
    """Every twin got the same successful answer; exactly one was not a replay."""
    assert {(a.status, json.dumps(a.body, sort_keys=True)) for a in answers} == {
        (status, json.dumps(answers[0].body, sort_keys=True))
    }, [(a.status, a.body) for a in answers]
    assert sum(not a.replayed for a in answers) == 1
    return answers[0].body


def count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


# --- each kind of idempotent create ------------------------------------------------------
def test_twin_bookings_get_the_one_appointment(app, desk, server):
    from services.models import Appointment

    headers = {**desk.headers, "Idempotency-Key": "book-twins"}
    body = {
        "applicant_id": desk.applicant_id,
        "post": desk.post,
        "service": desk.service,
        "slot_id": desk.slot_id,
    }
    booked = assert_one_answer(twins(f"{server}/api/v1/appointments", body, headers), 201)
    assert count(app, Appointment) == 1
    assert booked["slot_id"] == desk.slot_id
    assert slot_counts(app, desk.slot_id) == (1, 2, 1)


def test_twin_reschedules_move_the_appointment_once(app, client, make, desk, server):
    from tests.services.appointments.appointment_support import book

    booked = book(client, desk)
    assert booked.status_code == 201, booked.get_json()
    target = make.slot(desk.post, desk.service, desk.slot_start + timedelta(hours=4), capacity=1)
    url = f"{server}/api/v1/appointments/{booked.get_json()['id']}/reschedule"
    headers = {**desk.headers, "Idempotency-Key": "move-twins"}
    moved = assert_one_answer(twins(url, {"slot_id": target.id}, headers), 200)
    assert moved["slot_id"] == target.id
    assert slot_counts(app, target.id) == (1, 1, 1)
    assert slot_counts(app, desk.slot_id) == (0, 2, 0)


def test_twin_applicants_are_created_once(app, make, server):
    from services.models import Applicant

    citizen = make.citizen()
    headers = {**make.auth(citizen), "Idempotency-Key": "applicant-twins"}
    created = assert_one_answer(
        twins(f"{server}/api/v1/applicants", make.applicant_payload(), headers), 201
    )
    assert count(app, Applicant, account_id=citizen.id) == 1
    assert created["id"] > 0


def test_twin_upload_requests_prepare_one_document(app, make, server):
    from services.models import Document

    citizen = make.citizen()
    applicant = make.applicant(citizen)
    headers = {**make.auth(citizen), "Idempotency-Key": "upload-twins"}
    body = {"kind": "supporting", "content_type": "application/pdf", "size": 20_000}
    url = f"{server}/api/v1/applicants/{applicant.id}/documents"
    prepared = assert_one_answer(twins(url, body, headers), 201)
    assert count(app, Document) == 1
    assert prepared["upload"]["url"]


def test_twin_trips_register_one_trip(app, make, server):
    from services.models import Trip
    from tests.services.alerts.support import in_days

    citizen = make.citizen()
    headers = {**make.auth(citizen), "Idempotency-Key": "trip-twins"}
    body = {"country": "FR", "start_date": in_days(1), "end_date": in_days(9)}
    assert_one_answer(twins(f"{server}/api/v1/trips", body, headers), 201)
    assert count(app, Trip) == 1


def test_twin_alert_drafts_make_one_alert(app, make, server):
    """Staff creates use the same decorator: an officer's double tap drafts one alert."""
    from services.models import Alert
    from tests.services.alerts.support import STAFF, alert_payload

    officer = make.staff("officer", posts=[make.post(country="FR").code])
    headers = {**make.auth(officer), "Idempotency-Key": "alert-twins"}
    assert_one_answer(twins(f"{server}{STAFF}", alert_payload(), headers), 201)
    assert count(app, Alert) == 1


def test_twin_refunds_make_one_refund(app, client, make, server):
    """Refunds keep the officer's key on the refund row (the payment row is locked while it
    is looked up): every twin gets that refund, and the money moves once. A twin that finds
    the refund still pending resumes it with the refund's own gateway key (as a retry after
    an outage does), so Stripe may be asked more than once, always with that one key."""
    from services.models import PaymentRefund
    from tests.services.payments.payment_support import (
        deliver,
        fake_stripe,
        intent_event,
        owned_application,
        pay,
    )

    with fake_stripe(app) as fake:
        owned = owned_application(app, make, fee="60")
        payment = pay(client, owned).get_json()
        fake.set_intent_status(payment["intent_id"], "succeeded")
        deliver(client, intent_event(fake, "payment_intent.succeeded", payment["intent_id"]))
        headers = {**make.auth(owned.officer), "Idempotency-Key": "refund-twins"}
        url = f"{server}/api/v1/staff/payments/{payment['id']}/refunds"
        answers = twins(url, {"reason": "requested by the applicant", "amount": 2000}, headers)
        assert {a.status for a in answers} == {201}, [(a.status, a.body) for a in answers]
        assert len({a.body["id"] for a in answers}) == 1
        asked = fake.requests_to("POST", "/v1/refunds")
        assert len({request.headers["idempotency-key"] for request in asked}) == 1
        assert len(fake.refunds) == 1
    assert count(app, PaymentRefund) == 1


# --- the same body, however it is spelled ------------------------------------------------
def test_the_same_json_in_another_key_order_or_spacing_is_a_replay(app, client, make):
    from services.models import Applicant

    headers = {
        **make.auth(make.citizen()),
        "Idempotency-Key": "re-encoded-after-relaunch",
        "Content-Type": "application/json",
    }
    payload = make.applicant_payload()
    first = client.post("/api/v1/applicants", data=json.dumps(payload), headers=headers)
    assert first.status_code == 201, first.get_json()
    reordered = dict(reversed(list(payload.items())))
    respelled = json.dumps(reordered, indent=2, ensure_ascii=True)
    assert respelled != json.dumps(payload)
    again = client.post("/api/v1/applicants", data=respelled, headers=headers)
    assert again.status_code == 201, again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert count(app, Applicant) == 1

    # Another value under the same key is still another request.
    changed = client.post(
        "/api/v1/applicants",
        data=json.dumps({**payload, "given_names_latin": "Other"}),
        headers=headers,
    )
    assert changed.status_code == 422
    assert changed.get_json()["error"] == "idempotency_key_reused"


# --- a twin that holds the key longer than the wait (PostgreSQL) -------------------------
@contextmanager
def first_request_running(app, key: str) -> Iterator[Connection]:
    """Put the key back in the state of a first request still running: its committed
    record is removed, and an open transaction (yielded) writes it again without committing,
    as the first request's own transaction holds it until the end."""
    insert = text(
        "INSERT INTO idempotency_record (id, scope, key, method, path, request_hash,"
        " status_code, response_body, location, created_at) VALUES (:id, :scope, :key,"
        " :method, :path, :request_hash, :status_code, :response_body, :location, :created_at)"
    )
    with app.app_context():
        with db.engine.begin() as conn:
            row = dict(
                conn.execute(
                    text("SELECT * FROM idempotency_record WHERE key = :key"), {"key": key}
                )
                .mappings()
                .one()
            )
            conn.execute(text("DELETE FROM idempotency_record WHERE id = :id"), {"id": row["id"]})
        with db.engine.connect() as holder:
            holder.execute(insert, row)
            yield holder


@pytest.mark.postgres
def test_a_twin_holding_the_key_gives_409_in_progress_then_its_answer(
    app, client, make, monkeypatch
):
    """The first request is still running after the wait: the twin answers 409 with
    Retry-After, and once the first commits, the retry replays the first answer."""
    from services.models import Applicant

    monkeypatch.setitem(app.config, "IDEMPOTENCY_WAIT_SECONDS", 0.3)
    citizen = make.citizen()
    headers = {**make.auth(citizen), "Idempotency-Key": "slow-first"}
    payload = make.applicant_payload()
    first = client.post("/api/v1/applicants", json=payload, headers=headers)
    assert first.status_code == 201

    with first_request_running(app, "slow-first") as holder:
        started = time.monotonic()
        waiting = client.post("/api/v1/applicants", json=payload, headers=headers)
        waited = time.monotonic() - started
        holder.commit()
    assert waiting.status_code == 409, waiting.get_json()
    assert waiting.get_json()["error"] == "idempotency_in_progress"
    assert waiting.headers["Retry-After"] == "1"
    assert 0.3 <= waited < 5
    retried = client.post("/api/v1/applicants", json=payload, headers=headers)
    assert retried.status_code == 201
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.get_json() == first.get_json()
    assert count(app, Applicant, account_id=citizen.id) == 1


@pytest.mark.postgres
def test_a_twin_waits_for_the_first_to_commit_and_replays_it(app, client, make):
    """The first finishes within the wait: the twin gets its answer, not a 409."""
    from services.models import Applicant

    citizen = make.citizen()
    headers = {**make.auth(citizen), "Idempotency-Key": "quick-first"}
    payload = make.applicant_payload()
    first = client.post("/api/v1/applicants", json=payload, headers=headers)
    assert first.status_code == 201

    with first_request_running(app, "quick-first") as holder:
        committer = Timer(0.3, holder.commit)
        committer.start()
        twin = client.post("/api/v1/applicants", json=payload, headers=headers)
        committer.join()
    assert twin.status_code == 201, twin.get_json()
    assert twin.headers["Idempotent-Replayed"] == "true"
    assert twin.get_json() == first.get_json()
    assert count(app, Applicant, account_id=citizen.id) == 1


@pytest.mark.postgres
def test_the_claim_bounds_only_its_own_wait(app):
    """The claim lowers lock_timeout for its insert and puts the transaction's value back
    in the same statement: the view's own locks (the account, the seat) keep theirs."""
    from services.idempotency import records

    with app.app_context():
        db.session.execute(text("SET LOCAL lock_timeout = '7s'"))
        records.claim_key(
            scope="ip:192.0.2.1",
            key="bounded-wait",
            method="POST",
            path="/api/v1/applicants",
            request_hash="0" * 64,
            wait_seconds=0.25,
        )
        after = db.session.scalar(text("SHOW lock_timeout"))  # the claim goes first
        stored = db.session.scalar(
            text("SELECT status_code FROM idempotency_record WHERE key = 'bounded-wait'")
        )
        db.session.rollback()
    assert after == "7s"
    assert stored == records.IN_PROGRESS


# The booking sends its claim with its rules (``claim_with_first_statement``): the same two
# answers, raised from the rules' round trip rather than from a claim sent alone.
@pytest.mark.postgres
def test_a_booking_twin_holding_the_key_gives_409_in_progress_then_its_answer(
    app, client, desk, monkeypatch
):
    from tests.services.appointments.appointment_support import book

    monkeypatch.setitem(app.config, "IDEMPOTENCY_WAIT_SECONDS", 0.3)
    headers = {**desk.headers, "Idempotency-Key": "slow-booking"}
    first = book(client, desk, headers=headers)
    assert first.status_code == 201, first.get_json()
    with first_request_running(app, "slow-booking") as holder:
        started = time.monotonic()
        waiting = book(client, desk, headers=headers)
        waited = time.monotonic() - started
        holder.commit()
    assert waiting.status_code == 409, waiting.get_json()
    assert waiting.get_json()["error"] == "idempotency_in_progress"
    assert 0.3 <= waited < 5
    retried = book(client, desk, headers=headers)
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.get_data() == first.get_data()
    assert slot_counts(app, desk.slot_id)[0] == 1  # one seat taken, by the first


@pytest.mark.postgres
def test_a_booking_twin_waits_for_the_first_to_commit_and_replays_it(app, client, desk):
    from tests.services.appointments.appointment_support import book

    headers = {**desk.headers, "Idempotency-Key": "quick-booking"}
    first = book(client, desk, headers=headers)
    assert first.status_code == 201, first.get_json()
    with first_request_running(app, "quick-booking") as holder:
        committer = Timer(0.3, holder.commit)
        committer.start()
        twin = book(client, desk, headers=headers)
        committer.join()
    assert twin.status_code == 201, twin.get_json()
    assert twin.headers["Idempotent-Replayed"] == "true"
    assert twin.get_data() == first.get_data()
    assert slot_counts(app, desk.slot_id)[0] == 1
