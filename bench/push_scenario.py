"""The push scenario of ``scripts/bench.sh`` (``--only push``): deliveries per second per
worker process, on PostgreSQL and SQLite, beside the fake FCM's own ceiling in the same run.

Each round runs ``python -m bench.bench_push`` in a fresh process (a worker process drains
the outbox through the real firebase-admin SDK to the fake FCM in a process of its own),
on a database of its own in the run's PostgreSQL cluster and on a SQLite file, right after
a measurement of what the fake answers to a bare keep-alive client
(``bench.push_fake.ceiling``). Figures are the medians of the rounds.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from dataclasses import dataclass

from bench import push_fake
from bench.servers import ROOT

GOAL = 1500  # deliveries per second per worker process (issue 19)
DEVICES = 3000  # per round: a couple of seconds of sending
LATENCY_MS = 30  # the extra row: FCM answering after a round trip over the internet


@dataclass(frozen=True)
class PushFigures:
    database: str
    rounds: list[dict]  # bench_push's JSON, one per round

    def rates(self) -> list[float]:
        return [r["sent"] / r["seconds"] for r in self.rounds]

    @property
    def median(self) -> float:
        return statistics.median(self.rates())


def _own_database(database_url: str) -> str:
    """A fresh database in the run's cluster, so the drain sees only its own deliveries."""
    import psycopg

    from bench.floor import libpq_url

    base, _, _name = database_url.rpartition("/")
    with psycopg.connect(libpq_url(database_url), autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS palm_push_bench")
        connection.execute("CREATE DATABASE palm_push_bench")
    return f"{base}/palm_push_bench"


def _one_round(
    database_url: str | None, devices: int, latency_ms: float = 0, concurrency: int = 64
) -> dict:
    command = [sys.executable, "-m", "bench.bench_push", "--devices", str(devices), "--json"]
    command += ["--fake-latency-ms", str(latency_ms), "--concurrency", str(concurrency)]
    if database_url:
        command += ["--database-url", database_url]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode:
        raise RuntimeError(f"bench_push failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(database_url: str | None, rounds: int, devices: int = DEVICES) -> dict:
    """The fake's ceiling and the sender on each database, ``rounds`` times, interleaved."""
    # name -> (database URL, None for SQLite; the fake's latency; FCM_CONCURRENCY)
    databases: dict[str, tuple[str | None, float, int]] = {"SQLite": (None, 0, 64)}
    if database_url:
        databases = {"PostgreSQL": (_own_database(database_url), 0, 64), **databases}
    databases["SQLite, FCM_CONCURRENCY 16"] = (None, 0, 16)
    databases[f"SQLite, fake FCM {LATENCY_MS} ms away"] = (None, LATENCY_MS, 64)
    runs: dict[str, list[dict]] = {name: [] for name in databases}
    ceilings: list[float] = []
    for _ in range(max(1, rounds)):
        ceilings += push_fake.measure(seconds=1.0).rounds
        for name, (url, latency_ms, concurrency) in databases.items():
            runs[name].append(_one_round(url, devices, latency_ms, concurrency))
    return {
        "ceiling": push_fake.Ceiling(1, 2, 8, ceilings),
        "figures": [PushFigures(name, rounds) for name, rounds in runs.items()],
    }


def render(measured: dict) -> list[str]:
    ceiling: push_fake.Ceiling = measured["ceiling"]
    lines = [
        "",
        "Push (issue 19): deliveries per second of one worker process draining the outbox "
        "(`python -m bench.bench_push`: real firebase-admin SDK, fake FCM in a process of its "
        f"own), {len(ceiling.rounds)} rounds, medians. The fake's own ceiling in the same "
        f"rounds, from a bare keep-alive client: {ceiling.describe()}. FCM_CONCURRENCY "
        "64 (the default) unless the row says otherwise: the most threads in flight; each "
        "batch runs on as many as FCM's round trip needs (`push/inflight.py`), and the "
        "column gives what the last batch of each round used. The goal counts on the rows with the "
        "fake answering at once; the last row shows a worker with FCM's round trip over the "
        "internet, which 64 in flight are sized for (16 would cap it at 16 / 30 ms = 533/s).",
        "",
        "| database | deliveries/s per worker process | rounds | worker CPU per delivery | "
        "threads in flight | worker RSS before / after the drain | goal | met |",
        "|---|---:|---|---:|---:|---:|---|---|",
    ]
    for figures in measured["figures"]:
        rates = figures.rates()
        cpu_ms = statistics.median(
            r["cpu_seconds"] * 1000 / r["sent"] for r in figures.rounds if r["sent"]
        )
        lost = sum(r["claimed"] - r["sent"] for r in figures.rounds)
        before = max(r["rss_before_mb"] for r in figures.rounds)
        after = max(r["rss_after_mb"] for r in figures.rounds)
        note = f" ({lost} NOT SENT)" if lost else ""
        limits = sorted({r["in_flight_limit"] for r in figures.rounds})
        in_flight = f"{limits[0]}" if len(limits) == 1 else f"{limits[0]}-{limits[-1]}"
        lines.append(
            f"| {figures.database}{note} | {figures.median:,.0f} | "
            f"{min(rates):,.0f}-{max(rates):,.0f} | {cpu_ms:.2f} ms | {in_flight} | {before:.0f} / {after:.0f} MB | "
            f">= {GOAL:,}/s | {'met' if figures.median >= GOAL else 'NOT met'} |"
        )
    return lines
