"""Where a public lookup's CPU goes under load, per process, beside the floor lookup and the
same lookup served with its rate limits turned off.

    python -m bench.lookup_split [--rounds 3] [--seconds 4]

Serves the bare reference app (``bench/baseline_app.py``), the app, and the app again with
``RATELIMIT_ENABLED=false``, all with the benchmark's gunicorn settings (2 workers x 8
threads, ``gunicorn.conf.py``), on the benchmark's PostgreSQL and Redis. Each round runs
wrk (16 connections) against the bare JSON route, the floor lookup, the floor lookup after
one Redis script call (``/floor/lookup-limited``: the least the lookups' one round trip for
their limits can cost), the progress lookup, the legalization lookup and the progress lookup
without limits, and prints for each: req/s and
the CPU per request of each kind of process (gunicorn's workers, PostgreSQL's backends,
Redis, wrk), read from ``/proc`` before and after, and the workers' context switches per
request. ``--syscalls`` then counts each route's system calls per request in the workers
(``strace -c -f`` attached for a 3 s run; strace slows them, so its req/s are not the
benchmark's). Not a test; the machine is shared, so compare rows of one round.
"""

from __future__ import annotations

import argparse
import glob
import os
import resource
import signal
import subprocess
import tempfile
import time

from bench import floor, scenarios, wrk
from bench.run import THREADS, WORKERS, app_env, floor_redis_url
from bench.servers import children, gunicorn, postgres, redis

_TICK = os.sysconf("SC_CLK_TCK")
_KINDS = ("postgres", "redis", "gunicorn")


def _kind(pid_dir: str) -> str | None:
    try:
        command = open(f"{pid_dir}/cmdline", "rb").read()
    except OSError:
        return None
    if b"gunicorn" in command:
        return "gunicorn"
    name = os.path.basename(command.split(b"\0", 1)[0]).decode(errors="replace")
    return next((kind for kind in _KINDS if name.startswith(kind)), None)


def _sample() -> tuple[dict[str, float], int]:
    """CPU seconds by kind of process, and gunicorn's context switches."""
    cpu: dict[str, float] = {}
    switches = 0
    for pid_dir in glob.glob("/proc/[0-9]*"):
        kind = _kind(pid_dir)
        if kind is None:
            continue
        try:
            stat = open(f"{pid_dir}/stat").read().rsplit(")", 1)[1].split()
            status = open(f"{pid_dir}/status").read() if kind == "gunicorn" else ""
        except OSError:
            continue
        cpu[kind] = cpu.get(kind, 0.0) + (int(stat[11]) + int(stat[12])) / _TICK
        for line in status.splitlines():
            if "ctxt_switches" in line:  # voluntary and not
                switches += int(line.split()[1])
    return cpu, switches


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(label: str, url: str, seconds: int, **request) -> None:
    (cpu, switches), wrk_cpu = _sample(), _children_cpu()
    result = wrk.run(url, seconds=seconds, connections=16, **request)
    (after, switches_after), wrk_after = _sample(), _children_cpu()
    n = max(1, result.requests)
    parts = {kind: (after.get(kind, 0) - cpu.get(kind, 0)) / n * 1e6 for kind in _KINDS}
    parts["wrk"] = (wrk_after - wrk_cpu) / n * 1e6
    shown = ", ".join(f"{kind} {parts[kind]:4.0f}" for kind in (*_KINDS, "wrk"))
    print(
        f"{label:28s} {result.requests_per_second:6,.0f} req/s   us of CPU a request: {shown}"
        f" = {sum(parts.values()):4.0f}   switches {(switches_after - switches) / n:.1f}"
        f"   non-2xx {result.non_2xx_3xx}",
        flush=True,
    )


def syscalls(label: str, master: int, url: str, **request) -> None:
    """System calls per request in ``master``'s workers while wrk runs ``url`` for 3 s (the
    calls made at least once every 20 requests)."""
    workers = [str(pid) for pid in children(master)]
    with tempfile.NamedTemporaryFile(suffix=".strace") as out:
        command = ["strace", "-c", "-f", "-o", out.name]
        for pid in workers:
            command += ["-p", pid]
        tracer = subprocess.Popen(command, stderr=subprocess.DEVNULL)
        time.sleep(1.0)  # attached to every thread
        result = wrk.run(url, seconds=3, connections=16, **request)
        tracer.send_signal(signal.SIGINT)
        tracer.wait()
        report = open(out.name).read().splitlines()
    n = max(1, result.requests)
    counted = []
    for line in report[2:]:
        fields = line.split()
        if len(fields) >= 5 and fields[0][0].isdigit() and int(fields[3]) / n >= 0.05:
            counted.append(f"{fields[-1]} {int(fields[3]) / n:.1f}")
    print(f"{label:28s} system calls a request: {', '.join(counted)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--syscalls", action="store_true", help="also count system calls")
    args = parser.parse_args()
    with postgres() as database_url, redis() as redis_url:
        env = app_env(database_url, redis_url)
        os.environ.update({k: v for k, v in env.items() if k != "APP_ENV"})
        fixtures = scenarios.prepare(env)
        floor_env = {
            "FLOOR_DATABASE_URL": floor.libpq_url(database_url),
            "FLOOR_POOL_SIZE": str(THREADS),
            "FLOOR_REDIS_URL": floor_redis_url(redis_url),
        }
        served = {"workers": WORKERS, "threads": THREADS}
        with (
            gunicorn("bench.baseline_app:app", floor_env, **served) as (base, base_master),
            gunicorn("api:create_app()", env, **served) as (app, app_master),
            gunicorn("api:create_app()", {**env, "RATELIMIT_ENABLED": "false"}, **served) as (
                unlimited,
                _,
            ),
        ):
            # Many callers in turn, as the benchmark's lookups (``bench.scenarios``).
            progress = [{"body": body} for body in fixtures["progress_bodies"]]
            legalization = [{"body": body} for body in fixtures["legalization_bodies"]]
            floor_rows = floor.lookup_variants(fixtures["floor"], len(progress))
            post = {"method": "POST"}
            for round_ in range(1, args.rounds + 1):
                print(f"round {round_}")
                measure("bare JSON", base + "/json", args.seconds)
                measure(
                    "floor lookup",
                    base + "/floor/lookup",
                    args.seconds,
                    variants=floor_rows,
                    **post,
                )
                measure(
                    "floor lookup + Redis script",
                    base + "/floor/lookup-limited",
                    args.seconds,
                    variants=floor_rows,
                    **post,
                )
                measure(
                    "progress lookup",
                    app + "/api/v1/applications/lookup",
                    args.seconds,
                    variants=progress,
                    **post,
                )
                measure(
                    "legalization lookup",
                    app + "/api/v1/legalizations/lookup",
                    args.seconds,
                    variants=legalization,
                    **post,
                )
                measure(
                    "progress lookup, no limits",
                    unlimited + "/api/v1/applications/lookup",
                    args.seconds,
                    variants=progress,
                    **post,
                )
            if args.syscalls:
                syscalls("bare JSON", base_master, base + "/json")
                syscalls(
                    "floor lookup",
                    base_master,
                    base + "/floor/lookup",
                    variants=floor_rows,
                    **post,
                )
                syscalls(
                    "legalization lookup",
                    app_master,
                    app + "/api/v1/legalizations/lookup",
                    variants=legalization,
                    **post,
                )


if __name__ == "__main__":
    main()
