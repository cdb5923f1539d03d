"""Push throughput: deliveries per second drained from the outbox by one worker process,
through the real firebase-admin SDK to a fake FCM server on 127.0.0.1.

    python -m bench.bench_push [--devices 2000] [--database-url postgresql+psycopg://...]

This is the code a Celery worker runs (``services.push_delivery.drain``), called directly in
one process so that the figure is per worker process. The fake FCM answers at once from a
process of its own (FCM is not on the worker's CPU in production either; ``--fake-in-process``
puts it back for comparison), so the figure is our side's cost (claiming, the SDK's HTTP
calls, recording), not Google's.

Since session 18 the worker is a worker only: the schema, the accounts and the queued
notifications are made by a process of its own, and the worker drains a warm-up
notification (600 deliveries, two batches) before the measured one, as a worker that has run for a
while would be. Figures from before included the seeding in the worker's RSS and the first
batch's cold start (the access token, the connections) in its rate.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import tempfile
import time
import uuid
import warnings

PASSWORD = "bench-passphrase-2026"  # noqa: S105


def _rss_mb() -> float:
    """This process's resident memory now (not its peak: the migrations peak higher)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def citizen_with_devices(count: int, label: str):
    """A citizen with ``count`` registered Android devices (committed), in the app context:
    the accounts a push benchmark sends to. ``label`` and a fresh run id keep the address
    and tokens unique when a database is reused from round to round."""

    from services.accounts import accounts
    from services.core.db import db
    from services.models import Device

    run = uuid.uuid4().hex[:8]
    citizen = accounts.register_citizen(
        email=f"{label}-{run}@example.org", phone=None, password=PASSWORD
    )
    db.session.add_all(
        Device(
            account_id=citizen.id,
            token=f"bench-token-{run}-{n:06d}-" + "x" * 140,
            platform="android",
            locale="en",
        )
        for n in range(count)
    )
    db.session.commit()
    return citizen


def _config(url: str) -> dict:
    return {"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING"}


WARM_DEVICES = 600  # the warm-up's deliveries (two batches), drained before the measured ones


