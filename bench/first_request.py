"""CPU of a fresh worker's first requests, cold or warmed (``api.warm``), in-process on the
benchmark's PostgreSQL and Redis with production settings:

    python -m bench.first_request           # as gunicorn's worker would be, warmed
    python -m bench.first_request --cold    # without the warm-up

Prints the CPU of the app's creation, of the warm-up, and of four bookings and four
refusals of a full slot, in that order (the first of each is what a release day's first
second pays in each worker).
"""

from __future__ import annotations

import argparse
import os
import time

from bench import scenarios
from bench.profile import _requests
from bench.run import THREADS, app_env
from bench.servers import postgres, redis


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cold", action="store_true", help="without the warm-up")
    args = parser.parse_args()
    with postgres() as database_url, redis() as redis_url:
        env = app_env(database_url, redis_url)
        fixtures = scenarios.prepare(env)
        os.environ.update(env)
        started = time.thread_time()
        from api import create_app

        app = create_app()
        print(f"create_app: {(time.thread_time() - started) * 1000:.1f} ms of CPU")
        if not args.cold:
            from api.warm import warm_worker

            started = time.thread_time()
            warm_worker(app, connections=THREADS)
            print(f"warm_worker: {(time.thread_time() - started) * 1000:.1f} ms of CPU")
        client = app.test_client()
        requests = {kind: _requests(kind, fixtures) for kind in ("booking", "full")}
        for kind in ["booking"] * 4 + ["full"] * 4:
            request = requests[kind]
            started = time.thread_time()
            status = request(client).status_code
            print(f"{kind} ({status}): {(time.thread_time() - started) * 1000:.2f} ms of CPU")


if __name__ == "__main__":
    main()
