"""``read_value``: one value on a kept raw connection (PostgreSQL), surviving a restart."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select, text


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
        idle = database._idle_connections[id(db.engine)]
        assert idle, "the connection is kept for the next call"
        kept = idle[-1]
        with db.engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": kept.info.backend_pid})
            admin.commit()
        assert read_value(statement, {"n": 3}) == 6  # asked again on a new connection
        assert kept.closed and kept not in idle


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

        database._idle_connections.pop(id(db.engine), None)
        assert (
            refusals.surely_full(
                session_id="s",
                account_id=1,
                slot_id=1,
                idempotency_scope="account:1",
                idempotency_key=None,
            )
            is False
        )
