"""``read_value``: one value on a kept raw connection (PostgreSQL), surviving a restart."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, literal_column, select, text


def test_one_value_or_none(app):
    from services.core.db import read_value
    from services.models import Post

    statement = select(Post.id).where(Post.code == bindparam("code"))
    with app.app_context():
        assert read_value(statement, {"code": "NO-SUCH"}) is None
        assert read_value(select(bindparam("n") + 1), {"n": 41}) == 42


@pytest.mark.postgres
def test_a_kept_connection_the_server_dropped_is_replaced(app):
    from services.core import db as database
    from services.core.db import db, read_value

    statement = select(bindparam("n") * 2)
    with app.app_context():
        assert read_value(statement, {"n": 2}) == 4
        idle = database._idle_connections[db.engine]
        assert idle, "the connection is kept for the next call"
        kept = idle[-1].connection  # kept with its cursor
        with db.engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": kept.info.backend_pid})
            admin.commit()
        assert read_value(statement, {"n": 3}) == 6  # asked again on a new connection
        assert kept.closed and kept not in [cursor.connection for cursor in idle]


@pytest.mark.postgres
def test_the_early_refusal_says_no_when_the_database_cannot_answer(app, monkeypatch):
    import psycopg

    from services.appointments import refusals

    def down(*args, **kwargs):
        raise psycopg.OperationalError("connection refused")

    monkeypatch.setattr(psycopg, "connect", down)
    with app.app_context():
        from services.core import db as database
        from services.core.db import db

        database._idle_connections.pop(db.engine, None)
        assert (
            refusals.seats_left(
                session_id="s",
                account_id=1,
                slot_id=1,
                idempotency_scope="account:1",
                idempotency_key=None,
            )
            is None
        )


@pytest.mark.postgres
def test_rows_on_a_kept_connection_are_the_rows_through_the_pool(app):
    """``read_rows`` learns a statement's row shape (names, timestamp columns) on its first
    answer and keeps it: every later answer is still the pool's rows, timestamps in UTC."""
    from datetime import UTC

    from services.core import db as database
    from services.core.db import db, read_rows

    statement = select(
        bindparam("n").label("n"),
        literal_column("TIMESTAMPTZ '2026-03-01 10:00:00+07'").label("at"),  # not UTC
        literal_column("NULL::timestamptz").label("never"),
        literal_column("'x'").label("word"),
    )
    plain = select(bindparam("n").label("n"), literal_column("'y'").label("word"))
    with app.app_context():
        with db.engine.connect() as connection:
            expected = [tuple(row) for row in connection.execute(statement, {"n": 1})]
        for n in (1, 1, 2):
            rows = read_rows(statement, {"n": n})
            assert [tuple(row) for row in rows] == [(n, *expected[0][1:])]
            assert rows[0].at.tzinfo is UTC and rows[0].at.hour == 3 and rows[0].never is None
        assert [tuple(r) for r in read_rows(plain, {"n": 5})] == [(5, "y")]
        assert read_rows(plain, {"n": 6})[0].word == "y"
        shape = database._compiled_sql[db.engine][id(statement)].shape
        assert shape is not None and shape[1] == (1, 2)  # the timestamp columns, kept


def test_a_compiled_statement_is_kept_with_its_sql(app):
    """The SQL is cached by the statement's id: the statement is kept with it, so a
    statement freed (one built in a test) cannot pass its id, and its SQL, to another."""
    import gc
    import weakref

    from services.core import db as database
    from services.core.db import db

    with app.app_context():
        statement = select(bindparam("n") * 3)
        kept = weakref.ref(statement)
        sql = database._compiled_for(db.engine, statement).sql
        del statement
        gc.collect()
        assert kept() is not None and "* " in sql
