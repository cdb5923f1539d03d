"""What packing a public lookup's rate-limit script call costs a caller never seen before,
beside a caller who asks again.

    python -m bench.limits_packing [--count 20000] [--repeats 3]

A surge is thousands of travellers, each asking about their own number once or a few times,
so the cost that matters is the new caller's. For ``count`` lookups, this times (process CPU)
the limits' keys from the body (``EDGE_LOOKUP.keyed_limits``), ``api.rate_limits._prepare``
and the packed call (``command``), once with the same body every time and once with a new
number every time, on an app whose limits are in a Redis of its own (nothing is sent: the
call is only packed). Prints the median of ``repeats`` for each, in microseconds per lookup.
Not a test; compare the two lines of one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from bench.servers import redis


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with redis() as redis_url, tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/limits.sqlite3"
        os.environ["RATELIMIT_STORAGE_URI"] = redis_url
        from api import create_app, rate_limits
        from api.resources.applications import EDGE_LOOKUP

        app = create_app()
        with app.app_context():
            storage = rate_limits.one_trip_storage()
            if storage is None:
                raise SystemExit("the limits are not on one Redis: nothing to measure")

            def run(new_caller_each_time: bool) -> float:
                started = time.process_time()
                for n in range(args.count):
                    body = {"number": f"FRPAR-2026-{n if new_caller_each_time else 0:06d}"}
                    prepared = rate_limits._prepare(EDGE_LOOKUP.keyed_limits(body, "192.0.2.1"))
                    prepared.command(storage, "check")
                return (time.process_time() - started) / args.count * 1e6

            for label, new in (("the same caller", False), ("a new caller each time", True)):
                runs = [run(new) for _ in range(args.repeats)]
                print(
                    f"{label:24s} {statistics.median(runs):6.1f} us a lookup "
                    f"(runs {', '.join(f'{r:.1f}' for r in runs)})"
                )


if __name__ == "__main__":
    main()
