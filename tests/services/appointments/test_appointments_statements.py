"""A successful booking's statements, and what merging them must keep: the stored answer
goes back with a booking refused at the seat, the confirmation's pushes are written for an
account with devices, the cap still refuses twin bookings."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.services.appointments.appointment_support import START, URL, book, slot_counts
from tests.services.appointments.test_appointments_concurrency import (  # noqa: F401
    booking,
    race,
    server,  # the fixture: a threaded server on 127.0.0.1
)
from tests.statements import statements_of

ROUND_TRIPS = 3
TOKENS = ["fcm-token-" + letter * 40 for letter in "abc"]


@pytest.mark.postgres
def test_a_successful_booking_is_at_most_six_statements(app, client, desk):
    """The session's account, the key's claim, the rules (the account locked), the rows
    (appointment, inbox item, deliveries, the account's count), the seat with the stored
    answer, the closure re-check. Release day's early refusal reads once more, outside any transaction,
    before the app (``services.appointments.refusals``, the edge's own)."""
    from services.appointments import refusals

    headers = {**desk.headers, "Idempotency-Key": "count-me"}
    with statements_of(app) as seen:
        booked = book(client, desk, headers=headers)
    assert booked.status_code == 201, booked.get_json()
    edge = [sql for sql in seen if sql == str(refusals._WITH_KEY)]
    booking = [sql for sql in seen if sql != str(refusals._WITH_KEY)]
    assert len(edge) == 1, seen
    assert len(booking) <= 6, "\n\n".join(booking)


def _round_trips(trace: str) -> int:
    """How many times the client waited for the server in a libpq trace: each run of
    messages it sent (F) followed by the server's answer (B)."""
    waits, sending = 0, False
    for line in trace.splitlines():
        fields = line.split("\t")
        if "F" in fields[:2]:
            sending = True
        elif "B" in fields[:2] and sending:
            waits, sending = waits + 1, False
    return waits


@contextmanager
def traced_pool(app, tmp_path):
    """The libpq trace of every pooled connection checked out while the block runs (the
    request's session, its BEGIN and COMMIT included); ``traces`` gets their texts."""
    from sqlalchemy import event

    from services.core.db import db

    traces: list[str] = []
    files: dict[int, Any] = {}

    def checkout(dbapi_connection, _record, _proxy):
        out = (tmp_path / f"libpq-{len(traces)}-{len(files)}.trace").open("w")
        files[id(dbapi_connection)] = out
        dbapi_connection.pgconn.trace(out.fileno())

    def checkin(dbapi_connection, _record):
        out = files.pop(id(dbapi_connection), None)
        if out is not None:
            dbapi_connection.pgconn.untrace()
            out.close()
            traces.append(open(out.name).read())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    try:
        yield traces
    finally:
        event.remove(engine, "checkout", checkout)
        event.remove(engine, "checkin", checkin)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "keyed, emailed",
    [(True, False), (False, False), (True, True)],
    ids=["with a key", "without", "with a key and the e-mail"],
)
def test_a_successful_booking_takes_few_round_trips(
    app, client, desk, tmp_path, mailbox, keyed, emailed
):
    """The booking's transaction, counted on the wire (libpq's trace of the request's
    pooled connection), BEGIN and COMMIT included: BEGIN with the key's claim and the rules
    (one round trip), the rows with the seat, the stored answer and the closure's re-check
    (one), COMMIT. Outside it, each one round trip on a kept connection: the edge's check
    of the seats left and the session's account (``accounts.account_of_session``). An
    account that asked for booking e-mails gets its outbox row in the second."""
    if emailed:
        settings = {"email_kinds": ["booking_confirmation"]}
        client.patch("/api/v1/notification-settings", json=settings, headers=desk.headers)
    headers = {**desk.headers, **({"Idempotency-Key": "trip"} if keyed else {})}
    with traced_pool(app, tmp_path) as traces:
        booked = book(client, desk, headers=headers)
    assert booked.status_code == 201, booked.get_json()
    # The request's connection (the e-mail's send, after the commit, takes others).
    (booking,) = [trace for trace in traces if "INSERT INTO appointment" in trace]
    assert _round_trips(booking) <= ROUND_TRIPS, booking
    assert ("INSERT INTO outgoing_email" in booking) == emailed
    if emailed:  # and it leaves once committed
        assert mailbox.last_to(desk.citizen.email).subject.startswith("Appointment booked")


def test_the_answer_is_the_appointment_as_read_back(app, client, desk):
    """The booked appointment the view serialises (built from the values the rows'
    statement bound, on PostgreSQL) says what the database holds, byte for byte."""
    headers = {**desk.headers, "Idempotency-Key": "read-back", "Accept-Language": "vi"}
    booked = book(client, desk, headers=headers)
    assert booked.status_code == 201, booked.get_json()
    read = client.get(f"{URL}/{booked.get_json()['id']}", headers=headers)
    assert read.get_data() == booked.get_data()
    replayed = book(client, desk, headers=headers)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.get_data() == booked.get_data()
    assert replayed.headers.get("Location") == booked.headers.get("Location")


def test_the_stored_answer_goes_back_with_a_booking_refused_at_the_seat(
    app, client, desk, monkeypatch
):
    """The seat is taken last, in one statement with the key's stored answer: a slot
    filled meanwhile (behind the rules' read) refuses the booking, and nothing of it stays,
    neither the appointment, nor its inbox item, nor the answer (the key may be retried)."""
    from sqlalchemy import func, update

    from services.appointments import appointments
    from services.core.db import db
    from services.models import Appointment, IdempotencyRecord, Notification, Slot

    read = appointments._booking_facts

    def slot_fills(*args, **kwargs):
        facts = read(*args, **kwargs)
        db.session.execute(  # behind the ORM's back, as other bookings that committed would
            update(Slot)
            .where(Slot.id == desk.slot_id)
            .values(booked=Slot.capacity)
            .execution_options(synchronize_session=False)
        )
        return facts

    monkeypatch.setattr(appointments, "_booking_facts", slot_fills)
    headers = {**desk.headers, "Idempotency-Key": "seat-gone"}
    refused = book(client, desk, headers=headers)
    assert refused.status_code == 409, refused.get_json()
    assert refused.get_json()["error"] == "slot_full"
    with app.app_context():
        assert db.session.scalar(select(IdempotencyRecord).filter_by(key="seat-gone")) is None
        for model in (Appointment, Notification):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0
    assert slot_counts(app, desk.slot_id) == (0, 2, 0)

    monkeypatch.setattr(appointments, "_booking_facts", read)
    again = book(client, desk, headers=headers)  # the same key: a booking, not a replay
    assert again.status_code == 201, again.get_json()
    assert "Idempotent-Replayed" not in again.headers
    assert slot_counts(app, desk.slot_id) == (1, 2, 1)


def _devices(app, citizen, *, disabled: int | None = None, settings=None) -> list[int]:
    from services.core.db import db
    from services.models import Device, NotificationSettings
    from services.models.types import utcnow
    from services.notifications.notifications import register_device

    with app.app_context():
        account = db.session.get(type(citizen), citizen.id)
        ids = [
            register_device(
                account, token=token, platform="android", locale="en", app_version=None
            )[0].id
            for token in TOKENS
        ]
        if disabled is not None:
            db.session.get(Device, ids[disabled]).disabled_at = utcnow()
        if settings:
            db.session.add(NotificationSettings(account_id=citizen.id, **settings))
        db.session.commit()
        return ids


def _sender(app):
    from services.core.integrations import push_sender

    with app.app_context():
        sender = push_sender()
        sender.clear()
        return sender


def _confirmation(app, account_id: int):
    from services.core.db import db
    from services.models import Delivery, Notification

    with app.app_context():
        item = db.session.scalar(select(Notification).filter_by(account_id=account_id))
        deliveries = db.session.scalars(
            select(Delivery).filter_by(notification_id=item.id).order_by(Delivery.id)
        ).all()
        return item, [(d.device_id, d.status, d.next_attempt_at) for d in deliveries]


def test_the_confirmation_is_pushed_to_each_active_device(app, client, desk):
    ids = _devices(app, desk.citizen, disabled=1)
    sender = _sender(app)
    booked = book(client, desk, headers={**desk.headers, "Idempotency-Key": "pushed"})
    assert booked.status_code == 201, booked.get_json()
    item, deliveries = _confirmation(app, desk.citizen.id)
    assert item.template == "appointment_booked"
    assert item.data == {"appointment_id": booked.get_json()["id"], "type": "appointment_booked"}
    # One delivery per active device, pushed once the booking committed.
    assert [(device, status) for device, status, _ in deliveries] == [
        (ids[0], "sent"),
        (ids[2], "sent"),
    ]
    assert len(sender.sent) == 2
    assert {m.message.data["appointment_id"] for m in sender.sent} == {
        str(item.data["appointment_id"])
    }


def test_quiet_hours_defer_the_confirmations_pushes_and_a_mute_drops_them(app, client, make, desk):
    from services.core.db import db
    from services.models import NotificationSettings

    # The account's zone is UTC (the default); START is 08:00 UTC: quiet until 09:00.
    quiet = {"quiet_start": time(7), "quiet_end": time(9)}
    ids = _devices(app, desk.citizen, settings=quiet)
    sender = _sender(app)
    assert book(client, desk).status_code == 201
    _item, deliveries = _confirmation(app, desk.citizen.id)
    assert [(device, status) for device, status, _ in deliveries] == [
        (ids[0], "pending"),
        (ids[1], "pending"),
        (ids[2], "pending"),
    ]
    assert {due for _, _, due in deliveries} == {START + timedelta(hours=1)}
    assert sender.sent == []

    muted = make.citizen()
    with app.app_context():
        db.session.add(NotificationSettings(account_id=muted.id, muted_kinds=["status_change"]))
        db.session.commit()
    headers = make.auth(muted)
    booked = book(client, desk, headers=headers, applicant_id=make.applicant(muted).id)
    assert booked.status_code == 201, booked.get_json()
    item, deliveries = _confirmation(app, muted.id)
    assert item.template == "appointment_booked" and deliveries == []


@pytest.mark.postgres
def test_the_cap_still_refuses_twin_bookings(app, make, desk, server, monkeypatch):  # noqa: F811
    """Ten bookings of one account for ten applicants at once, the cap at three: three are
    booked, seven refused. The count of the account's appointments is read after its lock,
    so each booking counts the ones committed before it."""
    monkeypatch.setitem(app.config, "RATELIMIT_BOOKING_PER_ACCOUNT", "10000/minute")
    monkeypatch.setitem(app.config, "APPOINTMENTS_MAX_ACTIVE_PER_ACCOUNT", 3)
    slot = make.slot(desk.post, desk.service, desk.slot_start + timedelta(hours=2), capacity=20)
    applicants = [make.applicant(desk.citizen).id for _ in range(10)]
    results = race([booking(server, desk, slot.id, desk.headers, a) for a in applicants])
    assert Counter(results) == {(201, None): 3, (409, "appointment_limit_reached"): 7}
    assert slot_counts(app, slot.id) == (3, 20, 3)


@pytest.mark.postgres
def test_a_workers_warm_up_sends_the_bookings_statements_and_writes_nothing(app, desk):
    """``api.warm`` runs the booking's statements once per connection: the rules' read,
    the seat with a stored answer, the closure re-check (not the rows' insert, which
    cannot run without writing); none of them leaves a row or takes a seat."""
    from sqlalchemy import func

    from services.appointments.appointments import warm_statements
    from services.core.db import db, open_connections
    from services.models import Appointment, Delivery, IdempotencyRecord, Notification

    with app.app_context(), statements_of(app) as seen:
        assert open_connections(1, each=warm_statements) == 1
        sent = "\n".join(seen)
        assert "FOR UPDATE OF account" in sent and "INSERT" not in sent
        assert "UPDATE slot" in sent and "UPDATE idempotency_record" in sent
        assert "FROM closure" in sent
        for model in (Appointment, Notification, Delivery, IdempotencyRecord):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0
    assert slot_counts(app, desk.slot_id) == (0, 2, 0)


@pytest.mark.postgres
def test_a_keyed_booking_moves_the_availability_version(app, client, desk):
    """The seat and the stored answer go as one SELECT whose CTEs write: the availability
    cache's version still moves when it commits (else this worker serves a stale count)."""
    import uuid

    from services.appointments import availability_version

    before = availability_version.current()
    keyed = {**desk.headers, "Idempotency-Key": str(uuid.uuid4())}
    assert book(client, desk, headers=keyed).status_code == 201
    assert availability_version.current() != before


@pytest.mark.postgres
def test_a_device_deleted_during_the_booking_is_skipped_not_a_500(app, client, desk, database_url):
    """A device deleted (uncommitted) when the booking writes its deliveries: the booking
    waits for that delete, then books without a delivery to it."""
    import threading

    import psycopg

    ids = _devices(app, desk.citizen, disabled=1)
    other = psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql"))
    other.execute("DELETE FROM device WHERE id = %s", (ids[0],))  # held, not committed
    threading.Timer(0.3, other.commit).start()
    try:
        booked = book(client, desk, headers={**desk.headers, "Idempotency-Key": "deleted"})
    finally:
        other.close()
    assert booked.status_code == 201, booked.get_json()
    _item, deliveries = _confirmation(app, desk.citizen.id)
    assert [device for device, _status, _at in deliveries] == [ids[2]]


@pytest.mark.postgres
def test_the_claim_still_speaks_first_when_the_view_refuses_before_its_statement(app, client, desk):
    """The booking's claim waits for the rules' statement; a body the view refuses before
    it still meets the key's record first (as when the claim was sent alone): a reused key
    is 422 ``idempotency_key_reused``, not the body's error; a replay still replays."""
    headers = {**desk.headers, "Idempotency-Key": "first-word"}
    booked = book(client, desk, headers=headers)
    assert booked.status_code == 201, booked.get_json()
    reused = client.post(URL, json={"applicant_id": "x"}, headers=headers)
    assert reused.status_code == 422, reused.get_json()
    assert reused.get_json()["error"] == "idempotency_key_reused"
    replayed = book(client, desk, headers=headers)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.get_data() == booked.get_data()


@pytest.mark.postgres
def test_a_queued_statement_outlives_a_savepoint_but_not_its_session(app):
    """A savepoint rolled back keeps the transaction's queued statements; a session closed
    forgets them (its next transaction does not send them)."""
    from sqlalchemy import literal

    from services.core.db import db, send_with_next, session_row

    seen: list = []
    with app.app_context():
        send_with_next(select(literal(1)), {}, check=seen.append)
        db.session.begin_nested().rollback()
        assert session_row(select(literal(2)), {}) == (2,)
        assert seen == [(1,)]
        send_with_next(select(literal(3)), {}, check=seen.append)
        db.session.close()
        assert session_row(select(literal(4)), {}) == (4,)
        db.session.rollback()
    assert seen == [(1,)]
