"""The push worker's CPU per delivery, in-process, over several drains of one process:

    python -m bench.push_cpu [--postgres] [--sender fcm|instant] [--devices 3000] [--fake-latency-ms 0]
                             [--rounds 4] [--concurrency 64]

The figure to compare on a shared machine, where deliveries per second move with the
neighbours' load: ``time.process_time`` of ``drain()`` divided by the deliveries sent, for
every round after a first one that warms the process up (threads, connections, compiled
statements), and its median. ``--sender fcm`` sends through the real firebase-admin SDK to
the fake FCM in a process of its own (whose CPU per message is printed too); ``--sender
instant`` answers every message at once in-process, leaving the outbox's own work (claim,
read, record). ``--postgres`` starts a throwaway cluster (or uses ``DATABASE_URL``);
otherwise a SQLite file.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
import warnings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--sender", choices=("fcm", "instant"), default="fcm")
    parser.add_argument("--devices", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=4, help="measured, after a warm-up one")
    parser.add_argument("--concurrency", type=int, default=64, help="FcmPushSender threads")
    parser.add_argument("--fake-latency-ms", type=float, default=0, help="FCM's round trip")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=DeprecationWarning)

    from flask_migrate import upgrade

    import services.notifications.notifications as notifications
    from api import create_app
    from bench.bench_push import citizen_with_devices
    from bench.push_fake import FakeFcmProcesses
    from bench.servers import postgres
    from push import PushSender, SendResult
    from push.fcm import FcmPushSender
    from services.core.db import unit_of_work
    from services.notifications.push_delivery import drain
    from tests.fakes.fake_fcm import FakeCredential

    class InstantSender(PushSender):
        def send_each(self, *, messages):
            return [SendResult(m.token, True, "projects/bench/messages/1", None) for m in messages]

        def send_to_topic(self, *, message):
            raise NotImplementedError

        def subscribe(self, *, tokens, topic):
            raise NotImplementedError

        def unsubscribe(self, *, tokens, topic):
            raise NotImplementedError

    with contextlib.ExitStack() as stack:
        url = (
            stack.enter_context(postgres())
            if args.postgres
            else f"sqlite:///{tempfile.mkdtemp()}/push.sqlite3"
        )
        app = create_app(
            {"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING"}
        )
        fcm = (
            stack.enter_context(FakeFcmProcesses(1, args.fake_latency_ms / 1000))
            if args.sender == "fcm"
            else None
        )
        stack.enter_context(app.app_context())
        upgrade()
        if fcm is not None:
            sender: PushSender = FcmPushSender(
                project_id="bench",
                credential=FakeCredential(),
                endpoint=fcm.url,
                app_name="bench-push-cpu",
                concurrency=args.concurrency,
            )
        else:
            sender = InstantSender()
        app.extensions["palm_push_sender"] = sender
        citizen = citizen_with_devices(args.devices, "push-cpu")
        notifications._schedule_push = lambda _id: None  # the worker drains, not the request
        figures = []
        for round_ in range(args.rounds + 1):
            with unit_of_work():
                notifications.notify(citizen.id, "status_change", "test_message")
            cpu, wall = time.process_time(), time.perf_counter()
            report = drain(max_batches=10_000)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            if report.sent != args.devices:
                raise SystemExit(f"round {round_}: {report}")
            if round_:
                figures.append(cpu * 1e6 / report.sent)
                print(
                    f"round {round_}: {figures[-1]:.0f} us of worker CPU per delivery, "
                    f"{report.sent / wall:,.0f} deliveries/s, "
                    f"in flight {getattr(sender, 'in_flight_limit', '-')}",
                    flush=True,
                )
        sender.close()
        line = (
            f"{url.split(':')[0].split('+')[0]}, sender {args.sender}: median "
            f"{statistics.median(figures):.0f} us of worker CPU per delivery "
            f"({min(figures):.0f}-{max(figures):.0f}, {len(figures)} rounds)"
        )
        if fcm is not None:
            received = fcm.sent_count()
            line += f"; the fake FCM: {fcm.cpu_seconds * 1e6 / received:.0f} us per message"
        print(line)


if __name__ == "__main__":
    main()
