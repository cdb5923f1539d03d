"""CPU of one answer given in front of Flask, and of its parts, in-process on the
benchmark's PostgreSQL and Redis (no HTTP server: the WSGI app called directly).

    python -m bench.edge_micro [--count 3000]

Prints, per request, the thread's CPU and the wall time of: a tap on a full slot refused
by ``api.edge_refusals`` (whole, then its statement, its limits, its body check), and a
progress lookup answered by ``api.edge_lookups``; and checks that neither reached Flask.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import time
import uuid


def _clock(label: str, call, count: int) -> None:
    for _ in range(200):  # warm caches, pools and prepared statements
        call()
    cpu, wall = time.thread_time(), time.perf_counter()
    for _ in range(count):
        call()
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    print(f"{label:44s} CPU {cpu / count * 1e6:7.1f} us   wall {wall / count * 1e6:7.1f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=3000)
    args = parser.parse_args()

    from bench import scenarios
    from bench.run import app_env
    from bench.servers import postgres, redis

    with postgres() as database_url, redis() as redis_url:
        env = app_env(database_url, redis_url)
        fixtures = scenarios.prepare(env)
        os.environ.update(env)
        from flask import request_started
        from flask_jwt_extended import decode_token

        from api import create_app
        from api.edge_refusals import SEAT_LIMITS
        from api.rate_limits import judge_outside_flask
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

        refuse(), look_up()  # the app's first answers, kept for the edge
        reached.clear()
        _clock("edge refusal (409 slot_full), whole", refuse, args.count)
        print(f"   {statuses[-1]}; reached Flask: {len(reached)}")
        reached.clear()
        _clock("edge progress lookup (200), whole", look_up, args.count)
        print(f"   {statuses[-1]}; reached Flask: {len(reached)}")
        with app.app_context():
            claims = decode_token(user["token"])
            schema = AppointmentCreateSchema()
            keys = {"seats-ip": "ip:127.0.0.1", "seats-account": "account:" + claims["sub"]}
            _clock(
                "  refusal: the token (remembered)", lambda: decode_token(user["token"]), args.count
            )
            _clock(
                "  refusal: the body (json + schema)",
                lambda: schema.load(json.loads(booking)),
                args.count,
            )
            _clock(
                "  refusal: the statement (read_value)",
                lambda: refusals.surely_full(
                    session_id=claims["sid"],
                    account_id=int(claims["sub"]),
                    slot_id=fixtures["full_slot"],
                    idempotency_scope="account:" + claims["sub"],
                    idempotency_key=uuid.uuid4().hex,
                ),
                args.count,
            )
            _clock(
                "  refusal: the seat limits (one script)",
                lambda: judge_outside_flask([(limit, keys[limit.scope]) for limit in SEAT_LIMITS]),
                args.count,
            )


if __name__ == "__main__":
    main()
