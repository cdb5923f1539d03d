"""Counting the SQL statements a block of code sends (tests of "one statement" claims)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def statements_of(app) -> Iterator[list[str]]:
    """The SQL statements sent while the block runs: those through SQLAlchemy, and on
    PostgreSQL those ``read_value`` and ``read_rows`` send on their own kept connections
    and those ``session_rows`` sends on the session's driver connection."""
    from sqlalchemy import event

    from services.core import db as database

    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = database.db.engine
    real_kept = database._on_kept_connection

    def counting(engine, statement, parameters, use):
        # read_value and read_rows on PostgreSQL: their own connections, not SQLAlchemy's.
        seen.append(str(statement))
        return real_kept(engine, statement, parameters, use)

    real_session = database._on_session_connection

    def counting_in_session(session, connection, statements):
        # session_rows on PostgreSQL: the session's driver connection, not SQLAlchemy's path.
        seen.extend(str(s.compile(dialect=connection.dialect)) for s, _values in statements)
        return real_session(session, connection, statements)

    database._on_kept_connection = counting
    database._on_session_connection = counting_in_session
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
        database._on_kept_connection = real_kept
        database._on_session_connection = real_session
