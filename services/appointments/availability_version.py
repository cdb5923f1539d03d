"""A number that moves, in this process, whenever a commit changed what availability shows.

Availability is read far more often than seats change, so its answers are cached
(``api.cache``); this version tells the cache when a local commit made them stale. Rather
than trusting every service that touches seats to say so (and the next one to remember), the
session is watched: any INSERT, UPDATE or DELETE on the tables availability is computed from
(slots, closures, booking policies, schedule templates), whether through the ORM or a
statement such as the booking's conditional ``UPDATE slot SET booked = booked + 1`` (also
when it is sent with other deferred writes as one statement, ``write_at_commit``, or on
the session's driver connection, ``services.core.db.session_row``), marks
the session; the mark turns into a new version when the transaction commits and is dropped
when it rolls back. Catalogue changes (a service no longer offered) move
``catalogue_version``, which ``current`` includes.

Not seen: writes made outside an ORM session (``Connection.execute``, raw ``text()`` DML)
and writes by other processes (Celery's nightly slot generation, other workers); for those
a cached answer lasts at most its lifetime (``AVAILABILITY_CACHE_SECONDS``).
"""

from __future__ import annotations

import threading
from itertools import chain

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from services.catalogue.catalogue import catalogue_version
from services.core.db import DRIVER_WRITE_WATCHERS, TABLES_WRITTEN

WATCHED_TABLES = frozenset({"slot", "closure", "booking_policy", "schedule_template"})
_MARK = "palm.availability_changed"

_version = 0
_lock = threading.Lock()


def current() -> tuple[int, int]:
    """The version an availability answer depends on (catalogue and seats)."""
    return catalogue_version(), _version


@event.listens_for(Session, "do_orm_execute")
def _watch_statements(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        # Deferred writes sent together (the booking's seat with its stored answer) are
        # one SELECT whose CTEs write: it names the tables it writes.
        if WATCHED_TABLES & state.execution_options.get(TABLES_WRITTEN, frozenset()):
            state.session.info[_MARK] = True
        return
    table = getattr(state.statement, "table", None)
    if table is not None and getattr(table, "name", None) in WATCHED_TABLES:
        state.session.info[_MARK] = True


def _watch_driver_writes(session: Session, tables: frozenset[str]) -> None:
    # Statements sent on the session's driver connection (``services.core.db.session_row``:
    # the booking's seat, on PostgreSQL) never reach ``do_orm_execute``.
    if WATCHED_TABLES & tables:
        session.info[_MARK] = True


DRIVER_WRITE_WATCHERS.append(_watch_driver_writes)


@event.listens_for(Session, "before_flush")
def _watch_flush(session: Session, _context, _instances) -> None:
    for obj in chain(session.new, session.dirty, session.deleted):
        table = getattr(obj, "__table__", None)
        if table is not None and table.name in WATCHED_TABLES:
            session.info[_MARK] = True
            return


@event.listens_for(Session, "after_commit")
def _bump(session: Session) -> None:
    global _version
    if session.info.pop(_MARK, False):
        with _lock:
            _version += 1


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_MARK, None)
