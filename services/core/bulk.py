"""Bulk writes of many rows that need their new ids, fast on PostgreSQL and right on SQLite.

``INSERT ... RETURNING`` over thousands of rows makes SQLAlchemy build multi-row statements
that psycopg re-parses in Python, page after page (a release's allocation spent most of
its time there). On PostgreSQL the ids are taken from the table's sequence first, then the
rows are inserted with them by one pipelined ``executemany`` of a small prepared statement;
SQLite keeps ``RETURNING``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select, text, update

from services.core.db import db


def insert_returning_ids(table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` (dicts of column values, no ``id``) and return their ids, in order.
    Runs in the caller's transaction. Python-side column defaults are not applied: give
    every value."""
    if not rows:
        return []
    if db.session.get_bind().dialect.name != "postgresql":
        return list(
            db.session.scalars(
                insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows)
            )
        )
    sequence = db.session.scalar(select(func.pg_get_serial_sequence(table.name, "id")))
    ids = list(
        db.session.scalars(
            text("SELECT nextval(:sequence) FROM generate_series(1, :count)"),
            {"sequence": sequence, "count": len(rows)},
        )
    )
    db.session.execute(
        insert(table), [{**row, "id": id_} for row, id_ in zip(rows, ids, strict=True)]
    )
    return ids


def update_by_id(table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """``UPDATE table SET ... WHERE id = :id`` for each row (one executemany per set of
    columns), in the caller's transaction."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        columns = tuple(sorted(key for key in row if key != "id"))
        groups.setdefault(columns, []).append({("_" + k): v for k, v in row.items()})
    for columns, params in groups.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({column: bindparam("_" + column) for column in columns})
        )
        db.session.connection().execute(statement, params)