def _seed(url: str, devices: int, ids: multiprocessing.queues.Queue) -> None:
    """The schema, and two notifications queued as a request would queue them (no eager
    send): one to ``WARM_DEVICES`` devices that warms the worker up, one to ``devices``
    devices that is measured; their ids go on ``ids``. Runs in a process of its own, so the
    worker's RSS is a worker's: the migrations, the password hashes and 3,000 ORM objects
    left the seeding process ~25-35 MB heavier than a worker that only drains."""
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from flask_migrate import upgrade

    import services.notifications.notifications as notifications
    from api import create_app
    from services.core.db import unit_of_work

    app = create_app(_config(url))
    with app.app_context():
        upgrade()
        warm = citizen_with_devices(WARM_DEVICES, "push-warm")
        citizen = citizen_with_devices(devices, "push")
        notifications._schedule_push = lambda _id: None  # the worker drains afterwards
        with unit_of_work():
            first = notifications.notify(warm.id, "status_change", "test_message")
            measured = notifications.notify(citizen.id, "status_change", "test_message")
        ids.put((first.id, measured.id))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument(
        "--profile", action="store_true", help="print where the CPU goes (every thread)"
    )
    parser.add_argument("--fake-in-process", action="store_true")
    parser.add_argument("--fake-processes", type=int, default=1)
    parser.add_argument("--fake-latency-ms", type=float, default=0, help="FCM's round trip")
    parser.add_argument("--concurrency", type=int, default=64, help="FcmPushSender threads")
    parser.add_argument("--json", action="store_true", help="one JSON line (bench/run.py)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=DeprecationWarning)

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/push.sqlite3"
    spawn = multiprocessing.get_context("spawn")
    ids = spawn.Queue()
    seeding = spawn.Process(target=_seed, args=(url, args.devices, ids))
    seeding.start()
    seeding.join()
    if seeding.exitcode:
        raise SystemExit(f"seeding the outbox failed (exit code {seeding.exitcode})")
    warm_id, measured_id = ids.get(timeout=10)

    from api import create_app
    from bench.push_fake import FakeFcmProcesses
    from push.fcm import FcmPushSender
    from services.notifications.push_delivery import drain
    from tests.fakes.fake_fcm import FakeCredential, FakeFcmServer

    app = create_app(_config(url))
    fake = (
        FakeFcmServer()
        if args.fake_in_process
        else FakeFcmProcesses(args.fake_processes, args.fake_latency_ms / 1000)
    )
    with fake as fcm, app.app_context():
        sender = FcmPushSender(
            project_id="bench",
            credential=FakeCredential(),
            endpoint=fcm.url,
            app_name="bench-push",
            concurrency=args.concurrency,
        )
        app.extensions["palm_push_sender"] = sender
        # A worker process lives for hours: the figure is a warm one's. The warm-up opens
        # the database pool, compiles the statements, fetches the access token and opens
        # the connections FCM needs (not under --profile, whose profilers attach to threads
        # as they start).
        warmed = 0 if args.profile else drain(warm_id, max_batches=10_000).sent
        profilers = []
        if args.profile:
            import cProfile
            import threading

            def profile_this_thread(*_ignored) -> None:
                # The sender's threads start on the first send: each gets a profiler of its
                # own (a profiler sees one thread), measuring that thread's CPU, not waits.
                profiler = cProfile.Profile(time.thread_time)
                profilers.append(profiler)
                profiler.enable()

            threading.setprofile(profile_this_thread)
            profile_this_thread()
        rss_before = _rss_mb()
        started, cpu = time.perf_counter(), time.process_time()
        report = drain(measured_id, max_batches=10_000)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        rss_after = _rss_mb()
        in_flight_limit = sender.in_flight_limit  # what the last batches settled on
        if profilers:
            import pstats
            import threading

            threading.setprofile(None)
            profilers[0].disable()  # the other threads' profilers stop with the threads
            sender.close()
            stats = pstats.Stats(profilers[0])
            for profiler in profilers[1:]:
                profiler.disable()
                stats.add(profiler)
            stats.sort_stats("tottime").print_stats(25)
            stats.sort_stats("cumulative").print_stats(40)
        sender.close()
        received = (len(fcm.sent_messages()) if args.fake_in_process else fcm.sent_count()) - warmed
    if args.json:
        figures = {
            "database": url.split("://")[0].split("+")[0],
            "devices": args.devices,
            "claimed": report.claimed,
            "sent": report.sent,
            "seconds": elapsed,
            "cpu_seconds": cpu,
            "received": received,
            "fake_cpu_seconds": getattr(fcm, "cpu_seconds", None),
            "rss_before_mb": rss_before,
            "rss_after_mb": rss_after,
            "in_flight_limit": in_flight_limit,
        }
        print(json.dumps(figures))
        return
    print(f"database: {url.split('://')[0]}; devices: {args.devices}")
    print(
        f"sent {report.sent} of {report.claimed} deliveries in {elapsed:.2f} s: {report.sent / elapsed:,.0f} deliveries/s per worker process"
    )
    where = "in this process" if args.fake_in_process else "in its own process"
    print(f"fake FCM ({where}) received {received} messages")
    # On a small machine the fake competes with the worker for the cores: the worker's own
    # CPU time per delivery says what one worker process sustains when FCM keeps up.
    print(
        f"worker CPU: {cpu:.2f} s for {report.sent} deliveries = "
        f"{report.sent / cpu:,.0f} deliveries per CPU-second of the worker process"
    )
    if not args.fake_in_process:
        print(f"fake FCM CPU: {fcm.cpu_seconds:.2f} s")


if __name__ == "__main__":
    main()
