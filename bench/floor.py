"""The floor: what one or two SQL statements cost under Flask on this machine (issue 24).

The benchmark's ratios to a bare Flask JSON route measure the distance to the web
framework's ceiling, which no request that reaches PostgreSQL can reach. The floor routes of
``bench/baseline_app.py`` answer the cheapest requests that do reach it, through a plain
psycopg connection pool:

- floor lookup: one indexed SELECT of five columns by id, a JSON answer;
- floor booking: the conditional seat update and the insert of an appointment row in one
  transaction (201), or the update matching nothing (a full slot) and a 409.

They run on two small tables of their own, ``floor_slot`` and ``floor_appointment``, in
the benchmark's database: the real ``slot`` and ``appointment`` rows carry the project's
constraints and rules, and the floor must stay the same statements whatever the project's
schema becomes. This module holds their SQL, creates and fills them, and resets the
contended seats between bursts. It needs psycopg only (no Flask, no project code), so the
baseline app can import it.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

# The floor lookup's one statement: the primary key's index, five columns.
LOOKUP_SQL = "SELECT id, starts_at, ends_at, capacity, booked FROM floor_slot WHERE id = %s"
# The floor booking's two statements, in one transaction. The seat check is the update's
# condition, evaluated against the latest committed row (as in services' take_seat).
TAKE_SEAT_SQL = (
    "UPDATE floor_slot SET booked = booked + 1 WHERE id = %s AND booked < capacity RETURNING id"
)
INSERT_APPOINTMENT_SQL = (
    "INSERT INTO floor_appointment (slot_id, applicant_id, code, status)"
    " VALUES (%s, %s, %s, 'booked') RETURNING id"
)

_SCHEMA = """
DROP TABLE IF EXISTS floor_appointment;
DROP TABLE IF EXISTS floor_slot;
CREATE TABLE floor_slot (
    id bigserial PRIMARY KEY,
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    capacity integer NOT NULL CHECK (capacity >= 0),
    booked integer NOT NULL DEFAULT 0 CHECK (booked >= 0)
);
CREATE TABLE floor_appointment (
    id bigserial PRIMARY KEY,
    slot_id bigint NOT NULL REFERENCES floor_slot (id),
    applicant_id bigint NOT NULL,
    code text NOT NULL,
    status text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX floor_appointment_slot_id ON floor_appointment (slot_id);
"""

# As many slot rows as a busy post has in a few months, so that the lookup walks a real
# index rather than a page or two.
FILLER_SLOTS = 10_000
# The contended slots have the capacities of the booking-contention scenario's (10 seats).
CONTENDED_CAPACITIES = (1, 2, 3, 4)


def libpq_url(database_url: str) -> str:
    """The benchmark's SQLAlchemy URL (``postgresql+psycopg://``) as a libpq one."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


@dataclass(frozen=True)
class FloorTables:
    lookup_id: int  # a slot in the middle of the filler rows
    full_slot_id: int  # capacity 1, booked 1: every booking of it is the 409
    contended: tuple[tuple[int, int], ...]  # (slot id, capacity), emptied by reset()


def create(database_url: str) -> FloorTables:
    """(Re)create and fill the floor tables in the benchmark's database."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute(_SCHEMA)
        conn.execute(
            "INSERT INTO floor_slot (starts_at, ends_at, capacity, booked)"
            " SELECT now() + n * interval '10 minutes', now() + n * interval '10 minutes'"
            "  + interval '5 minutes', 6, n %% 4 FROM generate_series(1, %s) AS n",
            (FILLER_SLOTS,),
        )
        full = conn.execute(
            "INSERT INTO floor_slot (starts_at, ends_at, capacity, booked)"
            " VALUES (now() + interval '5 days', now() + interval '5 days 5 minutes', 1, 1)"
            " RETURNING id"
        ).fetchone()[0]
        contended = []
        for capacity in CONTENDED_CAPACITIES:
            slot_id = conn.execute(
                "INSERT INTO floor_slot (starts_at, ends_at, capacity, booked)"
                " VALUES (now() + interval '6 days', now() + interval '6 days 5 minutes', %s, 0)"
                " RETURNING id",
                (capacity,),
            ).fetchone()[0]
            contended.append((slot_id, capacity))
        conn.execute("ANALYZE floor_slot")
        conn.execute("ANALYZE floor_appointment")
    return FloorTables(FILLER_SLOTS // 2, full, tuple(contended))


def lookup_variants(tables: FloorTables, count: int) -> list[dict]:
    """``count`` floor lookups of different filler rows around ``tables.lookup_id``, as wrk
    variants."""
    first = max(1, tables.lookup_id - count // 2)
    return [{"body": {"id": first + n}} for n in range(count)]


def reset(database_url: str, slot_ids: list[int]) -> None:
    """Empty ``slot_ids`` again (their appointments deleted, no seat booked)."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn, conn.transaction():
        conn.execute("DELETE FROM floor_appointment WHERE slot_id = ANY(%s)", (slot_ids,))
        conn.execute("UPDATE floor_slot SET booked = 0 WHERE id = ANY(%s)", (slot_ids,))


def count_booked(database_url: str, slot_ids: list[int]) -> dict[str, int]:
    """Seats taken, appointment rows and overbooked slots among ``slot_ids``."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        booked, over = conn.execute(
            "SELECT coalesce(sum(booked), 0), count(*) FILTER (WHERE booked > capacity)"
            " FROM floor_slot WHERE id = ANY(%s)",
            (slot_ids,),
        ).fetchone()
        rows = conn.execute(
            "SELECT count(*) FROM floor_appointment WHERE slot_id = ANY(%s)", (slot_ids,)
        ).fetchone()[0]
    return {"booked": int(booked), "rows": int(rows), "overbooked": int(over)}
