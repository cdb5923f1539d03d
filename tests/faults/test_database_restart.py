"""PostgreSQL restarted under load: the app recovers by itself (pool pre-ping), answers
clean 503s meanwhile, and a client retrying with its Idempotency-Key creates each record
exactly once: nothing lost, nothing doubled.

Two restarts under load (applicants; appointments on a few small slots, where the seat
counters must also stay exact), and deterministic tests of what a restart does to one
request: the connection lost in the request's first query (a 503, never a 500, and the rate
limiter does not mistake it for an outage of its own storage), and a commit whose answer is
lost (the retry replays it instead of booking twice)."""

from __future__ import annotations

import threading
import time
from contextlib import suppress
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from bench.servers import postgres, restart_postgres
from tests.factories import PASSWORD
from tests.services.appointments.appointment_support import slot_counts
from tests.serving import served


def _letters(number: int) -> str:
    """0 -> A, 25 -> Z, 26 -> BA: names must be Latin letters."""
    text = ""
    while True:
        number, digit = divmod(number, 26)
        text = chr(65 + digit) + text
        if number == 0:
            return text


@pytest.fixture
def own_database(app):
    """An app on a PostgreSQL cluster of this test's own, so that it can be restarted."""
    from flask_migrate import upgrade

    from api import create_app
    from api.extensions import limiter

    with postgres(force_new=True) as url:
        restarted = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
        with restarted.app_context():
            upgrade()
        yield restarted
        limiter.init_app(app)  # the limiter is shared: give it back to the suite's app


@pytest.mark.postgres
def test_a_restart_under_load_loses_and_doubles_nothing(own_database):
    from services.accounts import accounts
    from services.core.db import db
    from services.models import Applicant

    app = own_database
    with app.app_context():
        accounts.register_citizen(email="load@example.org", phone=None, password=PASSWORD)
    client = app.test_client()
    token = client.post(
        "/api/v1/auth/login", json={"email": "load@example.org", "password": PASSWORD}
    ).get_json()["access_token"]

    created: set[str] = set()
    statuses: list[int] = []
    finished: list[float] = []
    stop = threading.Event()

    def writer(worker: int) -> None:
        n = 0
        local = app.test_client()
        while not stop.is_set():
            key = f"w{worker}-{n}"
            body = {
                "relationship": "child",
                "surname_latin": "Load",
                "given_names_latin": f"Child {_letters(worker)} {_letters(n)}",
                "date_of_birth": "2015-01-01",
                "sex": "F",
                "nationality": "FR",
            }
            for _attempt in range(100):  # retry the same logical request until it lands
                response = local.post(
                    "/api/v1/applicants",
                    json=body,
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                )
                statuses.append(response.status_code)
                if response.status_code == 201:
                    finished.append(time.monotonic())
                if response.status_code == 201:
                    created.add(key)
                    break
                time.sleep(0.05)
            n += 1

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    restart_postgres(app.config["SQLALCHEMY_DATABASE_URI"])
    restarted_at = time.monotonic()
    time.sleep(2.0)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)

    assert 500 not in statuses
    assert set(statuses) <= {201, 401, 503}
    # It recovered by itself: writes succeed again after the restart.
    assert any(t > restarted_at for t in finished)
    with app.app_context():
        with suppress(Exception):
            db.session.execute(text("SELECT 1"))
        rows = db.session.scalar(select(func.count()).select_from(Applicant))
        distinct = db.session.scalar(select(func.count(func.distinct(Applicant.given_names_latin))))
    assert rows == distinct == len(created)
    assert len(created) > 10


# --- appointments: seats under a restart -------------------------------------------------
SLOTS, CAPACITY = 3, 10  # 30 seats ...
CITIZENS, APPLICANTS_EACH = 15, 3  # ... for 45 applicants: demand exceeds supply
WORKERS = 6
RESTART_AFTER = 6  # bookings made before the restart is triggered (seats must remain)


@pytest.fixture
def booking_server(own_database, monkeypatch):
    """The restartable app served over real HTTP (threaded), with a frozen booking clock and
    the per-IP limits lifted (every client comes from 127.0.0.1)."""
    from services.core import clock
    from tests.services.appointments.appointment_support import START, Clock

    monkeypatch.setattr(clock, "now", Clock(START))
    app = own_database
    app.config.update(
        RATELIMIT_LOGIN_PER_IP="10000/minute",
        RATELIMIT_BOOKING_PER_IP="10000/minute",
        RATELIMIT_BOOKING_PER_ACCOUNT="10000/minute",
    )
    with served(app) as url:
        yield app, url


