"""The benchmark scenarios. Each returns rows; ``render`` turns them into the table."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from datetime import date

from bench import wrk


@dataclass(frozen=True)
class Row:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    note: str = ""
    # The baseline's req/s measured in rounds interleaved with this scenario's (0: use the
    # run's own baseline row). The machine is shared: load from elsewhere that comes and
    # goes during a run then weighs on both sides of the ratio alike.
    baseline_rps: float = 0.0
    # The median of the rounds' own ratios (0: req/s over the baseline's): a burst of
    # outside load during one round moves one sample, not the figure.
    ratio: float = 0.0


def _row(
    name: str, result: wrk.Result, note: str = "", baseline_rps: float = 0.0, ratio: float = 0.0
) -> Row:
    return Row(
        name,
        result.requests_per_second,
        result.p50_ms,
        result.p99_ms,
        result.requests,
        result.non_2xx_3xx,
        note,
        baseline_rps,
        ratio,
    )


def paired(url: str, args, name: str, note: str = "", **request) -> Row:
    """``url`` measured in ``args.rounds`` rounds, each right after a round of the baseline
    (``args.baseline_url``), so that the ratio compares like with like in time; the ratio
    is the median of the rounds' ratios."""
    seconds = max(1, round(args.seconds / args.rounds))
    ours: list[wrk.Result] = []
    theirs: list[wrk.Result] = []
    for _ in range(args.rounds):
        theirs.append(wrk.run(args.baseline_url, seconds=seconds, connections=args.connections))
        ours.append(wrk.run(url, seconds=seconds, connections=args.connections, **request))
    ratios = [
        mine.requests_per_second / base.requests_per_second
        for mine, base in zip(ours, theirs, strict=True)
        if base.requests_per_second
    ]
    merged = wrk.merge(ours)
    if ratios:
        spread = f"rounds {min(ratios):.2f}-{max(ratios):.2f}"
        note = f"{note}; {spread}" if note else spread
    return _row(
        name,
        merged,
        note,
        wrk.merge(theirs).requests_per_second,
        statistics.median(ratios) if ratios else 0.0,
    )


def prepare(env: dict[str, str]) -> dict:
    """Migrate, load the demo data and an application to look up (in this process)."""
    from bench.seed import demo_app
    from services.applications import applications
    from services.core.db import db
    from services.models import Post

    with demo_app(env) as (app, officer):
        post = db.session.scalar(db.select(Post).where(Post.code == "FR-PAR"))
        post.walk_in_applications = True
        db.session.commit()
        application = applications.open_walk_in(
            officer,
            "FR-PAR",
            {
                "service": "passport_renewal",
                "person": {
                    "surname_latin": "Nguyen",
                    "given_names_latin": "Van An",
                    "date_of_birth": date(1990, 5, 17),
                },
            },
        )
        fixtures = {"application_number": application.number}
        fixtures.update(_booking_fixtures(app))
        return fixtures


def baseline(url: str, args) -> Row:
    result = wrk.run(url, seconds=args.seconds, connections=args.connections)
    return _row("baseline: bare Flask JSON", result)


def catalogue(url: str, args, fixtures: dict, env: dict) -> list[Row]:
    import urllib.request

    path = url + "/api/v1/posts/FR-PAR/services"
    etag = urllib.request.urlopen(path).headers["ETag"]
    return [
        paired(path, args, "catalogue: services of a post (200)"),
        paired(
            path,
            args,
            "catalogue: services of a post (304)",
            "If-None-Match",
            headers={"If-None-Match": etag},
        ),
        paired(url + "/api/v1/posts", args, "catalogue: list of posts (200)"),
    ]


def progress_lookup(url: str, args, fixtures: dict, env: dict) -> list[Row]:
    body = {
        "number": fixtures["application_number"],
        "surname": "Nguyen",
        "date_of_birth": "1990-05-17",
    }
    return [
        paired(
            url + "/api/v1/applications/lookup",
            args,
            "public progress lookup (hit)",
            "rate limit raised",
            method="POST",
            body=body,
        )
    ]


def availability(url: str, args, fixtures: dict, env: dict) -> list[Row]:
    import urllib.request
    from datetime import timedelta

    first = date.today()
    last = first + timedelta(days=59)
    path = f"{url}/api/v1/posts/FR-PAR/availability?service=passport_renewal&from={first}&to={last}"
    slots = len(json.loads(urllib.request.urlopen(path).read())["slots"])
    return [paired(path, args, "availability, busy post, 60 days", f"{slots} slots in the answer")]


