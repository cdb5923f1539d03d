"""Soak: a mixed load for several minutes on PostgreSQL under gunicorn, with the errors,
the latency over time, and each worker's memory at the start and the end.

    scripts/soak.sh                      # 3 minutes, 12 virtual users
    scripts/soak.sh --minutes 10 --users 20

Virtual users browse the catalogue (with ETags), read availability, book and cancel, look
up an application's progress, pay in the sandbox, and read their inbox. 4xx answers that
the flow expects (a slot just taken, already paid) are counted apart; any 5xx is an error.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import threading
import time
import uuid
from collections import defaultdict
from datetime import date

import requests

from bench.run import WORKERS, app_env
from bench.servers import gunicorn, postgres, redis, worker_rss_mb

PASSWORD = "soak-test-passphrase-2026"  # noqa: S105


def prepare(env: dict[str, str], users: int) -> list[dict]:
    """Demo data, and per virtual user: a citizen, an applicant and an open application."""
    from bench.seed import demo_app
    from services.accounts import accounts, applicants
    from services.applications import applications

    with demo_app(env) as (_app, officer):
        people = []
        for n in range(users):
            email = f"soak{n}@example.org"
            citizen = accounts.register_citizen(
                email=email, phone=None, password=PASSWORD, email_verified=True
            )
            applicant = applicants.create_applicant(
                citizen,
                {
                    "relationship": "self",
                    "surname_latin": "Soak",
                    "given_names_latin": "User",
                    "date_of_birth": date(1990, 1, 1),
                    "sex": "X",
                    "nationality": "FR",
                },
            )
            application = applications.open_for_applicant(
                officer, "FR-PAR", citizen, applicant.id, {"service": "passport_renewal"}
            )
            people.append(
                {
                    "email": email,
                    "applicant_id": applicant.id,
                    "application_id": application.id,
                    "number": application.number,
                }
            )
        return people


class Recorder:
    def __init__(self, window: float) -> None:
        self.window = window
        self.started = time.monotonic()
        self.lock = threading.Lock()
        self.samples: dict[int, list[tuple[float, int]]] = defaultdict(list)
        self.by_action: dict[str, list[int]] = defaultdict(list)

    def add(self, action: str, seconds: float, status: int) -> None:
        bucket = int((time.monotonic() - self.started) // self.window)
        with self.lock:
            self.samples[bucket].append((seconds, status))
            self.by_action[action].append(status)


def virtual_user(base: str, person: dict, deadline: float, record: Recorder, seed: int) -> None:
    rng = random.Random(seed)
    session = requests.Session()

    def call(action: str, method: str, path: str, **kwargs) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = session.request(method, base + path, timeout=30, **kwargs)
        except requests.RequestException:
            record.add(action, time.perf_counter() - started, 599)
            return None
        record.add(action, time.perf_counter() - started, response.status_code)
        return response

    login = call(
        "login", "POST", "/api/v1/auth/login", json={"email": person["email"], "password": PASSWORD}
    )
    session.headers["Authorization"] = "Bearer " + login.json()["access_token"]
    etags: dict[str, str] = {}
    booked: list[int] = []
    while time.monotonic() < deadline:
        choice = rng.random()
        if choice < 0.30:
            path = rng.choice(
                ["/api/v1/posts", "/api/v1/posts/FR-PAR/services", "/api/v1/posts/JP-TYO/services"]
            )
            headers = {"If-None-Match": etags[path]} if path in etags else {}
            response = call("browse", "GET", path, headers=headers)
            if response is not None and "ETag" in response.headers:
                etags[path] = response.headers["ETag"]
        elif choice < 0.50:
            response = call(
                "availability", "GET", "/api/v1/posts/FR-PAR/availability?service=passport_renewal"
            )
            slots = [
                s
                for s in (
                    response.json().get("slots", []) if response is not None and response.ok else []
                )
                if s["bookable"]
            ]
            if slots and not booked:
                slot = rng.choice(slots)
                made = call(
                    "book",
                    "POST",
                    "/api/v1/appointments",
                    json={
                        "applicant_id": person["applicant_id"],
                        "post": "FR-PAR",
                        "service": "passport_renewal",
                        "slot_id": slot["id"],
                    },
                    headers={"Idempotency-Key": str(uuid.uuid4())},
                )
                if made is not None and made.status_code == 201:
                    booked.append(made.json()["id"])
        elif choice < 0.58 and booked:
            call("cancel", "POST", f"/api/v1/appointments/{booked.pop()}/cancel", json={})
        elif choice < 0.75:
            call(
                "lookup",
                "POST",
                "/api/v1/applications/lookup",
                json={"number": person["number"], "surname": "Soak", "date_of_birth": "1990-01-01"},
            )
        elif choice < 0.85:
            payment = call(
                "pay", "POST", "/api/v1/payments", json={"application_id": person["application_id"]}
            )
            if (
                payment is not None
                and payment.ok
                and payment.json().get("status") == "requires_payment"
            ):
                call(
                    "pay",
                    "POST",
                    f"/api/v1/sandbox/payments/{payment.json()['id']}/simulate",
                    json={"outcome": "succeeded"},
                )
        else:
            call("inbox", "GET", "/api/v1/notifications")
            call("inbox", "GET", "/api/v1/notifications/unread-count")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--window", type=float, default=30)
    args = parser.parse_args()
    with postgres() as database_url, redis() as redis_url:
        env = app_env(database_url, redis_url)
        os.environ.update({k: v for k, v in env.items() if k != "APP_ENV"})
        people = prepare(env, args.users)
        with gunicorn("api:create_app()", env, workers=WORKERS, threads=8) as (url, master):
            requests.get(url + "/api/v1/posts", timeout=10)
            memory_start = worker_rss_mb(master)
            record = Recorder(args.window)
            deadline = time.monotonic() + args.minutes * 60
            threads = [
                threading.Thread(target=virtual_user, args=(url, person, deadline, record, n))
                for n, person in enumerate(people)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            memory_end = worker_rss_mb(master)
    print(
        f"soak: {args.users} users, {args.minutes} min, gunicorn {WORKERS} workers x 8 threads, PostgreSQL\n"
    )
    print("| window | requests | req/s | 4xx | 5xx | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    total = errors = 0
    for bucket in sorted(record.samples):
        samples = record.samples[bucket]
        times = sorted(s for s, _ in samples)
        statuses = [code for _, code in samples]
        server_errors = sum(1 for c in statuses if c >= 500)
        total += len(samples)
        errors += server_errors
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000
        print(
            f"| {bucket * args.window:.0f}-{(bucket + 1) * args.window:.0f} s | {len(samples)} | "
            f"{len(samples) / args.window:.0f} | {sum(1 for c in statuses if 400 <= c < 500)} | "
            f"{server_errors} | {statistics.median(times) * 1000:.1f} | {p99:.1f} |"
        )
    print("\n| action | requests | statuses |")
    print("|---|---:|---|")
    for action, statuses in sorted(record.by_action.items()):
        counts = defaultdict(int)
        for code in statuses:
            counts[code] += 1
        print(f"| {action} | {len(statuses)} | {dict(sorted(counts.items()))} |")
    print(f"\ntotal {total} requests, {errors} server errors")
    print(
        f"worker memory at start: {', '.join(f'{m:.0f} MB' for m in memory_start)}; at end: {', '.join(f'{m:.0f} MB' for m in memory_end)}"
    )


if __name__ == "__main__":
    main()
