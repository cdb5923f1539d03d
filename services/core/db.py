"""The SQLAlchemy handle and the unit-of-work helper every public service function uses.

A service function is one unit of work: it commits once at the end, or rolls back on any
error. Scopes nest: an inner ``unit_of_work()`` joins the outer one, so a view decorator
(for example the Idempotency-Key store) can put its own row in the same transaction as
the effect. Side effects (Celery tasks, pushes) are registered with ``after_commit`` and
run only once the outermost scope has committed, so nothing leaves for a rolled-back change.
Writes that may wait for the end (a stored answer, a contended seat) are deferred with
``write_at_commit`` and sent together, in one statement on PostgreSQL, just before it; a
re-check that must follow them (``read_at_commit``) and rows to insert before them
(``insert_at_commit``) go in the same round trip there.
"""

from __future__ import annotations

import logging
import operator
import sys
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from functools import lru_cache, wraps
from typing import Any, ParamSpec, TypeVar
from weakref import WeakKeyDictionary

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, bindparam, event, func, literal_column, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, InvalidRequestError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached, scoped_session
from sqlalchemy.sql import Executable, visitors
from sqlalchemy.sql.elements import BindParameter

# A fixed naming convention makes Alembic migrations deterministic across databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@event.listens_for(Engine, "connect")
def _sqlite_enforces_foreign_keys(dbapi_connection, _record) -> None:
    """SQLite ignores foreign keys unless asked, per connection: the embedded default then
    keeps the same references (CASCADE, SET NULL, no dangling ids) as PostgreSQL.
    Migrations switch it off for their own connection (``migrations/env.py``): rebuilding a
    table in SQLite's batch mode drops it, which would cascade."""
    # Read from sys.modules, never imported here: a worker on PostgreSQL has no use for the
    # sqlite3 module (~0.9 MB), and a SQLite connection means sqlite3 is already imported.
    sqlite3 = sys.modules.get("sqlite3")
    if sqlite3 is not None and isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


# What a driver error raised while a connection was being lost looks like when it hides
# that loss. psycopg refuses to restore autocommit on a connection whose query never ended.
_HIDDEN_DISCONNECT_MESSAGES = ("connection in transaction status ACTIVE",)
_LOST_CONNECTION_ERRORS = {"OperationalError", "InterfaceError"}


def hides_a_lost_connection(error: BaseException | None) -> bool:
    """True when ``error`` (a driver error) was raised while the connection was being lost.

    SQLAlchemy's psycopg pre-ping runs ``SELECT`` with autocommit on, then restores it in a
    ``finally``: when the socket closes under the ping, the ``OperationalError`` is replaced
    by ``ProgrammingError: can't change 'autocommit' now: connection in transaction status
    ACTIVE``, which neither the dialect nor the error handler took for a disconnect. Any
    error whose cause or context is an operational or interface error (or that says the
    connection is stuck mid-query) is the same lost connection."""
    seen: set[int] = set()
    current = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if current is not error and any(
            cls.__name__ in _LOST_CONNECTION_ERRORS for cls in type(current).__mro__
        ):
            return True
        if any(message in str(current) for message in _HIDDEN_DISCONNECT_MESSAGES):
            return True
        current = current.__cause__ or current.__context__
    return False


@event.listens_for(Engine, "handle_error")
def _hidden_disconnects_are_disconnects(context) -> None:
    """Let SQLAlchemy treat a hidden disconnect as one: a pre-ping that hits it then
    reconnects (the request goes on), and a statement that hits it invalidates the
    connection (the request answers 503, the next one gets a fresh connection)."""
    if not context.is_disconnect and hides_a_lost_connection(context.original_exception):
        context.is_disconnect = True


def is_foreign_key_violation(exc: IntegrityError) -> bool:
    """True when ``exc`` refused a reference to a row that does not exist (PostgreSQL's
    SQLSTATE 23503, SQLite's message), as opposed to a uniqueness or check violation."""
    return getattr(exc.orig, "sqlstate", None) == "23503" or (
        "FOREIGN KEY constraint failed" in str(exc.orig)
    )


# Objects stay readable after commit: a view serialises what its service returned without
# reloading every attribute (sessions are per request, so staleness cannot build up).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})

