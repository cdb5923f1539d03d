"""A booking's rows: the appointment, its confirmation (inbox, pushes, e-mail) and the
account's count of active appointments; in ONE statement on PostgreSQL, sent with the seat.

``appointments.book_appointment`` calls ``write_rows`` after the rules' statement has
locked the account and drawn the appointment's id from its sequence. On PostgreSQL the
statement is built once: a CTE inserts the appointment (with that id), the inbox item and
its pending deliveries follow from it (``services.notifications.inbox_rows``: the item's
data gets the id in SQL), and the outer SELECT counts the account's active appointments.
That count runs on the statement's snapshot, which cannot see the CTE's own insert ("this
appointment aside", what the cap wants), and was taken after the account's lock was
granted, so a twin booking of the same account that committed is counted. It is not sent
at once: the id is known, so the answer (and an Idempotency-Key's stored copy of it) is
made first, and the statement goes at the unit of work's end (``insert_at_commit``), in
the round trip of the seat, the stored answer and the closure's re-check after it.

The unique index (a twin for the applicant and service), the foreign key (the applicant
deleted meanwhile) and the code's uniqueness still refuse the insert, with the same errors
as the ORM's insert (``insert_refused``). The statement is sent on the session's driver
connection (``session_rows``), and the appointment returned is a ``BookedAppointment``
built from the values bound, with the rows the rules read: not an ORM object (building,
instrumenting and adding one cost more CPU than the statement), never reloaded; the view
serialises it as it would the mapped one. Elsewhere (SQLite) the ORM inserts the
appointment at once, ``notify`` its confirmation, and a third statement counts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError

from services.appointments.notices import booked_inbox_item, email_booked, notify_booked
from services.core.db import db, insert_at_commit, is_foreign_key_violation
from services.core.errors import Conflict, NotFound, ServiceUnavailable
from services.models import ACTIVE_STATES, Account, Appointment
from services.models.types import utcnow
from services.notifications.inbox_rows import inbox_ctes, inbox_item_written

log = logging.getLogger(__name__)

_TABLE = Appointment.__table__
# The columns bound by name (the others: constants below, or NULL).
_BOUND = (
    "id",
    "code",
    "account_id",
    "applicant_id",
    "post_id",
    "service_type_id",
    "slot_id",
    "fee_amount_minor",
    "fee_currency",
)


# The active states as bound values of their own: a plain ``in_(ACTIVE_STATES)`` is an
# "expanding" parameter, which SQLAlchemy renders into the SQL text again on every
# execution (a regular expression over the whole of the long rows' statement below).
_ACTIVE_STATES = [bindparam(f"active_state_{n}", state) for n, state in enumerate(ACTIVE_STATES)]
# The account's active appointments (on PostgreSQL, on a snapshot without the new one).
_ACTIVE = (
    select(func.count())
    .select_from(_TABLE)
    .where(_TABLE.c.account_id == bindparam("account_id"), _TABLE.c.status.in_(_ACTIVE_STATES))
)
# ... but for the one named (``appointment_id``: 0 for none), as the held seat's booking asks.
OTHERS_ACTIVE = _ACTIVE.where(_TABLE.c.id != bindparam("appointment_id"))


def write_rows(
    account: Account,
    applicant: Any,
    post: Any,
    service: Any,
    slot: Any,
    fee: Any,
    settings: Any,
    *,
    code: str,
    appointment_id: int | None,
    check_active: Callable[[int], None],
) -> Any:
    """The booked appointment (with booking code ``code``) and its confirmation; and
    ``check_active(n)``, told how many other active appointments the account has, which may
    refuse the booking. On PostgreSQL (``appointment_id``: drawn from its sequence with the
    rules) one statement, sent at the unit of work's end before the seat
    (``insert_at_commit``), the appointment a ``BookedAppointment``; elsewhere three or
    more now (the ORM's insert, ``notify``'s, and the count). The rows named are those the
    rules read (anything with their attributes: ``appointments.BookedPost`` and the like,
    or the mapped ones)."""
    if appointment_id is None:  # SQLite: the ORM's insert now, then the count
        appointment = new_appointment(
            account, applicant, post, service, slot, fee, settings, code=code
        )
        others = {"account_id": account.id, "appointment_id": appointment.id}
        check_active(db.session.scalar(OTHERS_ACTIVE, others))
        return appointment
    # PostgreSQL: the appointment answered now, its rows (and the count of the account's
    # others) written in one statement at the unit of work's end; the confirmation's push
    # and e-mail follow as ``notify_booked``'s do.
    now = utcnow()
    appointment = BookedAppointment(
        id=appointment_id,
        code=code,
        account_id=account.id,
        post=post,
        service_type=service,
        applicant=applicant,
        slot=slot,
        fee_amount_minor=fee.amount_minor,
        fee_currency=fee.currency,
        created_at=now,
    )
    item = booked_inbox_item(appointment, account, settings, now)
    values = {name: getattr(appointment, name) for name in _BOUND}

    def written(row: tuple) -> None:
        _id, item_id, deliveries, active = row
        inbox_item_written(item, item_id, deliveries)
        check_active(active)

    insert_at_commit(ROWS, {**values, **item.parameters, "now": now}, written, insert_refused)
    email_booked(appointment, account, settings, at_commit=True)  # after the rows, with them
    return appointment


def new_appointment(
    account, applicant, post, service, slot, fee, settings=None, *, code: str
) -> Appointment:
    """The appointment inserted by the ORM, and its confirmation (``notify_booked``)."""
    appointment = _booked(account, applicant, post, service, slot, fee, code)
    db.session.add(appointment)
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise insert_refused(exc) from None
    notify_booked(appointment, settings)
    return appointment


def _booked(account, applicant, post, service, slot, fee, code: str) -> Appointment:
    """A booked appointment object (not added to the session). By the rows' ids: the rows
    may be the plain ones the booking's rules read (the answer loads the mapped ones, from
    the session's identity map when they are there)."""
    return Appointment(
        code=code,
        account_id=account.id,
        applicant_id=applicant.id,
        post_id=post.id,
        service_type_id=service.id,
        slot_id=slot.id,
        status="booked",
        fee_amount_minor=fee.amount_minor,
        fee_currency=fee.currency,
    )


