"""Counting the SQL statements a block of code sends (tests of "one statement" claims)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def statements_of(app) -> Iterator[list[str]]:
    """The SQL statements sent while the block runs: those through SQLAlchemy, and on
    PostgreSQL those ``read_value`` and ``read_rows`` send on their own kept connections."""
    from sqlalchemy import event

    from services.core import db as database

    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = database.db.engine
    real_connect = None
    if engine.dialect.name == "postgresql":
        import psycopg

        real_connect = psycopg.Cursor.execute

        def counting(self, query, params=None, **kwargs):
            if self.connection in database._kept_connections:  # SQLAlchemy's are seen above
                seen.append(str(query))
            return real_connect(self, query, params, **kwargs)

        psycopg.Cursor.execute = counting
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
        if real_connect is not None:
            psycopg.Cursor.execute = real_connect
