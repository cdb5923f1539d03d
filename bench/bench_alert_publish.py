"""How long publishing a safety alert takes as the audience grows (it must not grow).

    python bench/bench_alert_publish.py                      # log sender, N = 100, 1000, 10000
    python bench/bench_alert_publish.py --sizes 100,1000 --fcm   # real SDK against fake FCM
    DATABASE_URL=postgresql://... python bench/bench_alert_publish.py

For each N: a fresh database with N travellers on an active trip to France, each with one
device, subscribed to the France topics by the reconcile job (timed, it does grow: one
subscription per device, in calls of at most 1000 tokens). Then an officer's alert is
approved by a second officer and pushed: "publish" is the approval transaction plus the
topic pushes, one ``send_to_topic`` per (country, language), i.e. what happens before
every subscribed phone can receive it. The inbox fan-out (one inbox item per traveller,
bulk inserts in batches) runs afterwards in a worker and is timed separately. Tasks are
queued (not run eagerly) so that each stage is measured on its own.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

LOCALES = ("en", "vi-VN", "zh-CN", "zh-TW", "fr-FR")


def _app(database_url: str):
    from api import create_app

    return create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "CELERY_ALWAYS_EAGER": False,  # queue tasks (in memory) instead of running them
            "CELERY_BROKER_URL": "memory://",
            "RATELIMIT_ENABLED": False,
            "LOG_JSON": False,
        }
    )


def _fresh_schema(app) -> None:
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from services.core.db import db

    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        downgrade(revision="base")
    upgrade()


def _populate(n: int) -> tuple[int, int]:
    """N travellers with a trip to FR and one device each; returns the two officers' ids."""
    from sqlalchemy import insert

    from services.accounts import accounts
    from services.catalogue import catalogue
    from services.core.db import db
    from services.models import Account, Device, Trip

    post = catalogue.create_post(
        None,
        {
            "code": "FR-PAR",
            "kind": "embassy",
            "names": {"en": "Paris"},
            "country": "FR",
            "city": "Paris",
            "time_zone": "Europe/Paris",
            "address": "1 rue de Test",
            "currency": "EUR",
        },
    )
    officers = [
        accounts.create_staff(
            email=f"officer{i}@bench.example",
            password="bench-password-0123",  # noqa: S106
            role="officer",
            post_codes=[post.code],
        ).id
        for i in (1, 2)
    ]
    today = datetime.now(UTC).date()
    chunk = 5000
    for start in range(0, n, chunk):
        ids = range(start, min(start + chunk, n))
        db.session.execute(
            insert(Account),
            [
                {"email": f"t{i}@bench.example", "password_hash": "x", "role": "citizen"}
                for i in ids
            ],
        )
    db.session.commit()
    account_ids = [
        a for (a,) in db.session.execute(db.select(Account.id).where(Account.role == "citizen"))
    ]
    for start in range(0, n, chunk):
        part = account_ids[start : start + chunk]
        db.session.execute(
            insert(Device),
            [
                {
                    "account_id": a,
                    "token": f"bench-token-{a:07d}-" + "x" * 40,
                    "platform": "android",
                    "locale": LOCALES[a % len(LOCALES)],
                }
                for a in part
            ],
        )
        db.session.execute(
            insert(Trip),
            [
                {
                    "account_id": a,
                    "country": "FR",
                    "start_date": today - timedelta(days=1),
                    "end_date": today + timedelta(days=7),
                }
                for a in part
            ],
        )
    db.session.commit()
    return officers[0], officers[1]


def _run(n: int, database_url: str, use_fcm: bool) -> dict[str, float]:
    from services.alerts import alerts, topic_subscriptions
    from services.alerts import publishing as alert_publishing
    from services.core.db import db
    from services.models import Account

    app = _app(database_url)
    logging.disable(logging.WARNING)  # the table is the output
    with ExitStack() as stack, app.app_context():
        if use_fcm:
            from tests.push.support import fcm_sender

            server, sender = stack.enter_context(fcm_sender())
            app.extensions["palm_push_sender"] = sender
        _fresh_schema(app)
        author_id, approver_id = _populate(n)

        started = time.perf_counter()
        subscribed = topic_subscriptions.reconcile()
        subscribe_s = time.perf_counter() - started
        assert subscribed.subscribed == n, subscribed

        author = db.session.get(Account, author_id)
        approver = db.session.get(Account, approver_id)
        alert = alerts.create_alert(
            author,
            {
                "countries": ["FR"],
                "level": "emergency",
                "titles": {"en": "Flooding", "vi": "Lũ lụt"},
                "bodies": {"en": "Move to higher ground. " * 20, "vi": "Di chuyển lên cao. " * 20},
                "expires_at": datetime.now(UTC) + timedelta(hours=6),
            },
        )
        alerts.submit_alert(author, alert.id)

        started = time.perf_counter()
        alerts.approve_alert(approver, alert.id, 1)
        report = alert_publishing.dispatch(alert.published_version_id)
        publish_s = time.perf_counter() - started
        assert report.sent == 4, report

        started = time.perf_counter()
        inbox = alert_publishing.fan_out_inbox(alert.published_version_id)
        fan_out_s = time.perf_counter() - started
        assert inbox == n, inbox
        db.session.remove()
        db.engine.dispose()
    return {
        "subscribe": subscribe_s,
        "publish": publish_s,
        "sends": report.sent,
        "inbox": fan_out_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--fcm", action="store_true", help="real SDK against the fake FCM")
    parser.add_argument("--repeat", type=int, default=3, help="publish runs per size (best)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    base_url = os.environ.get("DATABASE_URL")
    sender = "firebase-admin -> fake FCM" if args.fcm else "log sender"
    print(f"push: {sender}; database: {'PostgreSQL' if base_url else 'SQLite'}")
    print(
        f"{'devices':>8} | {'subscribe (s)':>13} | {'publish (ms)':>12} | "
        f"{'topic sends':>11} | {'inbox fan-out (s)':>17}"
    )
    print("-" * 74)
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            best = None
            for attempt in range(args.repeat):
                url = base_url or f"sqlite:///{tmp}/bench-{n}-{attempt}.sqlite3"
                if url.startswith("postgresql://"):
                    url = "postgresql+psycopg://" + url[len("postgresql://") :]
                result = _run(n, url, args.fcm)
                if best is None or result["publish"] < best["publish"]:
                    best = result
            print(
                f"{n:>8} | {best['subscribe']:>13.2f} | {best['publish'] * 1000:>12.1f} | "
                f"{best['sends']:>11} | {best['inbox']:>17.2f}"
            )


if __name__ == "__main__":
    main()
