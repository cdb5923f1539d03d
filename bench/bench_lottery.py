"""Time of the pure lottery algorithm on a release far beyond its seats.

Not a test: it prints a table. 100,000 requests with three distinct preferences each compete
for 5,000 seats: a post open 25 working days, 08:00-18:00 in 15-minute slots (40 a day),
5 seats per slot. Demand is skewed as before a holiday: half of the preferences fall on the
first five days. A preference is a whole day, a morning, an afternoon, or (with
``--hourly``) a one-hour band, which multiplies the seat indexes to build.

    python bench/bench_lottery.py                 # 100,000 requests, 3 rounds
    python bench/bench_lottery.py --requests 20000 --rounds 1 --hourly
    python bench/bench_lottery.py --database postgresql://app@127.0.0.1:5432/palm_bench

With ``--database`` (an empty PostgreSQL database: its schema is rebuilt) it times the
database-backed allocation instead (``services.releases.allocation.allocate_release``): the
same post, seats and requests written as rows (accounts, applicants, the release, its
requests), then the draw, the batches that book the winners and put the others on the
waitlist in lottery order with an inbox item each, and the finish; see ``bench_lottery_db``.

It measures the algorithm only (the draw, then the allocation), and the public check from
the published JSON record; the database-backed release adds reading the requests and
writing the appointments.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from services.releases.lottery import (  # noqa: E402
    AFTERNOON,
    MORNING,
    LotteryRequest,
    Preference,
    ReleasedSlot,
    TimeBand,
    allocate,
    commitment_of,
    lottery_order,
    new_seed,
)
from services.releases.publication import (  # noqa: E402
    publication_document,
    verify_publication,
)

POST_ZONE = ZoneInfo("Europe/Paris")
FIRST_DAY = date(2026, 12, 1)
DAYS = 25
SLOTS_PER_DAY = 40
SEATS_PER_SLOT = 5


def working_days() -> list[date]:
    days, day = [], FIRST_DAY
    while len(days) < DAYS:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def released_slots(days: list[date]) -> list[ReleasedSlot]:
    slots = []
    for day in days:
        opening = datetime.combine(day, clock_time(8), tzinfo=POST_ZONE)
        for step in range(SLOTS_PER_DAY):
            slots.append(
                ReleasedSlot(len(slots) + 1, opening + timedelta(minutes=15 * step), SEATS_PER_SLOT)
            )
    return slots


def lottery_requests(count: int, days: list[date], hourly: bool, rng) -> list[LotteryRequest]:
    bands: list[TimeBand | None] = [None, MORNING, AFTERNOON]
    if hourly:
        bands += [TimeBand(clock_time(hour), clock_time(hour + 1)) for hour in range(8, 18)]
    # Half of all preferences on the first five days, the rest spread over the others.
    weights = [10.0 if index < 5 else 10.0 * 5 / (len(days) - 5) for index in range(len(days))]
    requests = []
    for number in range(count):
        preferences: list[Preference] = []
        while len(preferences) < 3:
            candidate = Preference(rng.choices(days, weights)[0], rng.choice(bands))
            if candidate not in preferences:
                preferences.append(candidate)
        # Public ids as the release will make them: random, not sequential.
        requests.append(LotteryRequest(f"R{rng.getrandbits(60):015X}{number % 10}", preferences))
    return requests


def one_round(requests, slots, rows: dict[str, list[float]]):
    """One allocation with a fresh seed; appends each step's seconds to ``rows``."""
    seed = new_seed()
    ids = [request.public_id for request in requests]
    started = time.perf_counter()
    lottery_order(seed, ids)
    rows["draw only"].append(time.perf_counter() - started)

    started = time.perf_counter()
    allocation = allocate(seed, requests, slots)
    rows["allocation (draw included)"].append(time.perf_counter() - started)

    started = time.perf_counter()
    document = publication_document(seed, commitment_of(seed), requests, slots, allocation)
    text = json.dumps(document)
    rows["publish (document + JSON)"].append(time.perf_counter() - started)

    started = time.perf_counter()
    verification = verify_publication(json.loads(text))
    rows["public check from JSON"].append(time.perf_counter() - started)
    assert verification.ok, verification.differences
    return allocation, len(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hourly", action="store_true", help="add one-hour bands")
    parser.add_argument("--database", help="time the PostgreSQL-backed allocation instead")
    args = parser.parse_args()

    rng = random.Random(20)
    days = working_days()
    slots = released_slots(days)
    requests = lottery_requests(args.requests, days, args.hourly, rng)
    seats = sum(slot.seats for slot in slots)
    print(
        f"{len(requests):,} requests x 3 preferences, {len(slots):,} slots, {seats:,} seats, "
        f"bands: {'day/morning/afternoon/hourly' if args.hourly else 'day/morning/afternoon'}"
    )

    if args.database:
        from bench.bench_lottery_db import run_database

        run_database(args.database, requests, days, slots)
        return

    rows: dict[str, list[float]] = {
        "draw only": [],
        "allocation (draw included)": [],
        "publish (document + JSON)": [],
        "public check from JSON": [],
    }
    for _ in range(args.rounds):
        allocation, size = one_round(requests, slots, rows)

    ranks = [0, 0, 0]
    for assignment in allocation.assignments.values():
        ranks[assignment.preference - 1] += 1
    print(
        f"assigned {len(allocation.assignments):,} (1st choice {ranks[0]:,}, 2nd {ranks[1]:,}, "
        f"3rd {ranks[2]:,}), waitlist {len(allocation.waitlist):,}; record {size / 1e6:.1f} MB"
    )
    print("\n| step | median s | best s | rounds |\n|---|---:|---:|---:|")
    for name, samples in rows.items():
        print(
            f"| {name} | {statistics.median(samples):.3f} | {min(samples):.3f} | {len(samples)} |"
        )


if __name__ == "__main__":
    main()