def booking_contention(url: str, args, fixtures: dict, env: dict) -> list[Row]:
    """Many clients race for the last seats of a handful of slots; count check at the end."""
    import threading
    import time
    import uuid

    import requests

    users = fixtures["booking_users"]
    slots = fixtures["contended_slots"]
    capacity = sum(capacity for _, capacity in slots)
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(users) + 1)  # the clients and the timer

    def client(user: dict) -> None:
        session = requests.Session()
        session.headers["Authorization"] = "Bearer " + user["token"]
        barrier.wait()
        for slot_id, _ in slots:
            started = time.perf_counter()
            response = session.post(
                url + "/api/v1/appointments",
                json={
                    "applicant_id": user["applicant_id"],
                    "post": "FR-PAR",
                    "service": "passport_new",
                    "slot_id": slot_id,
                },
                headers={"Idempotency-Key": str(uuid.uuid4())},
                timeout=30,
            )
            with lock:
                latencies.append(time.perf_counter() - started)
                statuses.append(response.status_code)
            if response.status_code == 201:
                return  # one appointment per applicant and service

    # The burst is too short for rounds: the baseline is measured just before and just after.
    half = max(1, args.seconds // 2)
    before = wrk.run(args.baseline_url, seconds=half, connections=args.connections)
    threads = [threading.Thread(target=client, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    barrier.wait()  # every client is started: release them all together
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    after = wrk.run(args.baseline_url, seconds=half, connections=args.connections)
    booked = fixtures["count_booked"]()
    latencies.sort()
    created = statuses.count(201)
    note = (
        f"{len(users)} clients, {len(slots)} slots, capacity {capacity}: {created} booked, "
        f"{statuses.count(409)} x 409, {sum(1 for s in statuses if s >= 500)} x 5xx; "
        f"database: {booked['booked']} booked / {booked['rows']} rows, overbooked: {booked['overbooked']}"
    )
    return [
        Row(
            "booking under contention",
            len(statuses) / elapsed,
            statistics.median(latencies) * 1000,
            latencies[int(len(latencies) * 0.99) - 1] * 1000,
            len(statuses),
            sum(1 for s in statuses if s >= 500),
            note,
            wrk.merge([before, after]).requests_per_second,
        )
    ]


SCENARIOS = [catalogue, progress_lookup, availability, booking_contention]

TARGETS = {
    "availability, busy post, 60 days": 0.3,
    "booking under contention": 0.25,
    "catalogue: services of a post (200)": 0.6,
    "catalogue: services of a post (304)": 0.8,
    "public progress lookup (hit)": 0.5,
}


def render(
    rows: list[Row], baseline: Row, memory: list[float], *, workers: int, threads: int
) -> str:
    lines = [
        f"gunicorn gthread, {workers} workers x {threads} threads, PostgreSQL; wrk on 127.0.0.1",
        "",
        "| scenario | req/s | baseline req/s | ratio (median of rounds) | target | p50 ms | p99 ms | requests | non-2xx/3xx | note |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        reference = row.baseline_rps or baseline.requests_per_second
        ratio = row.ratio or (row.requests_per_second / reference if reference else 0)
        target = TARGETS.get(row.name)
        lines.append(
            f"| {row.name} | {row.requests_per_second:,.0f} | {reference:,.0f} | {ratio:.2f} | "
            f"{'' if target is None else f'>= {target}'} | {row.p50_ms:.1f} | {row.p99_ms:.1f} | "
            f"{row.requests:,} | {row.errors} | {row.note} |"
        )
    if memory:
        lines += [
            "",
            f"gunicorn worker resident memory after the run: {', '.join(f'{m:.0f} MB' for m in memory)} (target < 150 MB)",
        ]
    return "\n".join(lines)


BENCH_PASSWORD = "bench-passphrase-2026"  # noqa: S105


def _booking_fixtures(app) -> dict:
    """60 citizens with an applicant each, and 4 slots with 10 seats in all to fight over."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func, select

    from services.accounts import accounts, applicants
    from services.catalogue.catalogue import get_post, get_service_type
    from services.core.db import db
    from services.models import Appointment, Slot

    users = []
    for n in range(60):
        citizen = accounts.register_citizen(
            email=f"bench{n}@example.org", phone=None, password=BENCH_PASSWORD, email_verified=True
        )
        applicant = applicants.create_applicant(
            citizen,
            {
                "relationship": "self",
                "surname_latin": "Bench",
                "given_names_latin": "User",
                "date_of_birth": date(1990, 1, 1),
                "sex": "X",
                "nationality": "FR",
            },
        )
        session = accounts.log_in(email=citizen.email, phone=None, password=BENCH_PASSWORD)
        users.append({"token": session.access_token, "applicant_id": applicant.id})
    post = get_post("FR-PAR")
    service = get_service_type("passport_new")
    # Outside the demo opening hours (09:00-12:00 Paris), so no template slot is there.
    start = (datetime.now(UTC) + timedelta(days=5)).replace(
        hour=4, minute=0, second=0, microsecond=0
    )
    slots = []
    for n, capacity in enumerate((1, 2, 3, 4)):
        slot = Slot(
            post_id=post.id,
            service_type_id=service.id,
            starts_at=start + timedelta(minutes=7 * n + 1),
            ends_at=start + timedelta(minutes=7 * n + 6),
            capacity=capacity,
            booked=0,
            in_schedule=True,
        )
        db.session.add(slot)
        db.session.flush()
        slots.append((slot.id, capacity))
    roomy = Slot(
        post_id=post.id,
        service_type_id=service.id,
        starts_at=start + timedelta(hours=2),
        ends_at=start + timedelta(hours=2, minutes=5),
        capacity=1000,
        booked=0,
        in_schedule=True,
    )
    db.session.add(roomy)
    db.session.commit()
    ids = [slot_id for slot_id, _ in slots]

    def count_booked() -> dict:
        with app.app_context():
            rows = db.session.scalar(
                select(func.count())
                .select_from(Appointment)
                .where(Appointment.slot_id.in_(ids), Appointment.status != "cancelled")
            )
            booked = db.session.scalar(select(func.sum(Slot.booked)).where(Slot.id.in_(ids)))
            over = db.session.scalar(
                select(func.count())
                .select_from(Slot)
                .where(Slot.id.in_(ids), Slot.booked > Slot.capacity)
            )
            return {"rows": rows, "booked": booked, "overbooked": over}

    return {
        "booking_users": users,
        "contended_slots": slots,
        "roomy_slot": roomy.id,  # for bench/profile.py
        "count_booked": count_booked,
    }