@pytest.mark.postgres
def test_a_restart_while_clients_book_neither_oversells_nor_doubles(booking_server):
    import requests

    from services.core.db import db
    from services.models import Appointment, Slot
    from tests.factories import Factories
    from tests.services.appointments.appointment_support import START

    app, base = booking_server
    make = Factories(app, app.test_client())
    post = make.post()
    service = make.service_type()
    make.fee(post.code, service.code, "42.50")
    slot_ids = [
        make.slot(post.code, service.code, START + timedelta(days=2, hours=h), capacity=CAPACITY).id
        for h in range(1, SLOTS + 1)
    ]
    # (headers, applicant id) for every applicant; three per citizen (the default cap).
    people: list[tuple[dict[str, str], int]] = []
    for _ in range(CITIZENS):
        citizen = make.citizen()
        headers = make.auth(citizen)
        people += [(headers, make.applicant(citizen).id) for _ in range(APPLICANTS_EACH)]

    lock = threading.Lock()
    statuses: list[int] = []
    bad: list[tuple[int, object]] = []  # any answer outside the contract, with its body
    booked: dict[int, dict] = {}  # applicant id -> the 201 body (first answer or replay)
    fresh_after_outage = 0  # 201s that are not replays, once a 503 showed the outage
    outage_seen = threading.Event()
    deadline = time.monotonic() + 120

    def attempt(session, headers, applicant_id: int, slot_id: int) -> tuple[int, dict]:
        """One logical booking: the same key until an answer that is not 503/no answer."""
        nonlocal fresh_after_outage
        key = f"book-{applicant_id}-{slot_id}"
        body = {
            "applicant_id": applicant_id,
            "post": post.code,
            "service": service.code,
            "slot_id": slot_id,
        }
        while time.monotonic() < deadline:
            try:
                response = session.post(
                    f"{base}/api/v1/appointments",
                    json=body,
                    headers={**headers, "Idempotency-Key": key},
                    timeout=30,
                )
            except requests.ConnectionError:
                time.sleep(0.05)
                continue
            payload = response.json()
            with lock:
                statuses.append(response.status_code)
                if response.status_code == 503 and (
                    payload.get("error") != "service_unavailable"
                    or not response.headers.get("Retry-After")
                ):
                    bad.append((503, payload))
                if response.status_code == 503:
                    outage_seen.set()
                elif (
                    response.status_code == 201
                    and outage_seen.is_set()
                    and response.headers.get("Idempotent-Replayed") != "true"
                ):
                    # Counted from the first 503, not from when pg_ctl returns: it polls
                    # for readiness, and clients may book in between.
                    fresh_after_outage += 1
            if response.status_code != 503:
                return response.status_code, payload
            time.sleep(0.05)
        raise AssertionError(f"booking {key} never got an answer other than 503")

    def client(mine: list[tuple[dict[str, str], int]]) -> None:
        with requests.Session() as session:
            session.trust_env = False
            for index, (headers, applicant_id) in enumerate(mine):
                # Each applicant tries the slots in its own order, moving on when one is full.
                start = index % SLOTS
                for slot_id in slot_ids[start:] + slot_ids[:start]:
                    status, payload = attempt(session, headers, applicant_id, slot_id)
                    if status == 201:
                        with lock:
                            if applicant_id in booked:
                                bad.append((201, ("second booking", payload)))
                            booked[applicant_id] = payload
                        break
                    if (status, payload.get("error")) != (409, "slot_full"):
                        with lock:
                            bad.append((status, payload))
                        break

    threads = [threading.Thread(target=client, args=(people[i::WORKERS],)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    while len(booked) < RESTART_AFTER and time.monotonic() < deadline:
        time.sleep(0.005)
    restart_postgres(app.config["SQLALCHEMY_DATABASE_URI"])
    for thread in threads:
        thread.join(timeout=150)
    assert not any(thread.is_alive() for thread in threads)

    # Only the contract's answers: 201, 409 slot_full, clean 503s meanwhile; never a 500.
    assert bad == []
    assert 500 not in statuses
    assert set(statuses) <= {201, 409, 503}
    # The test really spanned the outage, and the app recovered by itself.
    assert 503 in statuses
    assert fresh_after_outage > 0

    with app.app_context():
        with suppress(Exception):  # the session's pooled connection may predate the restart
            db.session.execute(text("SELECT 1"))
        db.session.rollback()
        rows = db.session.execute(
            select(
                Appointment.id, Appointment.applicant_id, Appointment.slot_id, Appointment.status
            )
        ).all()
        slots = {s.id: (s.booked, s.capacity) for s in db.session.scalars(select(Slot)).all()}
    # Every 201 is exactly one row, the one it described; no row without its 201.
    assert sorted((r.id, r.applicant_id, r.slot_id) for r in rows) == sorted(
        (b["id"], applicant_id, b["slot_id"]) for applicant_id, b in booked.items()
    )
    assert {r.status for r in rows} == {"booked"}
    # No applicant twice, no slot oversold, no seat leaked: demand exceeded supply, so every
    # seat is sold exactly once and each slot's counter equals the appointments it holds.
    assert len({r.applicant_id for r in rows}) == len(rows)
    for slot_id in slot_ids:
        holding = sum(1 for r in rows if r.slot_id == slot_id)
        assert slots[slot_id] == (holding, CAPACITY), slot_id
    assert len(rows) == SLOTS * CAPACITY


def test_a_connection_lost_while_the_rate_limiter_reads_the_token_is_a_503(
    app, client, desk, monkeypatch
):
    """Deterministic twin of the restart above: the database connection dies during the
    first query of a booking request (the token's session check), leaving the transaction
    invalid, exactly as a restart does. The answer must be the clean 503, not a 500, and
    the rate limiter must not take the database error for an outage of its own storage."""
    from sqlalchemy.exc import OperationalError

    from api.extensions import limiter
    from services.accounts import accounts
    from services.core.db import db
    from tests.services.appointments.appointment_support import book

    real = accounts.account_of_session
    lost = []

    def connection_lost(session_id, account_id):
        if not lost:
            lost.append(session_id)
            db.session.connection().invalidate()  # the server went away mid-transaction
            raise OperationalError("SELECT account JOIN login_session", {}, ConnectionError())
        return real(session_id, account_id)

    monkeypatch.setattr(accounts, "account_of_session", connection_lost)
    try:
        response = book(client, desk, headers={**desk.headers, "Idempotency-Key": "lost-1"})
        assert lost, "the session check never ran"
        assert response.status_code == 503, response.get_json()
        assert response.get_json()["error"] == "service_unavailable"
        assert response.headers["Retry-After"]
        assert limiter._storage_dead is False
        # The retry with the same key books the seat, once.
        retry = book(client, desk, headers={**desk.headers, "Idempotency-Key": "lost-1"})
        assert retry.status_code == 201, retry.get_json()
        assert slot_counts(app, desk.slot_id) == (1, 2, 1)
    finally:
        limiter._storage_dead = False  # never leave the suite's limiter on its fallback


def test_a_bad_token_does_not_put_the_rate_limiter_on_its_fallback(app, client, desk):
    """The same key function used to raise on an expired or malformed token: still a 401,
    but Flask-Limiter had switched the whole process to its in-memory fallback storage (with
    Redis: per-process limits until its next health check)."""
    from datetime import timedelta

    from flask_jwt_extended import create_access_token

    from api.extensions import limiter
    from tests.services.appointments.appointment_support import book

    with app.app_context():
        expired = create_access_token(
            identity=str(desk.citizen.id), expires_delta=timedelta(seconds=-10)
        )
    try:
        for token, error in (("not-a-token", "token_invalid"), (expired, "token_expired")):
            response = book(client, desk, headers={"Authorization": f"Bearer {token}"})
            assert (response.status_code, response.get_json()["error"]) == (401, error)
            assert limiter._storage_dead is False
        assert slot_counts(app, desk.slot_id) == (0, 2, 0)
    finally:
        limiter._storage_dead = False


def test_a_booking_committed_but_answered_503_is_replayed_not_doubled(
    app, client, desk, monkeypatch
):
    """The ambiguous case of a restart: the commit reached the database, the answer did
    not (the connection broke right after). The client sees a 503 and retries with its
    key: it must get the appointment that exists, and the seat must be taken once."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    from tests.services.appointments.appointment_support import book

    real_commit = Session.commit
    broken = []

    def commit_then_lose_the_answer(self):
        real_commit(self)
        if not broken:
            broken.append(True)
            raise OperationalError("COMMIT", {}, ConnectionError("connection lost"))

    monkeypatch.setattr(Session, "commit", commit_then_lose_the_answer)
    headers = {**desk.headers, "Idempotency-Key": "ambiguous-1"}
    first = book(client, desk, headers=headers)
    assert broken and first.status_code == 503, first.get_json()
    assert first.get_json()["error"] == "service_unavailable"
    assert slot_counts(app, desk.slot_id) == (1, 2, 1)  # it did commit

    retry = book(client, desk, headers=headers)
    assert retry.status_code == 201, retry.get_json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    listed = client.get("/api/v1/appointments", headers=desk.headers).get_json()
    assert [a["id"] for a in listed] == [retry.get_json()["id"]]
    assert slot_counts(app, desk.slot_id) == (1, 2, 1)
