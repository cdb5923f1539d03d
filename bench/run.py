"""Benchmarks of the service on PostgreSQL under gunicorn, as ratios to a bare Flask app
and to the floor routes (one or two SQL statements through a plain psycopg pool; issue 24),
both served by the same gunicorn configuration in the same run (``bench/baseline_app.py``).

    scripts/bench.sh                 # every scenario, 10 s each
    scripts/bench.sh --seconds 5 --only catalogue

Not a test: it prints a table (and writes it to bench/results/) and never fails on a
timing. The machine is shared and noisy, so only ratios within one run mean anything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os

from bench import floor, push_scenario, release_day, scenarios
from bench.servers import ROOT, gunicorn, postgres, redis, worker_rss_mb

WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))


def app_env(database_url: str, redis_url: str) -> dict[str, str]:
    """Production settings, with the embedded vendors (no network) and limits raised."""
    return {
        "APP_ENV": "production",
        "SECRET_KEY": "bench-secret-key-" + "x" * 32,
        "JWT_SECRET_KEY": "bench-jwt-secret-" + "y" * 32,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url.rsplit("/", 1)[0] + "/1",
        "PAYMENTS_BACKEND": "sandbox",
        "STRIPE_WEBHOOK_SECRET": "whsec_bench",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_bench",
        "PUSH_BACKEND": "log",
        "STORAGE_BACKEND": "local",
        "STORAGE_SIGNING_SECRET": "bench-storage-secret-0123456789",
        "LOG_LEVEL": "WARNING",
        # As the README's production deployment sets it: two glibc malloc arenas for a
        # worker's threads instead of up to 8 per core (~1 MB of each worker's RSS).
        "MALLOC_ARENA_MAX": "2",
        # The secrets production requires, generated for the run; e-mail to a local mailbox.
        "SEAL_SIGNING_KEYS": json.dumps(
            [{"pem": _bench_signing_key(), "not_before": "2000-01-01"}]
        ),
        "LOTTERY_SEED_SECRET": "bench-lottery-seed-" + "s" * 32,
        "LOTTERY_PERSON_KEY_PEPPER": "bench-lottery-pepper-" + "p" * 32,
        "PUBLIC_BASE_URL": "http://127.0.0.1",
        "MAIL_BACKEND": "mailbox",
        "MAIL_FROM": "Palm bench <bench@example.org>",
        "MAILBOX_DIR": str(ROOT / "bench" / "results" / "mailbox"),
        # every limit raised: one load generator is one IP and a few accounts
        **raised_rate_limits(),
    }


def _bench_signing_key() -> str:
    """A fresh Ed25519 key (PEM) for the QR payloads the run signs."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def floor_redis_url(redis_url: str) -> str:
    """The floor's Redis: the benchmark's, in a database of its own (the app uses 0 and 1)."""
    return redis_url.rsplit("/", 1)[0] + "/2"


def raised_rate_limits() -> dict[str, str]:
    from api.config import BaseConfig

    return {
        name: "10000000/minute"
        for name in dir(BaseConfig)
        if name.startswith("RATELIMIT_") and "/" in str(getattr(BaseConfig, name))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="each scenario alternates with the baseline in this many rounds",
    )
    parser.add_argument("--only", action="append", help="run only these scenarios")
    parser.add_argument(
        "--release-rounds",
        type=int,
        default=release_day.ROUNDS,
        help="release day's bursts, each on its own new day (the median counts)",
    )
    args = parser.parse_args()
    if not 1 <= args.release_rounds <= release_day.MAX_ROUNDS:
        parser.error(f"--release-rounds: 1 to {release_day.MAX_ROUNDS}")

    push_only = bool(args.only) and set(args.only) == {"push"}
    if push_only:  # no web servers to start: the push scenario is a worker process
        with postgres() as database_url:
            table = "\n".join(
                push_scenario.render(push_scenario.measure(database_url, args.rounds))
            )
        _write(table.strip())
        return
    rows: list[scenarios.Row] = []
    pushed = None
    with postgres() as database_url, redis() as redis_url:
        env = app_env(database_url, redis_url)
        os.environ.update({k: v for k, v in env.items() if k != "APP_ENV"})
        fixtures = scenarios.prepare(env)
        if not args.only or "release_day" in args.only:
            fixtures["release_day"] = release_day.prepare(env, args.release_rounds)
        with (
            gunicorn(
                "bench.baseline_app:app",
                {
                    "FLOOR_DATABASE_URL": floor.libpq_url(database_url),
                    # one connection per thread: no request waits for one, as in the app (10 + 10 per worker)
                    "FLOOR_POOL_SIZE": str(THREADS),
                    "FLOOR_REDIS_URL": floor_redis_url(redis_url),
                },
                workers=WORKERS,
                threads=THREADS,
            ) as (
                base_url,
                _,
            ),
            gunicorn("api:create_app()", env, workers=WORKERS, threads=THREADS) as (
                app_url,
                master,
            ),
        ):
            # Both servers are up; only the one being measured is loaded at any time.
            args.baseline_url = base_url + "/json"
            scenarios.configure_floors(args, base_url, fixtures)
            baseline = scenarios.baseline(args.baseline_url, args)
            rows.append(baseline)
            args.app_master_pid = master
            for scenario in [*scenarios.SCENARIOS, release_day.release_day]:
                if args.only and scenario.__name__ not in args.only:
                    continue
                rows.extend(scenario(app_url, args, fixtures, env))
            memory = worker_rss_mb(master)
        if not args.only or "push" in args.only:  # after the web servers have stopped
            pushed = push_scenario.measure(database_url, args.rounds)
    table = scenarios.render(
        rows, baseline, memory, workers=WORKERS, threads=THREADS, floor_log=args.floor_log
    )
    if pushed is not None:
        table += "\n" + "\n".join(push_scenario.render(pushed))
    _write(table)


def _write(table: str) -> None:
    print(table)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.md"
    path.write_text(table + "\n", encoding="utf-8")
    print(f"\n(written to {path.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
