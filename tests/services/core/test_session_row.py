"""``session_row``: a hot path's statement in the session's transaction, on its driver
connection (PostgreSQL), with what ``session.execute`` does besides kept: bind processors,
SQLAlchemy's errors and disconnect handling, and the watchers of writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, literal, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError, StatementError

from services.models.types import UTCDateTime


def test_the_first_row_as_session_execute_gives_it(app):
    from services.core.db import db, session_row

    paris = timezone(timedelta(hours=1))
    at = datetime(2027, 3, 1, 9, 30, tzinfo=paris)
    statement = select(
        bindparam("n") + 1, literal("kept"), bindparam("at", type_=UTCDateTime())
    ).where(bindparam("n") > 0)
    with app.app_context():
        row = session_row(statement, {"n": 41, "at": at})
        expected = tuple(db.session.execute(statement, {"n": 41, "at": at}).one())
        assert row[:2] == expected[:2] == (42, "kept")
        assert row[2] == expected[2] == at  # the same instant
        assert session_row(statement, {"n": 0, "at": at}) is None
        db.session.rollback()


def test_the_parameters_go_through_their_types(app):
    """UTCDateTime refuses a naive timestamp: proof that its bind processor ran."""
    from services.core.db import db, session_row

    statement = select(bindparam("at", type_=UTCDateTime()))
    with app.app_context():
        with pytest.raises((ValueError, StatementError), match="naive"):
            session_row(statement, {"at": datetime(2027, 3, 1, 9, 30)})
        db.session.rollback()


def test_the_tables_written_are_found_in_ctes_and_options(app):
    from services.appointments.appointments import _TAKE_SEAT
    from services.appointments.booking_rows import ROWS
    from services.core.db import _combined, _tables_written, db
    from services.idempotency.records import STORE_ANSWER

    with app.app_context():
        combined, _late = _combined((STORE_ANSWER, _TAKE_SEAT), db.engine.dialect)
    assert _tables_written(combined) == {"idempotency_record", "slot"}
    assert {"appointment", "notification"} <= _tables_written(ROWS)
    assert _tables_written(select(literal(1))) == frozenset()


@pytest.mark.postgres
def test_python_side_defaults_are_computed_for_each_execution(app, make):
    """An UPDATE of a post sets its ``updated_at`` (the column's ``onupdate``), as
    ``session.execute`` would."""
    from services.core import clock
    from services.core.db import db, session_row
    from services.models import Post

    rename = update(Post).where(Post.id == bindparam("id")).values(city=bindparam("city"))
    with app.app_context():
        post = make.post(code="SR-UPD")
        before = clock.now()
        session_row(rename, {"id": post.id, "city": "Lyon"})
        city, updated_at = session_row(
            select(Post.city, Post.updated_at).where(Post.id == post.id), {}
        )
        assert city == "Lyon" and updated_at >= before
        db.session.rollback()


@pytest.mark.postgres
def test_a_driver_error_is_sqlalchemys_and_the_session_goes_on(app, make):
    from services.core.db import db, session_row
    from services.models import Post

    with app.app_context():
        post = make.post(code="SR-DUP")
        taken = update(Post).where(Post.id == bindparam("id")).values(code=bindparam("code"))
        other = make.post(code="SR-TWO")
        with pytest.raises(IntegrityError) as raised:
            session_row(taken, {"id": other.id, "code": post.code})
        assert raised.value.orig.sqlstate == "23505"  # unique_violation, the driver's
        db.session.rollback()
        assert session_row(select(Post.code).where(Post.id == other.id), {}) == ("SR-TWO",)
        db.session.rollback()


@pytest.mark.postgres
def test_a_lost_connection_is_invalidated_like_sqlalchemys_own(app):
    from services.core.db import db, session_row

    with app.app_context():
        connection = db.session.connection()
        pid = connection.connection.dbapi_connection.info.backend_pid
        with db.engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            admin.commit()
        with pytest.raises(OperationalError) as raised:
            session_row(select(literal(1)), {})
        assert raised.value.connection_invalidated
        db.session.rollback()
        # A fresh connection from the pool for the next unit of work.
        assert session_row(select(literal(2)), {}) == (2,)
        assert db.session.connection().connection.dbapi_connection.info.backend_pid != pid
        db.session.rollback()


@pytest.mark.postgres
def test_a_seat_written_on_the_driver_connection_moves_availability_on_commit(app, make):
    from services.appointments import availability_version
    from services.core.db import db, session_row, unit_of_work
    from services.models import Slot

    seat = (
        update(Slot)
        .where(Slot.id == bindparam("slot_id"))
        .values(booked=Slot.booked)
        .execution_options(synchronize_session=False)
    )
    with app.app_context():
        post, service = make.post(code="SR-AV"), make.service_type()
        slot = make.slot(post.code, service.code, datetime.now(UTC) + timedelta(days=3))
        before = availability_version.current()
        with pytest.raises(RuntimeError), unit_of_work():
            session_row(seat, {"slot_id": slot.id})
            raise RuntimeError("rolled back")
        assert availability_version.current() == before  # a rolled-back write moves nothing
        with unit_of_work():
            session_row(seat, {"slot_id": slot.id})
        assert availability_version.current() != before
        db.session.rollback()


def test_a_parameter_without_a_value_is_refused(app):
    """As ``session.execute`` refuses it: never sent as NULL (a booking block's ``now``
    forgotten would silently stop every block from applying)."""
    from services.core.db import db, session_row

    with app.app_context():
        with pytest.raises(StatementError, match="value is required for bind parameter 'x'"):
            session_row(select(bindparam("x") + 1), {})
        db.session.rollback()


@pytest.mark.postgres
def test_a_parameter_the_statement_does_not_bind_is_refused(app, make):
    """The SQL is compiled once for the statement's own names: an extra column's value
    would silently be written nowhere."""
    from services.core.db import db, session_row
    from services.models import Post

    rename = update(Post).where(Post.id == bindparam("id")).values(city=bindparam("city"))
    with app.app_context():
        post = make.post(code="SR-XTRA")
        with pytest.raises(StatementError, match="does not bind: \\['address'\\]"):
            session_row(rename, {"id": post.id, "city": "Lyon", "address": "elsewhere"})
        db.session.rollback()


def test_pending_changes_are_flushed_first(app, make):
    """A closure added to the session and not yet flushed is seen, as session.execute's
    autoflush would have it."""
    from services.appointments.slots import closure_exists
    from services.core.db import db
    from services.models import Closure

    starts = datetime(2027, 5, 3, 8, tzinfo=UTC)
    with app.app_context():
        post = make.post(code="SR-FLUSH")
        db.session.add(
            Closure(
                post_id=post.id,
                starts_at=starts,
                ends_at=starts + timedelta(hours=9),
                reason={"en": "Holiday"},
            )
        )
        assert closure_exists(post.id, starts + timedelta(hours=1), starts + timedelta(hours=2))
        db.session.rollback()


@pytest.mark.postgres
def test_a_workers_warm_up_compiles_the_bookings_statements(app):
    from services.appointments.appointments import _FACTS, _FACTS_AND_ID, warm_statements
    from services.appointments.booking_rows import ROWS
    from services.appointments.slots import CLOSURE_EXISTS
    from services.core import db as database
    from services.core.db import db
    from services.idempotency.records import CLAIM_POSTGRES

    with app.app_context():
        database._compiled_sql.pop(db.engine, None)
        warm_statements()
        db.session.rollback()
        kept = database._compiled_sql[db.engine]
        facts = _FACTS_AND_ID if db.engine.dialect.name == "postgresql" else _FACTS
    for statement in (facts, ROWS, CLOSURE_EXISTS, CLAIM_POSTGRES):
        assert kept[id(statement)].statement is statement


def test_statements_sent_together_answer_in_order(app):
    from services.core.db import db, session_rows

    with app.app_context():
        rows = session_rows([(select(literal(1)), {}), (select(bindparam("n") * 2), {"n": 21})])
        assert rows == [(1,), (42,)]
        db.session.rollback()


@pytest.mark.postgres
def test_a_failing_statement_sent_together_is_sqlalchemys_error(app, make):
    from services.core.db import db, session_rows
    from services.models import Post

    with app.app_context():
        first, second = make.post(code="SR-P1"), make.post(code="SR-P2")
        taken = update(Post).where(Post.id == bindparam("id")).values(code=bindparam("code"))
        with pytest.raises(IntegrityError) as raised:
            session_rows([(taken, {"id": second.id, "code": first.code}), (select(literal(1)), {})])
        assert raised.value.statement.startswith("UPDATE post")  # the one that failed
        db.session.rollback()
        assert session_rows([(select(literal(1)), {}), (select(literal(2)), {})]) == [(1,), (2,)]
        db.session.rollback()


def test_a_read_at_commit_runs_after_the_writes_and_sees_them(app, make):
    """Its check runs after the writes' checks, on a row read after their effect."""
    from services.core.db import db, read_at_commit, unit_of_work, write_at_commit
    from services.models import Slot

    post, service = make.post(code="SR-RAC"), make.service_type()
    slot = make.slot(post.code, service.code, datetime.now(UTC) + timedelta(days=3), capacity=4)
    take = (
        update(Slot)
        .where(Slot.id == bindparam("slot_id"))
        .values(booked=Slot.booked + 1)
        .execution_options(synchronize_session=False)
    )
    seen: list = []
    with app.app_context():
        with unit_of_work():
            read_at_commit(
                select(Slot.booked).where(Slot.id == bindparam("slot_id")),
                {"slot_id": slot.id},
                check=lambda row: seen.append(("read", row)),
            )
            write_at_commit(take, {"slot_id": slot.id}, check=lambda n: seen.append(("write", n)))
        assert seen == [("write", 1), ("read", (1,))]
        with pytest.raises(RuntimeError), unit_of_work():
            write_at_commit(take, {"slot_id": slot.id})

            def refuse(_row):
                raise RuntimeError("refused")

            read_at_commit(select(literal(1)), {}, check=refuse)
        assert db.session.scalar(select(Slot.booked).where(Slot.id == slot.id)) == 1
        db.session.rollback()


@pytest.mark.postgres
def test_statements_sent_together_take_one_round_trip(app, tmp_path):
    """What the booking's seat and re-check share: one Sync, one ReadyForQuery (libpq's
    trace of the wire)."""
    from services.core.db import db, session_rows

    with app.app_context():
        db.session.execute(select(literal(0)))  # the transaction begun (BEGIN apart)
        driver = db.session.connection().connection.dbapi_connection
        trace = tmp_path / "libpq.trace"
        with trace.open("w") as out:
            driver.pgconn.trace(out.fileno())
            try:
                rows = session_rows([(select(literal(n)), {}) for n in (1, 2, 3)])
            finally:
                driver.pgconn.untrace()
        db.session.rollback()
    assert rows == [(1,), (2,), (3,)]
    wire = trace.read_text().splitlines()
    assert sum("\tF\t" in line and "\tSync" in line for line in wire) == 1, wire
    assert sum("\tB\t" in line and "\tReadyForQuery" in line for line in wire) == 1, wire


# --- send_with_next: a statement sent with the next one ---------------------------------
def _trace_of(driver, path, run):
    with path.open("w") as out:
        driver.pgconn.trace(out.fileno())
        try:
            return run()
        finally:
            driver.pgconn.untrace()


@pytest.mark.postgres
def test_a_queued_statement_goes_with_the_next_and_begin_with_them(app, tmp_path):
    """BEGIN, the queued statement and the next one: one Sync, one ReadyForQuery; the
    queued one's row reaches its check before the next one's row is returned."""
    from services.core.db import db, send_with_next, session_row

    seen = []
    with app.app_context():
        driver = db.session.connection().connection.dbapi_connection
        send_with_next(select(literal(1)), {}, check=seen.append)
        assert seen == []  # not sent yet
        trace = tmp_path / "libpq.trace"
        row = _trace_of(driver, trace, lambda: session_row(select(literal(2)), {}))
        db.session.rollback()
    assert (seen, row) == ([(1,)], (2,))
    wire = trace.read_text()
    assert wire.count("\tSync") == 1 and wire.count("ReadyForQuery") == 1, wire
    assert '"BEGIN"' in wire or "BEGIN" in wire, wire


@pytest.mark.postgres
def test_a_failing_queued_statement_is_raised_by_the_next_as_its_errors_say(app, make):
    """The next statement is not run after it; ``errors`` names what to raise."""
    from services.core.db import db, send_with_next, session_row

    class Refused(Exception):
        pass

    make.citizen(email="taken@example.org")
    clash = text(
        "INSERT INTO account (email, password_hash, role, language, time_zone, "
        "is_active, created_at, updated_at) SELECT email, 'x', 'citizen', 'en', 'UTC', "
        "true, now(), now() FROM account WHERE email = 'taken@example.org'"
    )
    after = []
    with app.app_context():
        send_with_next(clash, {}, check=after.append, errors=lambda exc: Refused(type(exc)))
        with pytest.raises(Refused, match="IntegrityError"):
            session_row(select(literal(2)), {})
        assert after == []
        db.session.rollback()
        # Forgotten with the rollback: the session goes on without it.
        assert session_row(select(literal(3)), {}) == (3,)
        db.session.rollback()


@pytest.mark.postgres
def test_a_statement_through_the_session_sends_the_queued_ones_first(app):
    """An ORM statement cannot join the pipeline: the queued ones go first, on their own,
    and so they do at the unit of work's end when nothing else is sent."""
    from services.core.db import db, send_with_next, unit_of_work

    seen = []
    with app.app_context():
        send_with_next(select(literal(1)), {}, check=seen.append)
        assert db.session.scalar(select(literal(2))) == 2
        assert seen == [(1,)]
        with unit_of_work():
            send_with_next(select(literal(3)), {}, check=seen.append)
        assert seen == [(1,), (3,)]
