"""What a booking-contention burst costs the web workers, and which path answers it.

    python -m bench.burst_split [--bursts 6] [--series 2] [--perf perf.data]

Serves the app as the benchmark does (2 workers x 8 threads, production settings, the
benchmark's PostgreSQL and Redis, ``LOG_LEVEL=INFO`` so that every answer is logged) and
runs the contention scenario's burst (60 clients, each with its token and applicant, on
keep-alive connections released together on 4 slots of 10 seats in all, up to one tap per
slot) in series of ``--bursts``, alternating:

- **with seats**: the slots emptied before each burst (10 bookings, 220 refusals);
- **already full**: every slot left full (240 refusals).

For each series: the workers' CPU per burst (user and system, from ``/proc``), per request,
and the burst's req/s. Then the answers counted by path, from the access log: given at the
edge (``api.edge_refusals``; the log's ``edge`` field) or by Flask, with the time each
took in the app (p50, p90). ``--perf FILE`` records
``perf record -g`` on the workers during one more series of full bursts, for
``perf report -i FILE --no-children --sort dso,sym``. Not a test; the machine is shared, so
compare series of one run.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import signal
import statistics
import subprocess
import tempfile
import time

from bench import scenarios
from bench.run import THREADS, WORKERS, app_env
from bench.servers import children, gunicorn, postgres, redis

_TICK = os.sysconf("SC_CLK_TCK")


def _worker_cpu(master: int) -> tuple[float, float]:
    """User and system CPU seconds of ``master``'s workers."""
    user = system = 0.0
    for pid in children(master):
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        user += int(fields[11]) / _TICK
        system += int(fields[12]) / _TICK
    return user, system


def _series(url: str, master: int, fixtures: dict, bursts: int, empty_first: bool) -> str:
    users = fixtures["booking_users"]
    slot_ids = [slot_id for slot_id, _ in fixtures["contended_slots"]]

    async def attempt(connection, index: int, slot_id: int) -> int:
        status, _seconds = await scenarios.book(connection, users[index], slot_id)
        return status

    cpu, user_cpu, system_cpu, rps, requests = [], [], [], [], []
    for _ in range(bursts):
        if empty_first:
            fixtures["reset_contended"]()
        user_before, system_before = _worker_cpu(master)
        burst = scenarios._burst(url, len(users), slot_ids, attempt)
        user_after, system_after = _worker_cpu(master)
        user_cpu.append(user_after - user_before)
        system_cpu.append(system_after - system_before)
        cpu.append(user_cpu[-1] + system_cpu[-1])
        rps.append(burst.requests_per_second)
        requests.append(len(burst.statuses))
    n = statistics.median(requests)
    return (
        f"{'with seats' if empty_first else 'already full':13s} {n:.0f} requests a burst; "
        f"worker CPU a burst {statistics.median(cpu) * 1000:.0f} ms "
        f"({', '.join(f'{c * 1000:.0f}' for c in cpu)}), "
        f"{statistics.median(cpu) / n * 1000:.2f} ms a request "
        f"(user {statistics.median(user_cpu) * 1000:.0f}, "
        f"system {statistics.median(system_cpu) * 1000:.0f} ms a burst); "
        f"{statistics.median(rps):,.0f} req/s"
    )


def _answers_by_path(log_path: str) -> list[str]:
    """Each (status, path) with its count and the server's time to answer (the access
    log's ``duration_ms``: from the request's arrival in the app to its answer, a wait at
    the seat gate included)."""
    durations: dict[tuple, list[float]] = collections.defaultdict(list)
    with open(log_path, encoding="utf-8") as log:
        for line in log:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("logger") != "palm.access" or record.get("method") != "POST":
                continue
            path = f"edge ({record['edge']})" if record.get("edge") else "Flask"
            durations[(record.get("status"), path)].append(float(record["duration_ms"]))
    lines = []
    for (status, path), times in sorted(durations.items(), key=lambda item: -len(item[1])):
        times.sort()
        lines.append(
            f"  {len(times):6,d} x {status} by {path}: in the app p50 "
            f"{times[len(times) // 2]:.1f} ms, p90 {times[int(len(times) * 0.9)]:.1f} ms"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bursts", type=int, default=6, help="bursts in a series")
    parser.add_argument("--series", type=int, default=2, help="series of each kind")
    parser.add_argument("--perf", metavar="FILE", help="record perf on a series of full bursts")
    args = parser.parse_args()
    with postgres() as database_url, redis() as redis_url:
        env = {**app_env(database_url, redis_url), "LOG_LEVEL": "INFO"}
        os.environ.update({k: v for k, v in env.items() if k != "APP_ENV"})
        fixtures = scenarios.prepare(env)
        with tempfile.TemporaryDirectory() as tmp:
            log_path = os.path.join(tmp, "app.log")
            served = {"workers": WORKERS, "threads": THREADS, "log": log_path}
            with gunicorn("api:create_app()", env, **served) as (url, master):
                for _ in range(args.series):
                    for empty_first in (True, False):
                        print(_series(url, master, fixtures, args.bursts, empty_first), flush=True)
                if args.perf:
                    pids = ",".join(str(pid) for pid in children(master))
                    perf = subprocess.Popen(
                        ["perf", "record", "-F", "999", "-g", "-p", pids, "-o", args.perf],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                    time.sleep(1.0)  # attached
                    print("under perf:", _series(url, master, fixtures, args.bursts, False))
                    perf.send_signal(signal.SIGINT)
                    perf.wait()
                    print(f"perf data in {args.perf}")
            print("answers to the bookings' POSTs, by path (every burst, from the access log):")
            print("\n".join(_answers_by_path(log_path)))


if __name__ == "__main__":
    main()
