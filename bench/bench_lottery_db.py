"""The database-backed allocation of ``bench_lottery.py --database``: rows in, rows out.

Setting up (not timed): the schema by the migrations, one post open 25 days with 40 slots of
5 seats, a release over them created by the service (so its seats are held back), then one
account and applicant per request and the requests themselves, in bulk inserts. Timed: the
allocation as the task runs it, and each of its steps.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select, text

POST = "BN-BEN"


def _clock(monkeypatch_target, when: datetime) -> None:
    monkeypatch_target.now = lambda: when


def run_database(url: str, requests, days, slots) -> None:
    from flask_migrate import upgrade

    from api import create_app
    from api.config import _normalise_db_url
    from services.core import clock
    from services.core.db import db
    from services.models import (
        Account,
        Applicant,
        Appointment,
        Notification,
        ReleaseRequest,
        Slot,
        WaitlistEntry,
    )
    from services.releases import allocation, windows
    from services.releases.rules import store_preferences

    app = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": _normalise_db_url(url),
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        started = time.perf_counter()
        from services.catalogue import catalogue

        now = datetime.combine(days[0] - timedelta(days=10), datetime.min.time(), tzinfo=UTC)
        _clock(clock, now)
        post = catalogue.create_post(
            None,
            {
                "code": POST,
                "kind": "embassy",
                "names": {"en": "Bench post"},
                "country": "FR",
                "city": "Paris",
                "time_zone": "Europe/Paris",
                "address": "1 rue du Banc",
                "currency": "EUR",
                "mobile_payment_enabled": True,
            },
        )
        service = catalogue.create_service_type(
            None,
            {
                "code": "bench_renewal",
                "names": {"en": "Renewal"},
                "materials": {"en": []},
                "processing_days": 10,
            },
        )
        catalogue.set_fee(None, POST, service.code, "42.50")
        db.session.execute(
            insert(Slot),
            [
                {
                    "post_id": post.id,
                    "service_type_id": service.id,
                    "starts_at": slot.starts_at.astimezone(UTC),
                    "ends_at": slot.starts_at.astimezone(UTC) + timedelta(minutes=15),
                    "capacity": slot.seats,
                    "booked": 0,
                    "held": 0,
                    "in_schedule": True,
                }
                for slot in slots
            ],
        )
        db.session.commit()
        admin = db.session.execute(
            insert(Account).returning(Account),
            [
                {
                    "email": "bench-admin@example.org",
                    "password_hash": "x",
                    "role": "admin",
                    "language": "en",
                }
            ],
        ).scalar_one()
        db.session.commit()
        from services.accounts.access import require_post_scope  # noqa: F401

        release = windows.create_release(
            admin,
            POST,
            {
                "service": service.code,
                "first_day": days[0],
                "last_day": days[-1],
                "opens_at": now + timedelta(hours=1),
                "closes_at": now + timedelta(days=2),
                "max_per_account": 2,
            },
        )
        count = len(requests)
        account_ids = db.session.scalars(
            insert(Account).returning(Account.id, sort_by_parameter_order=True),
            [
                {
                    "email": f"bench{n}@example.org",
                    "password_hash": "x",
                    "role": "citizen",
                    "language": ("en", "vi", "zh-Hans", "zh-Hant")[n % 4],
                }
                for n in range(count)
            ],
        ).all()
        applicant_ids = db.session.scalars(
            insert(Applicant).returning(Applicant.id, sort_by_parameter_order=True),
            [
                {
                    "account_id": account_id,
                    "relationship": "self",
                    "surname_latin": "Bench",
                    "given_names_latin": "Person",
                    "date_of_birth": datetime(1990, 1, 1).date(),
                    "sex": "X",
                    "nationality": "FR",
                    "passport_number": f"B{n:08d}",
                }
                for n, account_id in enumerate(account_ids)
            ],
        ).all()
        rows = []
        for n, request in enumerate(requests):
            preferences = [
                {
                    "day": p.day,
                    **({"from": p.band.start} if p.band else {}),
                    **({"until": p.band.end} if p.band and p.band.end else {}),
                }
                for p in request.preferences
            ]
            rows.append(
                {
                    "public_id": request.public_id[:16],
                    "release_id": release.id,
                    "account_id": account_ids[n],
                    "applicant_id": applicant_ids[n],
                    "person_key": f"{n:064x}",
                    "preferences": store_preferences(preferences),
                    "status": "live",
                    "created_at": now,
                    "updated_at": now,
                }
            )
        for i in range(0, count, 10_000):
            db.session.execute(insert(ReleaseRequest), rows[i : i + 10_000])
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"set-up (not timed): {time.perf_counter() - started:.1f} s")

        _clock(clock, now + timedelta(days=2, minutes=1))
        public = release.public_id
        steps = {}
        began = time.perf_counter()
        allocation.draw(public)
        steps["draw (read requests, lottery, store the order)"] = time.perf_counter() - began
        mark, batches = time.perf_counter(), 0
        while allocation.apply_next_batch(public):
            batches += 1
        steps[f"carry out ({batches} batches: appointments, waitlist, inbox)"] = (
            time.perf_counter() - mark
        )
        mark = time.perf_counter()
        allocation.finish(public)
        steps["finish (seats nobody used)"] = time.perf_counter() - mark
        total = time.perf_counter() - began
        mark = time.perf_counter()
        check = windows.check_release(public)
        checked = time.perf_counter() - mark

        counted = {
            name: db.session.scalar(select(func.count()).select_from(model))
            for name, model in (
                ("appointments", Appointment),
                ("waitlist", WaitlistEntry),
                ("inbox items", Notification),
            )
        }
        print(f"database: {db.engine.dialect.name}; {counted}; check ok: {check['ok']}")
        print("\n| step | s |\n|---|---:|")
        for name, seconds in steps.items():
            print(f"| {name} | {seconds:.2f} |")
        print(f"| **allocation, total** | **{total:.2f}** |")
        print(f"| public check (recompute from the database) | {checked:.2f} |")
