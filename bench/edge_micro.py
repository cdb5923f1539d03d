"""CPU of one answer given in front of Flask, and of its parts, in-process on the
benchmark's PostgreSQL and Redis (no HTTP server: the WSGI app called directly).

    python -m bench.edge_micro [--count 3000] [--repeats 5] [--profile N]

Prints, per request, the thread's CPU and the wall time (medians of ``--repeats`` rounds of
``--count`` calls) of: a tap on a full slot refused
by ``api.edge_refusals`` (whole, then its statement, its limits, its body check), and the
progress and legalization lookups answered by ``api.edge_lookups`` (whole, then their
limits); and checks that none reached Flask. For reference, the floor lookup of
``bench/baseline_app.py`` (one psycopg SELECT in a bare Flask route) called the same way. ``--profile N`` then prints cProfile's top
``N`` functions (by own time) over ``--count`` calls of each lookup.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import time
import uuid


def _clock(label: str, call, count: int, repeats: int = 5) -> None:
    """The median over ``repeats`` rounds of ``count`` calls (the machine is shared)."""
    for _ in range(200):  # warm caches, pools and prepared statements
        call()
    cpus, walls = [], []
    for _ in range(repeats):
        cpu, wall = time.thread_time(), time.perf_counter()
        for _ in range(count):
            call()
        cpus.append((time.thread_time() - cpu) / count * 1e6)
        walls.append((time.perf_counter() - wall) / count * 1e6)
    cpu, wall = statistics.median(cpus), statistics.median(walls)
    print(
        f"{label:46s} CPU {cpu:7.1f} us   wall {wall:7.1f} us"
        f"   (CPU rounds {min(cpus):.0f}-{max(cpus):.0f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()

    from bench import floor, scenarios
    from bench.run import app_env
    from bench.servers import postgres, redis

    with postgres() as database_url, redis() as redis_url:
        env = app_env(database_url, redis_url)
        fixtures = scenarios.prepare(env)
        os.environ.update(env)
        os.environ["FLOOR_DATABASE_URL"] = floor.libpq_url(database_url)
        os.environ["FLOOR_POOL_SIZE"] = "1"
        from flask import request_started
        from flask_jwt_extended import decode_token

        from api import create_app
        from api.edge import plain_loader
        from api.edge_lookups import json_writer
        from api.edge_refusals import SEAT_LIMITS
        from api.json_body import parse_json_text
        from api.rate_limits import judge_outside_flask
        from api.resources.applications import EDGE_LOOKUP as progress_lookup
        from api.resources.legalizations import EDGE_LOOKUP as legalization_lookup
        from bench.baseline_app import app as baseline
        from schemas.appointments import AppointmentCreateSchema
        from services.appointments import refusals

        app = create_app()
        reached: list[int] = []
        request_started.connect(lambda sender, **extra: reached.append(1), app, weak=False)
        user = fixtures["booking_users"][0]
        booking = json.dumps(
            {
                "applicant_id": user["applicant_id"],
                "post": "FR-PAR",
                "service": "passport_renewal",
                "slot_id": fixtures["full_slot"],
            }
        ).encode()
        lookup = json.dumps(
            {
                "number": fixtures["application_number"],
                "surname": "Nguyen",
                "date_of_birth": "1990-05-17",
            }
        ).encode()

        def environ(path: str, body: bytes, **extra: str) -> dict:
            return {
                "REQUEST_METHOD": "POST",
                "PATH_INFO": path,
                "QUERY_STRING": "",
                "SERVER_NAME": "bench",
                "SERVER_PORT": "80",
                "wsgi.url_scheme": "http",
                "CONTENT_TYPE": "application/json",
                "CONTENT_LENGTH": str(len(body)),
                "wsgi.input": io.BytesIO(body),
                "REMOTE_ADDR": "127.0.0.1",
                **extra,
            }

        legalization = json.dumps(fixtures["legalization_numbers"]).encode()
        statuses: list[str] = []

        def start_response(status, headers, exc_info=None):
            statuses.append(status)

        def refuse():
            app.wsgi_app(
                environ(
                    "/api/v1/appointments",
                    booking,
                    HTTP_AUTHORIZATION="Bearer " + user["token"],
                    HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
                ),
                start_response,
            )

        def look_up():
            app.wsgi_app(environ("/api/v1/applications/lookup", lookup), start_response)

        def check_legalization():
            app.wsgi_app(environ("/api/v1/legalizations/lookup", legalization), start_response)

        floor_body = json.dumps({"id": fixtures["floor"].lookup_id}).encode()

        def floor_lookup():
            baseline.wsgi_app(environ("/floor/lookup", floor_body), start_response)

        refuse(), look_up(), check_legalization()  # the app's first answers, kept for the edge
        _clock(
            "floor lookup (bare Flask, one psycopg SELECT)", floor_lookup, args.count, args.repeats
        )
        print(f"   {statuses[-1]}")
        reached.clear()
        _clock("edge refusal (409 slot_full), whole", refuse, args.count, args.repeats)
        print(f"   {statuses[-1]}; reached Flask: {len(reached)}")
        reached.clear()
        _clock("edge progress lookup (200), whole", look_up, args.count, args.repeats)
        print(f"   {statuses[-1]}; reached Flask: {len(reached)}")
        reached.clear()
        _clock(
            "edge legalization lookup (200), whole", check_legalization, args.count, args.repeats
        )
        print(f"   {statuses[-1]}; reached Flask: {len(reached)}")
        writer = json_writer(app)
        with app.app_context():
            claims = decode_token(user["token"])
            schema = AppointmentCreateSchema()
            keys = {"seats-ip": "ip:127.0.0.1", "seats-account": "account:" + claims["sub"]}
            _clock(
                "  refusal: the token (remembered)",
                lambda: decode_token(user["token"]),
                args.count,
                args.repeats,
            )
            _clock(
                "  refusal: the body (json + schema)",
                lambda: schema.load(json.loads(booking)),
                args.count,
                args.repeats,
            )
            _clock(
                "  refusal: the statement (read_value)",
                lambda: refusals.seats_left(
                    session_id=claims["sid"],
                    account_id=int(claims["sub"]),
                    slot_id=fixtures["full_slot"],
                    idempotency_scope="account:" + claims["sub"],
                    idempotency_key=uuid.uuid4().hex,
                ),
                args.count,
                args.repeats,
            )
            _clock(
                "  refusal: the seat limits (one script)",
                lambda: judge_outside_flask(
                    [(limit, keys[limit.scope]) for limit in SEAT_LIMITS], {}
                ),
                args.count,
                args.repeats,
            )
            for label, declared, body in (
                ("progress", progress_lookup, lookup),
                ("legalization", legalization_lookup, legalization),
            ):
                raw = json.loads(body)
                keyed = declared.keyed_limits(raw, "127.0.0.1")
                load = plain_loader(declared.schema)
                data = load(raw)
                parts = {
                    "the body (parse + load)": lambda body=body, load=load: load(
                        parse_json_text(body).value
                    ),
                    "the keys": lambda declared=declared, raw=raw: declared.keyed_limits(
                        raw, "127.0.0.1"
                    ),
                    "its limits (one script)": lambda keyed=keyed: judge_outside_flask(keyed, {}),
                    "the answer (find)": lambda declared=declared, data=data: declared.find(
                        data, "en"
                    ),
                    "the answer's JSON": lambda found=declared.find(data, "en"): writer(found),
                    "an app context": lambda: (
                        app.app_context().__enter__().__exit__(None, None, None)
                    ),
                }
                for part, call in parts.items():
                    _clock(f"  {label} lookup: {part}", call, args.count, args.repeats)
        if args.profile:
            for label, call in (("progress", look_up), ("legalization", check_legalization)):
                profile = cProfile.Profile(time.thread_time)  # CPU, not waits
                profile.runcall(lambda call=call: [call() for _ in range(args.count)])
                print(f"\n--- {label} lookup, {args.count} calls, by own time, then cumulative ---")
                stats = pstats.Stats(profile)
                stats.sort_stats("tottime").print_stats(args.profile)
                stats.sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
