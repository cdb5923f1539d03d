"""Profile one scenario's request in-process (cProfile), on the benchmark's PostgreSQL and
Redis with production settings: where does a request's time go?

    python -m bench.profile catalogue 2000
    python -m bench.profile lookup 500 --sort tottime
    python -m bench.profile legalization 500 --cpu --sql
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time
import uuid
from datetime import date, timedelta

from bench import scenarios
from bench.run import app_env
from bench.servers import postgres, redis


def _requests(kind: str, fixtures: dict):
    """A function issuing one request of ``kind`` with a test client."""
    first = date.today()
    paths = {
        "catalogue": "/api/v1/posts/FR-PAR/services",
        "posts": "/api/v1/posts",
        "availability": "/api/v1/posts/FR-PAR/availability?service=passport_renewal"
        f"&from={first}&to={first + timedelta(days=59)}",
        "healthz": "/healthz",
        "missing": "/api/v1/no-such-route",
    }
    if kind in paths:
        return lambda client: client.get(paths[kind])
    if kind == "lookup":
        body = {
            "number": fixtures["application_number"],
            "surname": "Nguyen",
            "date_of_birth": "1990-05-17",
        }
        return lambda client: client.post("/api/v1/applications/lookup", json=body)
    if kind == "legalization":
        numbers = fixtures["legalization_numbers"]
        return lambda client: client.post("/api/v1/legalizations/lookup", json=numbers)
    if kind == "booking":
        # Every user books once (their one appointment for the service) on a roomy slot,
        # then every further request would be a refusal: ``main`` empties the slot before
        # each phase and keeps each phase's count to the number of users.
        users = iter(fixtures["booking_users"] * 1000)
        slot_id = fixtures["roomy_slot"]

        def book(client):
            user = next(users)
            return client.post(
                "/api/v1/appointments",
                json={
                    "applicant_id": user["applicant_id"],
                    "post": "FR-PAR",
                    "service": "passport_new",
                    "slot_id": slot_id,
                },
                headers={
                    "Authorization": "Bearer " + user["token"],
                    "Idempotency-Key": str(uuid.uuid4()),
                },
            )

        return book
    if kind == "full":
        # A slot with no seat left: the refusal every late tap of release day gets.
        users = iter(fixtures["booking_users"] * 1000)

        def refused(client):
            user = next(users)
            return client.post(
                "/api/v1/appointments",
                json={
                    "applicant_id": user["applicant_id"],
                    "post": "FR-PAR",
                    "service": "passport_renewal",
                    "slot_id": fixtures["full_slot"],
                },
                headers={
                    "Authorization": "Bearer " + user["token"],
                    "Idempotency-Key": str(uuid.uuid4()),
                },
            )

        return refused
    raise SystemExit(f"unknown kind {kind}")


def _print_statements(app, issue) -> None:
    """The SQL statements one request sends, in order."""
    from sqlalchemy import event

    from services.core.db import db

    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        # "generated" means SQLAlchemy compiled the statement anew (no cache hit).
        cache = getattr(context, "cache_hit", None)
        seen.append(
            f"[{cache}] " + " ".join(statement.split())[: int(os.environ.get("SQL_WIDTH", "150"))]
        )

    from services.core import db as database

    real_session = database._on_session_connection

    def in_session(session, connection, statements):
        # session_rows on PostgreSQL: the session's driver connection, not SQLAlchemy's path
        # ("pipelined": several statements in one round trip).
        how = "[driver]" if len(statements) == 1 else "[driver, pipelined]"
        for statement, _values in statements:
            sql = " ".join(str(statement.compile(dialect=connection.dialect)).split())
            seen.append(f"{how} " + sql[: int(os.environ.get("SQL_WIDTH", "150"))])
        return real_session(session, connection, statements)

    event.listen(engine, "before_cursor_execute", record)
    database._on_session_connection = in_session
    try:
        status = issue().status_code
    finally:
        event.remove(engine, "before_cursor_execute", record)
        database._on_session_connection = real_session
    print(f"one request ({status}): {len(seen)} statements")
    for line in seen:
        print("  ", line)


def _print_by_package(stats: pstats.Stats, count: int) -> None:
    """Own time per package (site-packages name, or our top-level folder), per request."""
    totals: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        if "site-packages/" in filename:
            package = filename.split("site-packages/")[1].split("/")[0]
        elif "/work/" in filename or filename.startswith(("api/", "services/")):
            package = "ours: " + filename.rsplit("/", 2)[-2]
        elif filename.startswith("~") or filename.startswith("<"):
            package = "builtins"
        else:
            package = "stdlib"
        totals[package] = totals.get(package, 0.0) + tottime
    print("own time per request by package (ms):")
    for package, seconds in sorted(totals.items(), key=lambda item: -item[1])[:15]:
        print(f"  {seconds / count * 1000:7.3f}  {package}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind")
    parser.add_argument("count", type=int, nargs="?", default=500)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=45)
    parser.add_argument("--sql", action="store_true", help="print one request's statements")
    parser.add_argument(
        "--phases", type=int, default=1, help="run the unprofiled requests this many times"
    )
    parser.add_argument(
        "--callees", metavar="REGEX", help="also print what the functions matching REGEX call"
    )
    parser.add_argument(
        "--cpu", action="store_true", help="count CPU time only (not waits on the network)"
    )
    args = parser.parse_args()
    with postgres() as database_url, redis() as redis_url:
        env = app_env(database_url, redis_url)
        fixtures = scenarios.prepare(env)
        os.environ.update(env)
        from api import create_app

        app = create_app()
        client = app.test_client()
        request = _requests(args.kind, fixtures)
        # Booking: each phase starts on an empty slot, every request a success.
        reset = fixtures["reset_roomy"] if args.kind == "booking" else (lambda: None)
        if args.kind == "booking" and args.count > len(fixtures["booking_users"]):
            args.count = len(fixtures["booking_users"])
            print(f"count cut to {args.count}: one booking per user and phase")
        for _ in range(min(20, args.count)):  # warm caches and pools
            status = request(client).status_code
        print("status of the warm-up requests:", status)
        if args.sql:
            _print_statements(app, lambda: request(client))
        reset()
        statuses: dict[int, int] = {}
        plain = cpu = own = 0.0
        for phase in range(args.phases):  # (more phases: for a sampling profiler outside)
            if phase:
                reset()
            started, cpu_at, own_at = time.perf_counter(), time.process_time(), time.thread_time()
            for _ in range(args.count):
                status = request(client).status_code
                statuses[status] = statuses.get(status, 0) + 1
            plain += time.perf_counter() - started
            cpu += time.process_time() - cpu_at
            own += time.thread_time() - own_at
        done = args.count * args.phases
        print(
            f"without the profiler: {plain / done * 1000:.3f} ms per request; CPU "
            f"{own / done * 1000:.3f} ms in the request's thread, "
            f"{cpu / done * 1000:.3f} ms in the whole process"
        )
        print("statuses:", statuses)
        reset()
        profiler = cProfile.Profile(time.thread_time) if args.cpu else cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(args.count):
            request(client)
        profiler.disable()
        elapsed = time.perf_counter() - started
        print(
            f"{args.count} requests in {elapsed:.2f} s: {elapsed / args.count * 1000:.2f} ms each"
        )
        stats = pstats.Stats(profiler)
        stats.sort_stats(args.sort).print_stats(args.lines)
        if args.callees:
            stats.print_callees(args.callees)
        _print_by_package(stats, args.count)


if __name__ == "__main__":
    main()
