"""Push throughput: deliveries per second drained from the outbox by one worker process,
through the real firebase-admin SDK to a fake FCM server on 127.0.0.1.

    python -m bench.bench_push [--devices 2000] [--database-url postgresql+psycopg://...]

This is the code a Celery worker runs (``services.push_delivery.drain``), called directly in
one process so that the figure is per worker process. The fake FCM answers at once, so the
figure is our side's cost (claiming, the SDK's HTTP calls, recording), not Google's.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings

PASSWORD = "bench-passphrase-2026"  # noqa: S105


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=DeprecationWarning)

    from flask_migrate import upgrade

    from api import create_app
    from push.fcm import FcmPushSender
    from services import accounts
    from services.db import db, unit_of_work
    from services.models import Device
    from services.notifications import notify
    from services.push_delivery import drain
    from tests.fakes.fake_fcm import FakeCredential, FakeFcmServer

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/push.sqlite3"
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING"})
    with FakeFcmServer() as fcm, app.app_context():
        upgrade()
        sender = FcmPushSender(
            project_id="bench", credential=FakeCredential(), endpoint=fcm.url, app_name="bench-push"
        )
        app.extensions["palm_push_sender"] = sender
        citizen = accounts.register_citizen(email="push@example.org", phone=None, password=PASSWORD)
        db.session.add_all(
            Device(
                account_id=citizen.id,
                token=f"bench-token-{n:06d}-" + "x" * 40,
                platform="android",
                locale="en",
            )
            for n in range(args.devices)
        )
        db.session.commit()
        # Queue without the eager send, as a request would (the worker drains afterwards).
        import services.notifications as notifications

        notifications._schedule_push = lambda _id: None
        with unit_of_work():
            notify(citizen.id, "status_change", "test_message")
        started = time.perf_counter()
        report = drain(max_batches=10_000)
        elapsed = time.perf_counter() - started
        sender.close()
    print(f"database: {url.split('://')[0]}; devices: {args.devices}")
    print(
        f"sent {report.sent} of {report.claimed} deliveries in {elapsed:.2f} s: {report.sent / elapsed:,.0f} deliveries/s per worker process"
    )
    print(f"fake FCM received {len(fcm.sent_messages())} messages")


if __name__ == "__main__":
    main()
