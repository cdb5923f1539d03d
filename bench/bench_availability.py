"""Availability and booking throughput of one busy post, against a bare Flask JSON endpoint.

Not a test: it prints a table. In-process (Flask test client, no network), sequential, so
the figures are per-request server cost. A later benchmark suite adds load over HTTP.

    python bench/bench_availability.py                     # embedded SQLite in a temp folder
    DATABASE_URL=postgresql+psycopg://... python bench/bench_availability.py   # an EMPTY database

The busy post opens Monday to Friday 08:00-17:00 in 10-minute slots with 6 counters for
two services (about 2,300 slots per service over 60 days), with a closure and a third of
the seats already taken.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from datetime import time as clock_time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask import Flask, jsonify  # noqa: E402

PASSWORD = "bench password 1"  # noqa: S105 (throw-away accounts in a temporary database)


def _timed(call, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _row(name: str, samples: list[float], baseline: float | None) -> str:
    mean = statistics.fmean(samples)
    p50 = statistics.median(samples)
    p95 = sorted(samples)[max(0, int(len(samples) * 0.95) - 1)]
    ratio = f"{mean / baseline:8.1f}x" if baseline else "     1.0x"
    return f"{name:<38} {len(samples):>5} {mean:>9.2f} {p50:>9.2f} {p95:>9.2f} {1000 / mean:>9.0f} {ratio}"


def _build_app(database_url: str):
    os.environ.setdefault("APP_ENV", "testing")
    from api import create_app

    app = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            "LOG_JSON": False,
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    return app


def _seed(app, services: int = 2) -> tuple[str, list[str]]:
    from sqlalchemy import select, update

    from services.accounts.accounts import create_staff
    from services.appointments import schedules
    from services.catalogue import catalogue
    from services.core.db import db
    from services.models import Slot

    with app.app_context():
        admin = create_staff(
            email="bench-admin@x.example", password=PASSWORD, role="admin", post_codes=[]
        )
        post = catalogue.create_post(
            admin,
            {
                "code": "FR-BENCH",
                "kind": "embassy",
                "names": {"en": "Bench post"},
                "country": "FR",
                "city": "Paris",
                "time_zone": "Europe/Paris",
                "address": "1 rue du Banc",
                "currency": "EUR",
            },
        )
        codes = []
        for n in range(services):
            code = f"bench_service_{n}"
            catalogue.create_service_type(
                admin,
                {"code": code, "names": {"en": code}, "materials": {}, "processing_days": 5},
            )
            catalogue.set_fee(admin, post.code, code, "42")
            codes.append(code)
        for weekday in range(5):
            schedules.create_template(
                admin,
                post.code,
                {
                    "weekday": weekday,
                    "opens_at": clock_time(8),
                    "closes_at": clock_time(17),
                    "slot_minutes": 10,
                    "capacity": 6,
                    "services": codes,
                },
            )
        ids = list(db.session.scalars(select(Slot.id).where(Slot.post_id == post.id)))
        for index, slot_id in enumerate(ids):
            if index % 3 == 0:
                db.session.execute(update(Slot).where(Slot.id == slot_id).values(booked=index % 7))
        db.session.commit()
        schedules.create_closure(
            admin,
            post.code,
            {"first_day": date.today() + timedelta(days=20), "reason": {"en": "Holiday"}},
        )
        return post.code, codes


def _bookers(app, post_code: str, service: str, count: int):
    """``count`` citizens with a token and an applicant, and one free slot id for each."""
    from sqlalchemy import select

    from services.accounts.accounts import register_citizen
    from services.accounts.applicants import create_applicant
    from services.core.db import db
    from services.models import ServiceType, Slot

    people = []
    with app.app_context():
        slots = list(
            db.session.scalars(
                select(Slot.id)
                .join(ServiceType, ServiceType.id == Slot.service_type_id)
                .where(
                    ServiceType.code == service,
                    Slot.booked == 0,
                    Slot.starts_at > _now() + timedelta(days=2),
                )
                .order_by(Slot.starts_at)
                .limit(count)
            )
        )
        for n in range(count):
            account = register_citizen(
                email=f"bench{n}@x.example", phone=None, password=PASSWORD, email_verified=True
            )
            applicant = create_applicant(
                account,
                {
                    "relationship": "self",
                    "surname_latin": "Bench",
                    "given_names_latin": "Mark",
                    "date_of_birth": date(1990, 1, 1),
                    "sex": "X",
                    "nationality": "FR",
                },
            )
            people.append((account.id, applicant.id, slots[n]))
    return people


def _now():
    from services.core import clock

    return clock.now()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="availability requests")
    parser.add_argument("--bookings", type=int, default=100, help="booking requests")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="palm-bench-")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
    app = _build_app(database_url)
    started = time.perf_counter()
    post_code, services = _seed(app)
    seeded = time.perf_counter() - started

    bare = Flask("bare")

    @bare.get("/ping")
    def ping():
        return jsonify({"ok": True, "items": []})

    bare_client = bare.test_client()
    client = app.test_client()
    today = _now().date()
    query = {
        "service": services[0],
        "from": today.isoformat(),
        "to": (today + timedelta(days=59)).isoformat(),
    }
    url = f"/api/v1/posts/{post_code}/availability"
    first = client.get(url, query_string=query)
    assert first.status_code == 200, first.get_json()
    slot_count = len(first.get_json()["slots"])

    baseline = _timed(lambda: bare_client.get("/ping"), args.repeat * 4)
    availability = _timed(lambda: client.get(url, query_string=query), args.repeat)
    etag = first.headers["ETag"]
    not_modified = _timed(
        lambda: client.get(url, query_string=query, headers={"If-None-Match": etag}), args.repeat
    )

    from services.accounts.accounts import log_in

    people = _bookers(app, post_code, services[1], args.bookings)
    with app.app_context():
        tokens = [
            log_in(email=f"bench{n}@x.example", phone=None, password=PASSWORD)
            for n in range(len(people))
        ]
    tokens = [pair.access_token for pair in tokens]
    queue = iter(zip(people, tokens, strict=True))

    def book_one():
        (_, applicant_id, slot_id), token = next(queue)
        response = client.post(
            "/api/v1/appointments",
            json={"applicant_id": applicant_id, "post": post_code, "service": services[1],
                  "slot_id": slot_id},
            headers={"Authorization": f"Bearer {token}"},
        )  # fmt: skip
        assert response.status_code in (201, 409), response.get_json()

    bookings = _timed(book_one, len(people))

    base = statistics.fmean(baseline)
    dialect = database_url.split(":", 1)[0]
    print(f"\ndatabase: {dialect}; seeded in {seeded:.1f}s; 60-day window: {slot_count} slots")
    print(
        f"{'request':<38} {'n':>5} {'mean ms':>9} {'p50 ms':>9} {'p95 ms':>9} {'req/s':>9} {'vs bare':>9}"
    )
    print(_row("bare Flask JSON endpoint", baseline, None))
    print(_row("availability, 60 days", availability, base))
    print(_row("availability, 60 days, 304 (ETag)", not_modified, base))
    print(_row("book (POST /appointments)", bookings, base))


if __name__ == "__main__":
    main()