def insert_refused(exc: IntegrityError) -> Exception:
    """Why the database refused a booking's insert, as the error to answer (or ``exc``
    itself when it is none of a booking's: a device removed under the pushes' insert).
    Codes are drawn without a query (~2^59 of them): a collision (astronomically rare)
    fails the insert on the code's unique constraint, answered 503, and the phone's retry
    with the same Idempotency-Key books again with a new code."""
    if is_foreign_key_violation(exc):
        table = getattr(getattr(exc.orig, "diag", None), "table_name", None)
        if table in (None, "appointment"):  # the applicant was deleted meanwhile
            return NotFound("applicant_not_found")
        return exc
    if _is_code_collision(exc):
        log.warning("booking code collision; the booking was rolled back")
        return ServiceUnavailable()
    # The unique partial index: a twin booking for this applicant and service won.
    return Conflict("duplicate_appointment")


def _is_code_collision(exc: IntegrityError) -> bool:
    constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    return constraint == "uq_appointment_code" or "appointment.code" in str(exc.orig)


def _rows_statement():
    now = bindparam("now", type_=_TABLE.c.created_at.type)
    appointment = (
        insert(_TABLE)
        .values(
            {name: bindparam(name, type_=_TABLE.c[name].type) for name in _BOUND}
            | {"status": "booked", "sequence": 0, "created_at": now, "updated_at": now}
        )
        .returning(_TABLE.c.id)
        .cte("booked")
    )
    item, deliveries = inbox_ctes(appointment.c.id, "appointment_id")
    return select(
        select(appointment.c.id).scalar_subquery(),
        select(item.c.id).scalar_subquery(),
        select(func.count()).select_from(deliveries).scalar_subquery(),
        _ACTIVE.scalar_subquery(),
    )


# Built once: constructing this expression on every booking would cost more than sending it.
ROWS = _rows_statement()


@dataclass(slots=True)
class BookedAppointment:
    """An appointment ``write_rows`` writes on PostgreSQL, with what its answer and
    confirmation read: its columns, and the post, service, applicant and slot the rules
    read (``post``, ``service_type``, ``applicant``, ``slot``, as on the mapped one)."""

    id: int
    code: str
    account_id: int
    post: Any
    service_type: Any
    applicant: Any
    slot: Any
    fee_amount_minor: int
    fee_currency: str
    created_at: datetime
    status: str = "booked"
    sequence: int = 0
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    closure_id: int | None = None
    checked_in_at: datetime | None = None
    completed_at: datetime | None = None
    no_show_at: datetime | None = None
    reminder_sent_at: datetime | None = None

    # The rows' ids, as the mapped appointment has them; written and last updated at once.
    applicant_id = property(lambda self: self.applicant.id)
    post_id = property(lambda self: self.post.id)
    service_type_id = property(lambda self: self.service_type.id)
    slot_id = property(lambda self: self.slot.id)
    updated_at = property(lambda self: self.created_at)