_DEPTH = "uow_depth"
_CALLBACKS = "uow_after_commit"
_WRITES = "uow_writes"
_READS = "uow_reads"
_INSERTS = "uow_inserts"
_DEFERRED = (_INSERTS, _WRITES, _READS)

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit once when the outermost scope ends (after its deferred inserts, writes, then
    reads); roll back everything on error."""
    session = db.session
    info = session.info
    depth = info.get(_DEPTH, 0)
    info[_DEPTH] = depth + 1
    try:
        yield
        if depth == 0:
            send_queued(session())
            while any(info.get(name) for name in _DEFERRED):  # a check may add more
                run_writes(
                    info.pop(_WRITES, []),
                    reads=info.pop(_READS, []),
                    inserts=info.pop(_INSERTS, []),
                )
            session.commit()
    except BaseException:
        if depth == 0:
            session.rollback()
            info.pop(_CALLBACKS, None)
            for name in (*_DEFERRED, _QUEUED):
                info.pop(name, None)
        raise
    finally:
        info[_DEPTH] = depth
    if depth == 0:
        callbacks = info.pop(_CALLBACKS, [])
        for callback in callbacks:
            callback()


def transactional(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a public service function so that it runs as one unit of work."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with unit_of_work():
            return func(*args, **kwargs)

    return wrapper


def write_at_commit(
    statement: Executable,
    parameters: dict[str, Any],
    check: Callable[[int], None] | None = None,
) -> None:
    """Run the write ``statement`` (an UPDATE without RETURNING, built once with
    ``bindparam``s, whose values are ``parameters``) at the end of the current unit of
    work, before its deferred reads (now, if none is open); ``check(rowcount)``
    may refuse what it did, which rolls the whole unit back.

    On PostgreSQL the unit's deferred writes go to the database in ONE statement, each a
    data-modifying CTE (``_combined``), elsewhere one by one: a booking's stored answer and
    its seat are one round trip. The CTEs run on one snapshot in no set order, so deferred
    writes must not depend on each other; a read that must see a deferred write's effect
    or wait for its lock is a ``read_at_commit`` (its own, later statement)."""
    info = db.session.info
    if info.get(_DEPTH, 0) == 0:
        run_writes([(statement, parameters, check)])
        return
    info.setdefault(_WRITES, []).append((statement, parameters, check))


def read_at_commit(
    statement: Executable, parameters: dict[str, Any], check: Callable[[Any], None]
) -> None:
    """Run the read ``statement`` at the end of the current unit of work, after its
    deferred writes, in a statement of its own, and hand its first row (a plain tuple, or
    None) to ``check``, which may refuse it (the whole unit rolls back); now, if no unit is
    open. For a re-check that must see what committed while a deferred write waited for
    its lock (a closure of the post while the seat's update queued for the slot's row):
    its snapshot is taken once the writes are done. On PostgreSQL it goes to the server in
    the writes' round trip (``session_rows``), so a contended row's lock is held for one
    round trip fewer. The writes' checks run first, then the reads', in order."""
    info = db.session.info
    if info.get(_DEPTH, 0) == 0:
        run_writes([], reads=[(statement, parameters, check)])
        return
    info.setdefault(_READS, []).append((statement, parameters, check))


def insert_at_commit(
    statement: Executable,
    parameters: dict[str, Any],
    check: Callable[[Any], None],
    refused: Callable[[IntegrityError], Exception] | None = None,
) -> None:
    """Run ``statement`` (an INSERT, or a SELECT whose CTEs insert, that returns one row) at
    the end of the current unit of work, BEFORE its deferred writes, and hand its row to
    ``check``, which may refuse it (the whole unit rolls back); now, if no unit is open.
    When the database refuses the insert (a unique index, a foreign key), ``refused`` turns
    that ``IntegrityError`` into the error to raise. For rows whose ids are drawn ahead
    (a booking's appointment: its id is read with its rules), so that the answer is made
    before they are written: on PostgreSQL they go to the server in the round trip of the
    writes and reads after them (``session_rows``). The inserts' checks run first."""
    entry = (statement, parameters, check, _integrity_only(refused))
    info = db.session.info
    if info.get(_DEPTH, 0) == 0:
        run_writes([], inserts=[entry])
        return
    info.setdefault(_INSERTS, []).append(entry)


_Write = tuple[Executable, dict[str, Any], Callable[[int], None] | None]
_Read = tuple[Executable, dict[str, Any], Callable[[Any], None]]
# What turns a database error of a statement into the error to raise (None: as it is).
_Errors = Callable[[DBAPIError], Exception] | None
_Insert = tuple[Executable, dict[str, Any], Callable[[Any], None], _Errors]


def run_writes(
    writes: list[_Write],
    session: Any = None,
    reads: Sequence[_Read] = (),
    inserts: Sequence[_Insert] = (),
) -> None:
    """Send deferred inserts, then writes ((statement, parameters, check) each), then reads,
    as a unit of work's end does, in ``session`` (default: the request's; a worker's warm-up
    passes its own): on PostgreSQL in one round trip, the writes as one statement."""
    session = session or db.session
    dialect = session.get_bind().dialect
    postgres = dialect.name == "postgresql"
    sent: list[tuple[Executable, dict[str, Any]]] = []
    inserted: list[Any] = []
    if postgres:
        sent += [(statement, values) for statement, values, _check, _errors in inserts]
    else:  # one by one, before the writes
        for statement, values, _check, errors in inserts:
            inserted += _raised_as(errors, session_rows, [(statement, values)], session)
    if writes and postgres and (len(writes) > 1 or reads or inserts):
        # Several writes, or writes with inserts or reads around them: the writes as one
        # statement (``_combined``), sent in one round trip with the others.
        combined, late = _combined(tuple(w[0] for w in writes), dialect)
        parameters: dict[str, Any] = {}
        for n, (_statement, values, _check) in enumerate(writes):
            parameters.update({f"w{n}_{key}": value for key, value in values.items()})
        for name, default in late:
            parameters[name] = _default_value(default)
        sent.append((combined, parameters))
        counts = None
    else:
        counts = [session.execute(statement, values).rowcount for statement, values, _ in writes]
    sent += [(statement, values) for statement, values, _check in reads]
    if postgres and inserts:
        own = _of_failed([(s, errors) for s, _v, _c, errors in inserts], session.get_bind())
        rows = _raised_as(own, session_rows, sent, session)
        inserted, rows = rows[: len(inserts)], rows[len(inserts) :]
    else:
        rows = session_rows(sent, session) if sent else []
    if counts is None:
        counts, rows = rows[0], rows[1:]
    for (_statement, _values, check, _errors), row in zip(inserts, inserted, strict=True):
        check(row)
    for (_statement, _values, check), count in zip(writes, counts, strict=True):
        if check is not None:
            check(count)
    for (_statement, _values, check), row in zip(reads, rows, strict=True):
        check(row)


def _raised_as(errors: _Errors, run: Callable[..., Any], *args: Any) -> Any:
    """``run(*args)``, a database error raised as what ``errors`` makes of it."""
    try:
        return run(*args)
    except DBAPIError as exc:
        error = exc if errors is None else errors(exc)
        if error is exc:
            raise
        raise error from exc


def _of_failed(entries: Sequence[tuple[Executable, _Errors]], engine: Any) -> _Errors:
    """For statements sent together: the ``errors`` of the one whose SQL failed
    (``session_rows`` names it in the error), or none (the error as it is)."""
    engine = getattr(engine, "engine", engine)

    def errors(exc: DBAPIError) -> Exception:
        for statement, own in entries:
            if own is not None and exc.statement == _compiled_for(engine, statement).sql:
                return own(exc)
        return exc

    return errors


def _integrity_only(refused: Callable[[IntegrityError], Exception] | None) -> _Errors:
    """``refused`` for an ``IntegrityError``; any other database error as it is."""
    if refused is None:
        return None
    return lambda exc: refused(exc) if isinstance(exc, IntegrityError) else exc


# The execution option a combined write statement carries: the names of the tables written.
TABLES_WRITTEN = "palm_tables_written"

# The combined statements, by the ids of the writes they combine (the writes themselves are
# kept with them, so an id is never reused by another statement while cached).
_COMBINED: dict[tuple[int, ...], tuple[tuple[Executable, ...], Executable, list]] = {}


def _combined(statements: tuple[Executable, ...], dialect) -> tuple[Executable, list]:
    """``WITH w0 AS (UPDATE ... RETURNING 1), w1 AS (...) SELECT (SELECT count(*) FROM w0),
    ...``: the rows each write changed; and the Python-side ``onupdate`` defaults to bind,
    as (parameter name, the column's default). Each write's named parameters are renamed
    ``wN_...`` (two writes may name theirs alike), and so are the values of its columns
    with such a default (``updated_at``), which SQLAlchemy would otherwise bind by the
    column's name in each write. Built once per combination: building and hashing such an
    expression on every request would cost more CPU than sending it."""
    key = tuple(map(id, statements))
    cached = _COMBINED.get(key)
    if cached is not None and all(map(operator.is_, cached[0], statements)):
        return cached[1], cached[2]
    ctes, late = [], []
    for n, statement in enumerate(statements):
        columns = statement.compile(dialect=dialect).update_prefetch
        if columns:
            statement = statement.values(
                {c.key: bindparam(f"onupdate_{c.key}", type_=c.type) for c in columns}
            )
            late += [(f"w{n}_onupdate_{c.key}", c.onupdate) for c in columns]
        statement = _renamed(statement, f"w{n}_")
        ctes.append(statement.returning(literal_column("1")).cte(f"w{n}"))
    # The tables written, said in the statement's options: a SELECT whose CTEs write is not
    # an INSERT, UPDATE or DELETE to whoever watches the session's writes (the availability
    # cache's version, ``services.appointments.availability_version``).
    written = frozenset(statement.table.name for statement in statements)
    combined = select(
        *(select(func.count()).select_from(cte).scalar_subquery() for cte in ctes)
    ).execution_options(**{TABLES_WRITTEN: written})
    if len(_COMBINED) >= 64:  # statements built per call (not as meant) cannot pile up
        _COMBINED.clear()
    _COMBINED[key] = (statements, combined, late)
    return combined, late


def _renamed(statement: Executable, prefix: str) -> Any:
    def rename(element: Any, **_kw: Any) -> Any:
        if isinstance(element, BindParameter) and not element.unique:
            return bindparam(
                prefix + element.key,
                element.value,
                type_=element.type,
                expanding=element.expanding,
                callable_=element.callable,
                required=element.required,
            )
        return None

    return visitors.replacement_traverse(statement, {}, rename)


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` after the current unit of work commits (now, if none is open)."""
    info = db.session.info
    if info.get(_DEPTH, 0) == 0:
        callback()
        return
    info.setdefault(_CALLBACKS, []).append(callback)


def persistent_from_row(model: type, row: Any) -> Any:
    """The ``model`` object of ``row`` (a ``read_rows`` row of all its table's columns, by
    name) in the request's session, as if the session had loaded it: no pending change,
    its relationships loaded on first use. The session's own object when it has one for
    that key already (as a query would return it). For a row read outside the session's
    transaction, so that the transaction's BEGIN can wait for a statement it goes with."""
    session = db.session()
    key = session.identity_key(model, (row.id,))
    existing = session.identity_map.get(key)
    if existing is not None:
        return existing
    instance = model(**row._asdict())
    make_transient_to_detached(instance)  # what was set is the loaded state, not a change
    session.add(instance)
    return instance


_AUTOCOMMIT: dict[int, tuple[Engine, Engine]] = {}


def read_rows(statement: Executable, parameters: dict[str, Any]) -> list[Any]:
    """Run one read-only statement outside any transaction and return its rows.

    For public reads that a surge makes (the progress and legalization lookups): one
    round trip, where the session would add a ``BEGIN`` and a ``ROLLBACK`` round trip
    around it, and the ORM its own per-statement work. On PostgreSQL the statement runs on
    a raw connection kept open in autocommit (``_on_kept_connection``: no pool checkout,
    no pre-ping); elsewhere on a pooled connection in autocommit. Build ``statement`` once,
    with ``bindparam``s of plain values, and pass the values here. The rows are plain
    tuples with attribute access by column name (timestamps in UTC), never ORM objects.
    """
    engine = db.engine
    if engine.dialect.name == "postgresql":
        return _on_kept_connection(engine, statement, parameters, _plain_rows)
    return _rows_through_the_pool(engine, statement, parameters)


def _rows_through_the_pool(engine: Engine, statement: Executable, parameters: dict) -> list:
    cached = _AUTOCOMMIT.get(id(engine))
    if cached is None or cached[0] is not engine:
        cached = (engine, engine.execution_options(isolation_level="AUTOCOMMIT"))
        _AUTOCOMMIT[id(engine)] = cached
    with cached[1].connect() as connection:
        return connection.execute(statement, parameters).all()


# --- one value, on a kept connection without pre-ping (PostgreSQL) ----------------------------

# Per engine: the cursors of raw connections not in use (``cursor.connection``), each kept
# with its connection: a new cursor per statement cost a sixth of a lookup's statement.
_idle_connections: WeakKeyDictionary[Engine, list[Any]] = WeakKeyDictionary()
_MAX_IDLE = 8  # per engine and process (a worker's threads); more are opened and closed
# Per engine and statement id: the statement compiled (``_Compiled``, which keeps the
# statement, so that its id is not reused by another while cached). Held by the engine
# object, not its id(), which a later engine (another database, in the tests) may be
# given once the first is gone.
_compiled_sql: WeakKeyDictionary[Engine, dict[int, _Compiled]] = WeakKeyDictionary()
_COMPILED_MAX = 256  # statements are module constants; more means some are built per call


def _of_engine(store: WeakKeyDictionary, engine: Engine, make: Callable[[], Any]) -> Any:
    """``engine``'s entry in ``store``, made on first use (looked up first: ``setdefault``
    would build a weak reference and an empty value on every call of a hot path)."""
    found = store.get(engine)
    return found if found is not None else store.setdefault(engine, make())


def read_value(statement: Executable, parameters: dict[str, Any]) -> Any:
    """The first column of the first row of a read-only statement (None without a row), for
    a check that a surge makes on every request (release day's early refusal).

    On PostgreSQL it runs on a raw driver connection kept open in autocommit
    (``_on_kept_connection``): no pool checkout, no pre-ping and no ``BEGIN``/``ROLLBACK``
    round trips (~0.1 ms of CPU less than through the pool, which was most of such a
    check). A second failure to reach the server raises SQLAlchemy's
    ``OperationalError``, which a caller treating the check as an optimisation takes for
    "no". Other databases go through ``read_rows``'s SQLAlchemy path.
    """
    engine = db.engine
    if engine.dialect.name != "postgresql":
        rows = _rows_through_the_pool(engine, statement, parameters)
        return rows[0][0] if rows else None
    row = _on_kept_connection(engine, statement, parameters, _first_row)
    return row[0] if row else None


@dataclass(slots=True)
class _Compiled:
    """A statement compiled once for an engine's dialect, with what running it on a driver
    connection needs (``_on_kept_connection``, ``_on_session_connection``)."""

    sql: str
    literals: dict[str, Any]  # every bound name, with its value (None: given per call)
    statement: Executable  # kept, so that its id is not reused by another while cached
    # The rows' shape, learnt from the first answer (``_plain_rows``).
    shape: tuple | None
    # Per name, its type's bind processor (UTCDateTime's).
    processors: tuple[tuple[str, Any], ...]
    written: frozenset[str]  # the tables it writes (in CTEs too)
    # The Python-side defaults SQLAlchemy would compute per execution (an UPDATE's
    # ``updated_at``), by bound name.
    defaults: tuple[tuple[str, Any], ...]
    required: tuple[str, ...]  # the names a caller must give a value
    names: frozenset[str]  # every name the SQL binds


def _compiled_for(engine: Engine, statement: Executable) -> _Compiled:
    """``statement``'s entry in ``_compiled_sql``, compiled on first use."""
    of_engine = _of_engine(_compiled_sql, engine, dict)
    compiled = of_engine.get(id(statement))
    if compiled is None or compiled.statement is not statement:
        if len(of_engine) >= _COMPILED_MAX:
            of_engine.clear()
        done = statement.compile(dialect=engine.dialect)
        compiled = of_engine[id(statement)] = _Compiled(
            sql=str(done),
            literals=dict(done.params),
            statement=statement,
            shape=None,
            processors=tuple(done._bind_processors.items()),
            written=_tables_written(statement),
            defaults=tuple((c.key, c.default) for c in done.insert_prefetch)
            + tuple((c.key, c.onupdate) for c in done.update_prefetch),
            required=tuple(done.bind_names[bind] for bind in done.binds.values() if bind.required),
            names=frozenset(done.params),
        )
    return compiled


def _tables_written(statement: Executable) -> frozenset[str]:
    """The tables an INSERT, UPDATE or DELETE anywhere in ``statement`` writes (a CTE's
    too), and those its ``TABLES_WRITTEN`` option names. A ``text()`` statement's writes
    cannot be seen."""
    named = statement.get_execution_options().get(TABLES_WRITTEN, frozenset())
    found = {
        element.table.name
        for element in visitors.iterate(statement)
        if getattr(element, "is_dml", False) and getattr(element, "table", None) is not None
    }
    return frozenset(named) | frozenset(found)


def _on_kept_connection(engine: Engine, statement: Executable, parameters: dict, use) -> Any:
    """Run ``statement`` on a raw psycopg connection kept open in autocommit, with its
    cursor, and return ``use(cursor, compiled)`` (``compiled``: the statement's entry in
    ``_compiled_sql``, where ``use`` may keep what it learns of the rows' shape). At most
    ``_MAX_IDLE`` are kept per process (list pops and appends: no lock). The SQL text is
    compiled once per statement object; its parameters must be plain values (no type with
    a bind processor). A connection that broke (the server
    restarted) is dropped and the statement asked once more on a new one; a second
    failure raises SQLAlchemy's ``OperationalError``, answered 503 like any lost database.
    """
    import psycopg  # the PostgreSQL driver: SQLAlchemy's dialect has imported it already

    compiled = _compiled_for(engine, statement)
    sql, literals = compiled.sql, compiled.literals
    if literals:
        parameters = {**literals, **parameters}
    idle = _of_engine(_idle_connections, engine, list)
    for attempt in (1, 2):
        try:
            cursor = idle.pop()
        except IndexError:
            url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            try:
                connection = psycopg.connect(url, autocommit=True, connect_timeout=5)
            except psycopg.OperationalError as exc:
                raise OperationalError(sql, parameters, exc) from exc
            cursor = connection.cursor()
        try:
            answer = use(cursor.execute(sql, parameters), compiled)
        except psycopg.OperationalError as exc:
            cursor.connection.close()
            if attempt == 2:
                raise OperationalError(sql, parameters, exc) from exc
            continue
        except Exception:
            cursor.connection.close()
            raise
        if len(idle) < _MAX_IDLE:
            idle.append(cursor)
        else:
            cursor.connection.close()
        return answer
    return None  # unreachable: the second attempt returns or raises


# --- in the session's transaction, on its driver connection (PostgreSQL) -----------------

# Called with the session and the tables a statement sent by ``session_row`` wrote: such a
# statement bypasses the session's ``do_orm_execute`` event, which watchers of writes (the
# availability cache's version) otherwise rely on.
DRIVER_WRITE_WATCHERS: list[Callable[[Any, frozenset[str]], None]] = []


def session_row(statement: Executable, parameters: dict[str, Any], session: Any = None) -> Any:
    """The first row of ``statement`` (a plain tuple; None without one), run in the
    session's transaction, for the statements of a hot path (a booking's).

    On PostgreSQL it is sent on the session's own driver connection, its SQL compiled once
    per statement object (``_compiled_for``), its parameters put through their types' bind
    processors: SQLAlchemy's per-execution work (an execution context, the cursor's
    description, the result's metadata) cost ~0.15 ms of CPU a statement, a booking's CPU
    ~4 ms in six of them. What ``session.execute`` does besides is kept: a driver error is
    raised as SQLAlchemy's (``IntegrityError``, ``OperationalError``, ...) by SQLAlchemy's
    own handler, so a lost connection is invalidated and answered 503 the same way; the
    tables written are announced to ``DRIVER_WRITE_WATCHERS``. Elsewhere (SQLite) it is
    ``session.execute(...).first()``. Build ``statement`` once (a module constant).

    As with ``session.execute``, pending ORM changes are flushed first (autoflush), a
    parameter without a value is an error and so is one the statement does not bind (the
    SQL is compiled once, for the statement's own names: an UPDATE's columns are those its
    ``values()`` names). Unlike it, the row holds the driver's values: timestamps are in
    the server session's zone (convert them, as ``appointments._utc`` does)."""
    return session_rows([(statement, parameters)], session)[0]


def session_rows(
    statements: Sequence[tuple[Executable, dict[str, Any]]], session: Any = None
) -> list[Any]:
    """``session_row`` for several statements (statement, parameters) at once: their first
    rows, in order. On PostgreSQL they go to the server in ONE round trip (psycopg's
    pipeline mode), still each its own statement, run one after the other: a statement's
    snapshot is taken once the one before it is done (its locks granted), as when each
    waits for the other's answer. When one fails, those after it are not run."""
    if session is None or isinstance(session, scoped_session):
        session = (session or db.session)()  # the Session itself, not its proxy
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        rows = [session.execute(statement, values).first() for statement, values in statements]
        return [None if row is None else tuple(row) for row in rows]
    session._autoflush()  # what session.execute does first: pending changes are seen
    queued = session.info.pop(_QUEUED, None)
    if not queued:
        return _on_session_connection(session, connection, statements)
    ahead = [(statement, values) for statement, values, _check, _errors in queued]
    own = _of_failed([(statement, errors) for statement, _v, _c, errors in queued], connection)
    rows = _raised_as(own, _on_session_connection, session, connection, [*ahead, *statements])
    for (_statement, _values, check, _errors), row in zip(queued, rows, strict=False):
        if check is not None:
            check(row)
    return rows[len(queued) :]


_QUEUED = "palm_queued_statements"


def send_with_next(
    statement: Executable,
    parameters: dict[str, Any],
    check: Callable[[Any], None] | None = None,
    errors: _Errors = None,
) -> None:
    """Run ``statement`` in the session's transaction with the NEXT statement it sends,
    ahead of it, in one round trip (on PostgreSQL; now elsewhere), and hand its first row
    to ``check``; ``errors`` turns a database error of its own into the one to raise.

    For a statement whose answer nothing needs before the next one's (an
    Idempotency-Key's claim, before a booking's rules): the next statement is the one
    ``session_rows`` sends, a statement through the session (``do_orm_execute``), a flush,
    or the unit of work's end, whichever comes first; BEGIN goes with them. When it fails,
    the statements after it are not run, and the error is raised by whatever sent them."""
    session = db.session()
    if session.get_bind().dialect.name != "postgresql":
        row = _raised_as(errors, session_rows, [(statement, parameters)], session)[0]
        if check is not None:
            check(row)
        return
    session.info.setdefault(_QUEUED, []).append((statement, parameters, check, errors))


def send_queued(session: Any = None) -> None:
    """Send the statements ``send_with_next`` queued, now (nothing else to go with)."""
    session = session or db.session()
    if session.info.get(_QUEUED):
        session_rows([], session)


@event.listens_for(Session, "do_orm_execute")
def _queued_go_first(execute_state) -> None:
    """A statement through the session sends the queued ones first (their own round trip:
    SQLAlchemy's path cannot join a pipeline)."""
    if execute_state.session.info.get(_QUEUED):
        send_queued(execute_state.session)


@event.listens_for(Session, "before_flush")
def _queued_before_flush(session, _context, _instances) -> None:
    if session.info.get(_QUEUED):
        send_queued(session)


@event.listens_for(Session, "before_commit")
def _queued_before_commit(session) -> None:
    if session.info.get(_QUEUED):
        send_queued(session)


@event.listens_for(Session, "after_transaction_end")
def _queued_forgotten(session, transaction) -> None:
    """Whatever ends the session's transaction (a rollback, a close; a commit has sent
    them), its queued statements end with it; a savepoint's end leaves them be."""
    if transaction.parent is None:
        session.info.pop(_QUEUED, None)


class _PipelineAbortedNoise(logging.Filter):
    """psycopg logs a warning when a pipeline ends in error while the error it met is
    already being raised (``session_rows``: a queued claim refused, the expected way to a
    replayed answer). That error is raised and handled; the warning says nothing more."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("error ignored terminating" in message and "pipeline aborted" in message)


logging.getLogger("psycopg").addFilter(_PipelineAbortedNoise())


def _on_session_connection(session: Any, connection: Any, statements) -> list[Any]:
    """``session_rows``'s PostgreSQL path (a seam the tests count statements at)."""
    sql = values = cursor = None
    cursors: list[Any] = []
    sent: list[tuple[str, dict[str, Any]]] = []
    written: set[str] = set()
    try:
        driver = connection.connection.dbapi_connection
        for statement, parameters in statements:
            compiled = _compiled_for(connection.engine, statement)
            sql, values = compiled.sql, None  # (named in the error, should its values fail)
            values = _values_for(compiled, parameters)
            written |= compiled.written
            sent.append((sql, values))
        if len(sent) == 1 and driver.info.transaction_status != _IDLE:
            cursor = driver.cursor()
            cursors.append(cursor)
            cursor.execute(sql, values)
        else:
            # Leaving the block sends the one Sync and reads every answer (raising the
            # first error): one round trip. (An explicit ``sync()`` inside would be two.)
            # The transaction's BEGIN, when it is still to be sent, goes with them.
            with driver.pipeline():
                if driver.info.transaction_status == _IDLE:
                    _begin_queued(driver)
                for sql, values in sent:
                    cursor = driver.cursor()
                    cursors.append(cursor)
                    cursor.execute(sql, values)
        # A statement with columns has a row to read (``description`` would say the same,
        # building an object per column: ~40 of them a booking).
        rows = [c.fetchone() if c.pgresult.nfields else None for c in cursors]
    except BaseException as exc:  # raised again as SQLAlchemy would (never returns)
        # Its handler wraps what is not the driver's in a StatementError, and takes an
        # exit exception mid-statement (a worker's timeout) for a lost connection. The
        # statement named is the one that failed, not the last one sent.
        if len(cursors) > 1:
            sql, values, cursor = _failed(cursors, sent)
        connection._handle_dbapi_exception(exc, sql, values, cursor, None)
    finally:
        for opened in cursors:
            opened.close()
    if written:
        tables = frozenset(written)
        for watcher in DRIVER_WRITE_WATCHERS:
            watcher(session, tables)
    return rows


_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE: no transaction yet (BEGIN still to send)


def _begin_queued(driver: Any) -> None:
    """Put the transaction's BEGIN in the open pipeline, handed to libpq, so that the
    statements after it go in its round trip. Left to itself, psycopg sends it with a Sync
    of its own and waits for it (one round trip more) before the first statement. Its own
    internals (psycopg 3.2 and 3.3), as its ``_start_query`` uses them: the command queued
    as psycopg queues its own, then sent, after which libpq reports the connection busy
    and psycopg adds no BEGIN. (``test_session_row`` counts the round trips on the wire.)"""
    global _CAN_QUEUE_BEGIN
    if _CAN_QUEUE_BEGIN is None:
        _CAN_QUEUE_BEGIN = _psycopg_can_queue_begin()
    if driver.autocommit or not _CAN_QUEUE_BEGIN:
        return  # no BEGIN to send, or a psycopg without these internals: psycopg's own way
    driver.wait(driver._exec_command(driver._get_tx_start_command()))
    driver.wait(driver._pipeline._communicate_gen())


def _psycopg_can_queue_begin() -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    connection, pipeline = psycopg.Connection, psycopg.Pipeline
    return all(
        hasattr(connection, name) for name in ("_exec_command", "_get_tx_start_command")
    ) and (hasattr(pipeline, "_communicate_gen"))


_CAN_QUEUE_BEGIN: bool | None = None  # learnt on first use (PostgreSQL only)


def _failed(cursors: list[Any], sent: list[tuple[str, dict[str, Any]]]) -> tuple:
    """(SQL, values, cursor) of the first pipelined statement without a good answer."""
    import psycopg

    good = (psycopg.pq.ExecStatus.TUPLES_OK, psycopg.pq.ExecStatus.COMMAND_OK)
    for cursor, (sql, values) in zip(cursors, sent, strict=False):
        result = cursor.pgresult
        if result is None or result.status not in good:
            return sql, values, cursor
    return sent[-1][0], sent[-1][1], cursors[-1]


def _values_for(compiled: _Compiled, parameters: dict[str, Any]) -> dict[str, Any]:
    """The values to send for a ``_compiled_for`` entry: the statement's literals, the
    caller's parameters, the Python-side defaults, each through its type's bind processor."""
    _check_names(compiled, parameters)
    values = {**compiled.literals, **parameters}
    for key, default in compiled.defaults:
        if key not in parameters:
            values[key] = _default_value(default)
    for key, process in compiled.processors:
        if process is not None and key in values:
            values[key] = process(values[key])
    return values


def _default_value(default: Any) -> Any:
    """A column's Python-side default for one execution, as SQLAlchemy computes it."""
    return default.arg(None) if default.is_callable else default.arg


def _check_names(compiled: _Compiled, parameters: dict[str, Any]) -> None:
    """A required parameter missing, or one the SQL does not bind, is the caller's mistake:
    SQLAlchemy would refuse the first; the second would silently write nothing."""
    for name in compiled.required:
        if name not in parameters:
            raise InvalidRequestError(f"A value is required for bind parameter {name!r}")
    unknown = parameters.keys() - compiled.names
    if unknown:
        raise InvalidRequestError(f"Parameters the statement does not bind: {sorted(unknown)}")


def prepare_session_rows(statements: Sequence[Executable], session: Any = None) -> None:
    """Compile ``statements`` for ``session_row`` ahead of their first use (a worker's
    warm-up, for those that cannot run there without writing)."""
    session = session or db.session
    engine = session.get_bind()
    if engine.dialect.name == "postgresql":
        for statement in statements:
            _compiled_for(getattr(engine, "engine", engine), statement)


def open_connections(
    count: int,
    *,
    each: Callable[[Any], None] | None = None,
    kept_reads: Sequence[tuple[Executable, dict[str, Any]]] = (),
) -> int:
    """Open up to ``count`` database connections ahead of the first requests (a web worker
    starting): on PostgreSQL first the kept ones for ``read_value`` (at most ``_MAX_IDLE``,
    each with a 5 s connect timeout: a database that cannot be reached ends the warm-up
    there, well within gunicorn's boot timeout), then the pool's (at most its size: more
    would be closed as they are given back), checked out together and given back.
    ``kept_reads`` (read statements with plain values) run on every kept connection, and
    ``each(session)`` on every pool connection in a session bound to it, rolled back after:
    a new server process meets its tables (and the driver its statements) then, not on a
    request. Returns how many pool connections were opened. A worker that could not reach
    the database opens them on first use, as before."""
    from sqlalchemy.orm import Session

    engine = db.engine
    if engine.dialect.name == "postgresql":
        import psycopg

        idle = _of_engine(_idle_connections, engine, list)
        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while len(idle) < min(count, _MAX_IDLE):
            cursor = psycopg.connect(url, autocommit=True, connect_timeout=5).cursor()
            for statement, parameters in kept_reads:
                compiled = _compiled_for(engine, statement)
                cursor.execute(compiled.sql, {**compiled.literals, **parameters}).fetchall()
            idle.append(cursor)
    size = getattr(engine.pool, "size", None)
    if callable(size):
        count = min(count, size())
    held = []
    try:
        for _ in range(count):
            connection = engine.connect()
            held.append(connection)
            if each is None:
                connection.exec_driver_sql("SELECT 1")
                continue
            with Session(bind=connection) as session:
                each(session)
            connection.rollback()
    finally:
        for connection in held:
            connection.close()
    return len(held)


def _first_row(cursor, _compiled) -> Any:
    return cursor.fetchone()


def _plain_rows(cursor, compiled: _Compiled) -> list[Any]:
    """Rows with attribute access by column name, timestamps in UTC as the models' columns
    return them (``UTCDateTime``): the same values ``read_rows`` gives through the pool.
    The row type and the timestamp columns are learnt from the first answer's description
    and kept with the statement: building the description's column objects on every
    lookup cost more than the rows themselves."""
    shape = compiled.shape
    if shape is None:
        columns = cursor.description
        shape = compiled.shape = (
            _row_type(tuple(column.name for column in columns)),
            tuple(i for i, column in enumerate(columns) if column.type_code in _TIMESTAMP_OIDS),
        )
    row_type, timestamps = shape
    rows = cursor.fetchall()
    if not timestamps:
        return [row_type._make(row) for row in rows]
    made = []
    for row in rows:
        values = list(row)
        for i in timestamps:
            if values[i] is not None:
                values[i] = values[i].astimezone(UTC)
        made.append(row_type._make(values))
    return made


_TIMESTAMP_OIDS = frozenset({1114, 1184})  # timestamp, timestamptz


@lru_cache(maxsize=64)
def _row_type(names: tuple[str, ...]):
    return namedtuple("Row", names)  # noqa: PYI024 - a row of plain columns
