"""The benchmark scenarios. Each returns rows; ``render`` turns them into the table."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date

from bench import wrk


@dataclass(frozen=True)
class Row:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    note: str = ""


def _row(name: str, result: wrk.Result, note: str = "") -> Row:
    return Row(
        name,
        result.requests_per_second,
        result.p50_ms,
        result.p99_ms,
        result.requests,
        result.non_2xx_3xx,
        note,
    )


def prepare(env: dict[str, str]) -> dict:
    """Migrate, load the demo data and an application to look up (in this process)."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from flask_migrate import upgrade

        from api import create_app
        from services import applications
        from services.db import db
        from services.demo import seed_demo
        from services.models import Account, Post

        app = create_app()
        with app.app_context():
            upgrade()
            seed_demo()
            officer = db.session.scalar(
                db.select(Account).where(Account.email == "officer.paris@demo.palm")
            )
            post = db.session.scalar(db.select(Post).where(Post.code == "FR-PAR"))
            post.walk_in_applications = True
            db.session.commit()
            application = applications.open_walk_in(
                officer,
                "FR-PAR",
                {
                    "service": "passport_renewal",
                    "person": {
                        "surname_latin": "Nguyen",
                        "given_names_latin": "Van An",
                        "date_of_birth": date(1990, 5, 17),
                    },
                },
            )
            return {"application_number": application.number}
    finally:
        os.environ.clear()
        os.environ.update(saved)


def baseline(url: str, args) -> Row:
    result = wrk.run(url + "/json", seconds=args.seconds, connections=args.connections)
    return _row("baseline: bare Flask JSON", result)


def catalogue(url: str, args, fixtures: dict, env: dict) -> list[Row]:
    import urllib.request

    path = url + "/api/v1/posts/FR-PAR/services"
    etag = urllib.request.urlopen(path).headers["ETag"]
    ok = wrk.run(path, seconds=args.seconds, connections=args.connections)
    cached = wrk.run(
        path, seconds=args.seconds, connections=args.connections, headers={"If-None-Match": etag}
    )
    listing = wrk.run(url + "/api/v1/posts", seconds=args.seconds, connections=args.connections)
    return [
        _row("catalogue: services of a post (200)", ok),
        _row("catalogue: services of a post (304)", cached, "If-None-Match"),
        _row("catalogue: list of posts (200)", listing),
    ]


def progress_lookup(url: str, args, fixtures: dict, env: dict) -> list[Row]:
    body = {
        "number": fixtures["application_number"],
        "surname": "Nguyen",
        "date_of_birth": "1990-05-17",
    }
    hit = wrk.run(
        url + "/api/v1/applications/lookup",
        seconds=args.seconds,
        connections=args.connections,
        method="POST",
        body=body,
    )
    return [_row("public progress lookup (hit)", hit, "rate limit raised")]


SCENARIOS = [catalogue, progress_lookup]

TARGETS = {
    "catalogue: services of a post (200)": 0.6,
    "catalogue: services of a post (304)": 0.8,
    "public progress lookup (hit)": 0.5,
}


def render(
    rows: list[Row], baseline: Row, memory: list[float], *, workers: int, threads: int
) -> str:
    lines = [
        f"gunicorn gthread, {workers} workers x {threads} threads, PostgreSQL; wrk on 127.0.0.1",
        "",
        "| scenario | req/s | ratio to baseline | target | p50 ms | p99 ms | requests | non-2xx/3xx | note |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        ratio = (
            row.requests_per_second / baseline.requests_per_second
            if baseline.requests_per_second
            else 0
        )
        target = TARGETS.get(row.name)
        lines.append(
            f"| {row.name} | {row.requests_per_second:,.0f} | {ratio:.2f} | "
            f"{'' if target is None else f'>= {target}'} | {row.p50_ms:.1f} | {row.p99_ms:.1f} | "
            f"{row.requests:,} | {row.errors} | {row.note} |"
        )
    if memory:
        lines += [
            "",
            f"gunicorn worker resident memory after the run: {', '.join(f'{m:.0f} MB' for m in memory)} (target < 150 MB)",
        ]
    return "\n".join(lines)
