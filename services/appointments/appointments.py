"""Citizens' appointments: book, list, read, reschedule, cancel, the QR pass, the calendar file.

Capacity lives in the database: a seat is taken with one conditional update
(``booked = booked + 1 WHERE booked + held < capacity``) and given back with its mirror, so
two clients can never both get the last seat, on PostgreSQL or SQLite. Seats held for a
release or a waitlist offer (``held``) are taken only through ``take_held_seat``; a seat
given back is announced with the ``seat_returned`` signal in the same transaction, so the
waitlist can hold it before anyone else sees it free. "One active appointment
per applicant and service" is a unique partial index. Rows are locked in one order
everywhere (the account, then slots by id, then appointments), so concurrent bookings,
reschedules, cancellations and closures cannot deadlock. (A booking writes its appointment
before it takes the seat, last: the row's foreign key share-locks the slot, which its own
seat update then upgrades without waiting; PostgreSQL lets the only locker do that.)

Another account's appointment is "not found", exactly like one that does not exist.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, fields
from datetime import UTC, datetime, time, timedelta
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import segno
from flask import current_app
from sqlalchemy import Select, and_, bindparam, exists, func, select, update

from services.accounts.applicants import get_applicant
from services.accounts.registration import require_verified_email
from services.appointments.booking_codes import format_code, new_code
from services.appointments.booking_rows import OTHERS_ACTIVE, ROWS, new_appointment, write_rows
from services.appointments.ics import Event, render_event
from services.appointments.notices import notify_cancelled, notify_rescheduled
from services.appointments.sealed_passes import pass_payload
from services.appointments.slots import (
    CLOSURE_EXISTS,
    SLOT_CLOSED,
    booking_window,
    closure_exists,
    default_policy,
    ensure_offered,
    get_policy,
)
from services.core import clock, signals
from services.core.db import (
    db,
    prepare_session_rows,
    read_at_commit,
    run_writes,
    session_row,
    transactional,
    write_at_commit,
)
from services.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.core.languages import pick_translation
from services.core.local_time import local_date, zone
from services.idempotency.records import CLAIM_POSTGRES, STORE_ANSWER
from services.models import (
    ACTIVE_STATES,
    Account,
    Applicant,
    Appointment,
    BookingBlock,
    BookingPolicy,
    Fee,
    NotificationSettings,
    Post,
    ServiceType,
    Slot,
)
from services.notifications.notifications import default_settings

log = logging.getLogger(__name__)

DEFAULT_MAX_ACTIVE = 3


# --- seats ------------------------------------------------------------------------------
def lock_slots(slot_ids: list[int]) -> None:
    """Lock slot rows in id order (PostgreSQL; SQLite serialises writers anyway). FOR NO
    KEY UPDATE, the lock a seat's update takes: it waits for a booking's seat, but not for
    the share lock a booking's appointment row puts on its slot (the foreign key), which
    a stream of bookings of a popular slot would otherwise keep renewing ahead of it."""
    if slot_ids:
        db.session.execute(
            select(Slot.id)
            .where(Slot.id.in_(slot_ids))
            .order_by(Slot.id)
            .with_for_update(key_share=True)
        ).all()


_TAKE_SEAT = (
    update(Slot)
    .where(
        Slot.id == bindparam("slot_id"),
        Slot.booked + Slot.held < Slot.capacity,
        Slot.in_schedule.is_(True),
    )
    .values(booked=Slot.booked + 1)
    .execution_options(synchronize_session=False)
)


def take_seat(slot_id: int) -> None:
    """Take one seat of a slot or raise: the capacity check and the increment are one
    statement, evaluated by the database against the latest committed row."""
    _seat(slot_id, db.session.execute(_TAKE_SEAT, {"slot_id": slot_id}).rowcount)


def _seat(slot_id: int, taken: int) -> None:
    """Raise unless ``_TAKE_SEAT`` took the seat (``taken``: the rows it changed)."""
    if taken == 1:
        return
    in_schedule = db.session.scalar(select(Slot.in_schedule).where(Slot.id == slot_id))
    if not in_schedule:
        raise NotFound("slot_not_found")
    raise Conflict("slot_full")


def take_held_seat(slot_id: int) -> None:
    """Turn one held seat of a slot into a booked one (a waitlist offer accepted)."""
    result = db.session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.held >= 1)
        .values(booked=Slot.booked + 1, held=Slot.held - 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("slot_full")


def stop_holding(slot_id: int, seats: int) -> None:
    """Stop holding ``seats`` of a slot (a release cancelled or allocated, an offer closed):
    they count as free again. A slot holding fewer means the counters no longer add up;
    that is logged rather than hidden, and nothing is taken below zero."""
    result = db.session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.held >= seats)
        .values(held=Slot.held - seats)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        log.error("slot %s holds fewer than the %s seats given back", slot_id, seats)


def release_seats(slot_id: int, count: int = 1, *, announce: bool = True) -> None:
    """Give seats back; ``announce`` tells the waitlist (not when the post is closing)."""
    db.session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.booked >= count)
        .values(booked=Slot.booked - count)
        .execution_options(synchronize_session=False)
    )
    if announce:
        signals.seat_returned.send(slot_id)


def _lock_account(account: Account) -> None:
    # Serialises one account's bookings, so the cap and the duplicate check see each other.
    db.session.execute(select(Account.id).where(Account.id == account.id).with_for_update()).all()


def _ensure_open(post: Post, slot: Slot) -> None:
    if closure_exists(post.id, slot.starts_at, slot.ends_at):
        raise Conflict("post_closed")


def _ensure_not_blocked(account: Account, post: Post, now: datetime) -> None:
    until = db.session.scalar(
        select(func.max(BookingBlock.ends_at)).where(
            BookingBlock.account_id == account.id,
            BookingBlock.post_id == post.id,
            BookingBlock.ends_at > now,
        )
    )
    if until is not None:
        raise Forbidden(
            "booking_blocked", until=local_date(until, zone(post.time_zone)).isoformat()
        )


def _max_active() -> int:
    return int(current_app.config.get("APPOINTMENTS_MAX_ACTIVE_PER_ACCOUNT", DEFAULT_MAX_ACTIVE))


# --- booking ----------------------------------------------------------------------------
class _Fee(NamedTuple):
    """The fee a booking quotes: read as two columns, not loaded as an ORM object (the
    mapped Fee would also join its service a second time, eagerly)."""

    amount_minor: int
    currency: str


class _Horizon(NamedTuple):
    """What ``booking_window`` reads of a post's BookingPolicy, read as two columns."""

    min_lead_hours: int
    max_days_ahead: int


# What a booking reads of the rows it names (its rules, its confirmation and its answer),
# read as plain columns, not loaded as ORM objects: the mapped entities cost a booking more
# CPU than the statement itself. Plain classes with slots: the answer's schema reads their
# attributes as it reads the mapped ones.
@dataclass(slots=True)
class BookedPost:
    id: int
    code: str
    names: dict
    time_zone: str
    address: str


@dataclass(slots=True)
class BookedService:
    id: int
    code: str
    names: dict
    materials: dict | None
    is_active: bool


@dataclass(slots=True)
class BookedApplicant:
    id: int
    surname_latin: str
    given_names_latin: str


@dataclass(slots=True)
class BookedSlot:
    id: int
    post_id: int
    service_type_id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    held: int
    in_schedule: bool


@dataclass(slots=True)
class BookedSettings:
    """The account's notification settings, as the confirmation reads them."""

    account_id: int
    muted_kinds: list
    email_kinds: list
    quiet_start: time | None
    quiet_end: time | None


# The columns of each, in the statement's order (the classes' fields are named alike).
_READ: tuple[tuple[type, Any, tuple[str, ...]], ...] = tuple(
    (kind, model, tuple(f.name for f in fields(kind)))
    for kind, model in (
        (BookedPost, Post),
        (BookedService, ServiceType),
        (BookedApplicant, Applicant),
        (BookedSlot, Slot),
        (BookedSettings, NotificationSettings),
    )
)


@dataclass(frozen=True)
class _Facts:
    """Everything a booking's rules read, from one statement."""

    post: BookedPost | None
    service: BookedService | None
    fee: _Fee | None
    applicant: BookedApplicant | None
    slot: BookedSlot | None
    policy: _Horizon | None
    blocked_until: datetime | None
    closed: bool
    settings: BookedSettings | None  # the account's, for the confirmation
    appointment_id: int | None  # drawn from its sequence (PostgreSQL; None elsewhere)


def _facts_statement() -> Select:
    blocked_until = (
        select(func.max(BookingBlock.ends_at))
        .where(
            BookingBlock.account_id == Account.id,
            BookingBlock.post_id == Post.id,
            BookingBlock.ends_at > bindparam("now", type_=BookingBlock.ends_at.type),
        )
        .scalar_subquery()
    )
    columns = [getattr(model, name) for _kind, model, names in _READ for name in names]
    return (
        select(*columns)
        .add_columns(Fee.amount_minor, Fee.currency)
        .add_columns(BookingPolicy.min_lead_hours, BookingPolicy.max_days_ahead)
        .add_columns(blocked_until, SLOT_CLOSED)
        .select_from(Account)
        .outerjoin(Post, and_(Post.code == bindparam("post_code"), Post.is_active.is_(True)))
        .outerjoin(ServiceType, ServiceType.code == bindparam("service_code"))
        .outerjoin(Fee, and_(Fee.post_id == Post.id, Fee.service_type_id == ServiceType.id))
        .outerjoin(
            Applicant,
            and_(Applicant.id == bindparam("applicant_id"), Applicant.account_id == Account.id),
        )
        .outerjoin(Slot, Slot.id == bindparam("slot_id"))
        .outerjoin(BookingPolicy, BookingPolicy.post_id == Post.id)
        .outerjoin(NotificationSettings, NotificationSettings.account_id == Account.id)
        .where(Account.id == bindparam("account_id"))
        .with_for_update(of=Account)
    )


# Built once: constructing this expression on every booking cost more CPU than running it.
_FACTS = _facts_statement()
# PostgreSQL: the new appointment's id drawn too, so that its rows can go with the seat.
_FACTS_AND_ID = _FACTS.add_columns(
    func.nextval(func.pg_get_serial_sequence(Appointment.__tablename__, "id"))
)


def _utc(value: datetime | None) -> datetime | None:
    # The driver's timestamps are aware in the session's zone; the models' are UTC.
    return None if value is None else value.astimezone(UTC)


def _booking_facts(
    account: Account,
    *,
    post_code: str,
    service_code: str,
    applicant_id: int,
    slot_id: int,
    now: datetime,
) -> _Facts:
    """The post, service, fee, applicant, slot and policy a booking names, whether the
    account is blocked at the post and whether a closure covers the slot, in ONE statement
    that also locks the account's row (the order every writer follows: the account, then
    slots), sent on the session's driver connection (``session_row``). Each is None when
    missing (outer joins from the account's row: a NULL id is a row that is not there), so
    the rules can still be reported one by one, in their order. On PostgreSQL the new
    appointment's id is drawn from its sequence in the same statement."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    row = session_row(
        _FACTS_AND_ID if postgres else _FACTS,
        {
            "post_code": post_code.upper(),
            "service_code": service_code,
            "applicant_id": applicant_id,
            "slot_id": slot_id,
            "account_id": account.id,
            "now": now,
        },
    )
    read, at = [], 0
    for kind, _model, names in _READ:
        values = row[at : at + len(names)]
        at += len(names)
        read.append(None if values[0] is None else kind(*values))
    post, service, applicant, slot, settings = read
    amount_minor, currency, lead, ahead, blocked_until, closed, *drawn = row[at:]
    if slot is not None:
        slot.starts_at, slot.ends_at = _utc(slot.starts_at), _utc(slot.ends_at)
    return _Facts(
        post,
        service,
        None if amount_minor is None else _Fee(amount_minor, currency),
        applicant,
        slot,
        None if lead is None else _Horizon(lead, ahead),
        _utc(blocked_until),
        bool(closed),
        settings,
        drawn[0] if drawn else None,
    )


@transactional
def book_appointment(
    account: Account, *, applicant_id: int, post_code: str, service_code: str, slot_id: int
) -> Appointment:
    """Book a seat: the rules are read in one statement (``_booking_facts``, which on
    PostgreSQL also draws the appointment's id) and reported in their documented order;
    then, at the unit of work's end, in one round trip on PostgreSQL: the appointment's
    rows and the account's cap (one statement, ``booking_rows``), the seat (the
    conditional update, a deferred write: with the stored answer of an Idempotency-Key, one
    statement) and a closure committed meanwhile.
    Release day's taps on a full slot are mostly refused before this, in front of Flask
    (``api.edge_refusals``)."""
    # A seat is scarce: it goes to an account whose owner reads its mail (README).
    require_verified_email(account)  # an attribute of the loaded account: no query
    now = clock.now()
    facts = _booking_facts(
        account,
        post_code=post_code,
        service_code=service_code,
        applicant_id=applicant_id,
        slot_id=slot_id,
        now=now,
    )
    slot = facts.slot if facts.slot is not None and facts.slot.in_schedule else None
    # A full slot first, whatever else is wrong (release day: most taps are late). The read
    # may be stale, which can only cost a 409; the seat is taken by the conditional update.
    if slot is not None and slot.booked + slot.held >= slot.capacity:
        raise Conflict("slot_full")
    post, service = facts.post, facts.service
    if post is None:
        raise NotFound("post_not_found")
    if service is None:
        raise NotFound("service_not_found")
    fee = facts.fee
    if fee is None or not service.is_active:
        raise InvalidInput("service_not_offered", service=service.code)
    applicant = facts.applicant
    if applicant is None:
        raise NotFound("applicant_not_found")
    if slot is None:
        raise NotFound("slot_not_found")
    if slot.post_id != post.id or slot.service_type_id != service.id:
        raise InvalidInput("slot_mismatch")
    if facts.blocked_until is not None:
        raise Forbidden(
            "booking_blocked",
            until=local_date(facts.blocked_until, zone(post.time_zone)).isoformat(),
        )
    policy = facts.policy or default_policy(post)
    if not booking_window(post, policy, now).contains(slot.starts_at):
        raise InvalidInput("outside_booking_window")
    # Checked first, so a closed day answers post_closed whatever else is wrong; and again
    # once the seat is locked, for a closure committed meanwhile.
    if facts.closed:
        raise Conflict("post_closed")

    settings = facts.settings or default_settings(account.id)
    # The rows, and the account's other active appointments read after its lock (twin
    # requests see each other); a duplicate for the applicant and service meets the unique
    # index. On PostgreSQL at the unit of work's end, before the seat, in its round trip.
    appointment = write_rows(
        account,
        applicant,
        post,
        service,
        slot,
        fee,
        settings,
        code=new_code(),
        appointment_id=facts.appointment_id,
        check_active=_refuse_over_cap,
    )
    # The seat last, at the unit of work's end (with the stored answer, for a request with
    # an Idempotency-Key: one statement on PostgreSQL): every booking of the slot queues for
    # its row's lock, which is then held for the seat's update, the closure check and the
    # commit only, not for the appointment's rows. A slot found full rolls everything back.
    write_at_commit(_TAKE_SEAT, {"slot_id": slot.id}, check=lambda taken: _seat(slot.id, taken))
    # Its own statement, AFTER the seat's: a statement reads the snapshot taken when it
    # starts (READ COMMITTED), and only one that starts once the seat's update has been
    # granted the slot row's lock is ordered after a closure that cancelled the slot's
    # bookings while holding that lock; in the seat's statement, it could miss it. On
    # PostgreSQL both go in one round trip (``read_at_commit``): the lock is held for it
    # and the commit's.
    read_at_commit(
        CLOSURE_EXISTS,
        {"post_id": post.id, "starts_at": slot.starts_at, "ends_at": slot.ends_at},
        check=_refuse_closed,
    )
    return appointment


def _refuse_closed(row: tuple) -> None:
    if row[0]:
        raise Conflict("post_closed")


# ``appointment_id``: the booking's own row, already written when they are asked (0: none).
_DUPLICATE = exists().where(
    Appointment.applicant_id == bindparam("applicant_id"),
    Appointment.service_type_id == bindparam("service_id"),
    Appointment.status.in_(ACTIVE_STATES),
    Appointment.id != bindparam("appointment_id"),
)
_DUPLICATE_AND_ACTIVE = select(_DUPLICATE, OTHERS_ACTIVE.scalar_subquery())


def _refuse_duplicate_or_over_cap(duplicate: bool, active: int) -> None:
    if duplicate:
        raise Conflict("duplicate_appointment")
    _refuse_over_cap(active)


def _refuse_over_cap(active: int) -> None:
    limit = _max_active()
    if active >= limit:
        raise Conflict("appointment_limit_reached", limit=limit)


def _ensure_can_book(account: Account, applicant_id: int, service_id: int) -> None:
    """The account's lock, then "one active appointment per applicant and service" and the
    account's cap, in one statement after the lock, so twin requests see each other."""
    _lock_account(account)
    duplicate, active = db.session.execute(
        _DUPLICATE_AND_ACTIVE,
        {
            "applicant_id": applicant_id,
            "service_id": service_id,
            "account_id": account.id,
            "appointment_id": 0,
        },
    ).one()
    _refuse_duplicate_or_over_cap(duplicate, active)


def book_held_seat(account: Account, *, applicant_id: int, slot_id: int) -> Appointment:
    """Book the seat held for this traveller in ``slot_id`` (a waitlist offer accepted),
    inside the caller's unit of work. The caller has locked the account and the slot (in
    that order) and made sure the hold is theirs; the same rules as a booking apply."""
    slot = db.session.get(Slot, slot_id)
    post = db.session.get(Post, slot.post_id)
    service = db.session.get(ServiceType, slot.service_type_id)
    fee = ensure_offered(post, service)
    applicant = get_applicant(account, applicant_id)
    _ensure_not_blocked(account, post, clock.now())
    _ensure_open(post, slot)
    _ensure_can_book(account, applicant.id, service.id)
    take_held_seat(slot.id)
    return new_appointment(account, applicant, post, service, slot, fee, code=new_code())


# --- reading ----------------------------------------------------------------------------
def appointments_query(account: Account, *, status: str | None = None) -> Select:
    query = select(Appointment).where(Appointment.account_id == account.id)
    if status:
        query = query.where(Appointment.status == status)
    return query.order_by(Appointment.id.desc())


def get_appointment(account: Account, appointment_id: int) -> Appointment:
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None or appointment.account_id != account.id:
        raise NotFound("appointment_not_found")
    return appointment


def _reload(appointment_id: int) -> Appointment:
    return db.session.get(Appointment, appointment_id, populate_existing=True)


def _ensure_changeable(appointment: Appointment, now: datetime) -> None:
    if appointment.status != "booked":
        raise Conflict("appointment_not_active", status=appointment.status)
    hours = get_policy(appointment.post).cancel_cutoff_hours
    if now > appointment.slot.starts_at - timedelta(hours=hours):
        raise Conflict("change_cutoff_passed", hours=hours)


def _move(appointment: Appointment, from_slot: int, values: dict[str, Any]) -> None:
    """Change a booked appointment that is still in ``from_slot``, or raise."""
    result = db.session.execute(
        update(Appointment)
        .where(
            Appointment.id == appointment.id,
            Appointment.status == "booked",
            Appointment.slot_id == from_slot,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        current = _reload(appointment.id)
        raise Conflict("appointment_not_active", status=current.status)


# --- changing ---------------------------------------------------------------------------
@transactional
def cancel_appointment(account: Account, appointment_id: int) -> Appointment:
    """Cancel (until the post's cutoff) and give the seat back at once. Cancelling twice
    answers the cancelled appointment again, so a retried request is harmless."""
    appointment = get_appointment(account, appointment_id)
    if appointment.status == "cancelled" and appointment.cancel_reason == "citizen":
        return appointment
    now = clock.now()
    _ensure_changeable(appointment, now)
    slot_id = appointment.slot_id
    lock_slots([slot_id])
    _move(
        appointment,
        slot_id,
        {
            "status": "cancelled",
            "cancelled_at": now,
            "cancel_reason": "citizen",
            # A calendar app applies a change only with a higher SEQUENCE (RFC 5545 3.8.7.4).
            "sequence": Appointment.sequence + 1,
            "updated_at": now,
        },
    )
    release_seats(slot_id)
    cancelled = _reload(appointment.id)
    notify_cancelled(cancelled)
    return cancelled


@transactional
def reschedule_appointment(account: Account, appointment_id: int, slot_id: int) -> Appointment:
    """Move to another slot of the same post and service: the new seat is taken before the
    old one is given back, in one transaction, so it is both or neither."""
    appointment = get_appointment(account, appointment_id)
    now = clock.now()
    _ensure_changeable(appointment, now)
    target = db.session.get(Slot, slot_id)
    if target is None or not target.in_schedule:
        raise NotFound("slot_not_found")
    if target.id == appointment.slot_id:
        raise Conflict("same_slot")
    if target.post_id != appointment.post_id or target.service_type_id != (
        appointment.service_type_id
    ):
        raise InvalidInput("slot_mismatch")
    post = appointment.post
    if not booking_window(post, get_policy(post), now).contains(target.starts_at):
        raise InvalidInput("outside_booking_window")
    _ensure_open(post, target)

    old_slot = appointment.slot_id
    old_starts_at = appointment.slot.starts_at
    lock_slots([old_slot, target.id])
    take_seat(target.id)
    _ensure_open(post, target)
    _move(
        appointment,
        old_slot,
        {
            "slot_id": target.id,
            "sequence": Appointment.sequence + 1,
            "reminder_sent_at": None,
            "updated_at": now,
        },
    )
    release_seats(old_slot)
    moved = _reload(appointment.id)
    notify_rescheduled(moved, old_starts_at)
    return moved


# --- the pass and the calendar file -----------------------------------------------------
def pass_svg(account: Account, appointment_id: int) -> bytes:
    """The QR pass: an SVG of its sealed payload (``sealed_passes``)."""
    appointment = get_appointment(account, appointment_id)
    qr = segno.make(pass_payload(appointment), error="m", micro=False)
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=6, border=4, xmldecl=True, title="Appointment pass")
    return buffer.getvalue()


def calendar_file(account: Account, appointment_id: int, language: str) -> tuple[str, str]:
    """The iCalendar file and a file name for it."""
    appointment = get_appointment(account, appointment_id)
    post, service = appointment.post, appointment.service_type
    materials = (service.materials or {}).get(language) or (service.materials or {}).get("en", [])
    code = format_code(appointment.code)
    description = "\n".join([code, *(f"- {item}" for item in materials)])
    host = urlsplit(current_app.config.get("PUBLIC_BASE_URL") or "").hostname
    event = Event(
        uid=f"appointment-{appointment.id}@{host or 'palm-service-hall'}",
        starts_at=appointment.slot.starts_at,
        ends_at=appointment.slot.ends_at,
        time_zone=post.time_zone,
        summary=f"{pick_translation(service.names, language)} - "
        f"{pick_translation(post.names, language)}",
        location=post.address,
        description=description,
        sequence=appointment.sequence,
        cancelled=appointment.status == "cancelled",
    )
    text = render_event(event, now=clock.now(), product="-//Palm service hall//Appointments//EN")
    return text, f"appointment-{code}.ics"


# --- a worker's start -------------------------------------------------------------------
def warm_statements(session=None) -> None:
    """Run the booking's statements once at a web worker's start (``api.warm``), each with
    values that match no row, in ``session`` (default: the request's), which rolls back;
    those that cannot run without writing are compiled only."""
    session = session or db.session
    nothing = datetime(2000, 1, 1, tzinfo=clock.now().tzinfo)
    postgres = session.get_bind().dialect.name == "postgresql"
    session_row(
        _FACTS_AND_ID if postgres else _FACTS,  # no row: no id drawn
        {
            "post_code": "",
            "service_code": "",
            "applicant_id": 0,
            "slot_id": 0,
            "account_id": 0,
            "now": nothing,
        },
        session,
    )
    # Not the rows' insert nor the key's claim: they cannot run without writing (a refused
    # one would log an error on the server at every start); compiled for the first booking.
    prepare_session_rows([ROWS, CLAIM_POSTGRES], session)
    # The seat with a stored answer, then the closure's re-check, sent as a unit of work's
    # end sends them.
    answer = {
        "record_scope": "",
        "record_key": "",
        "status_code": 0,
        "response_body": "",
        "location": None,
    }
    closure = {"post_id": 0, "starts_at": nothing, "ends_at": nothing}
    recheck = [(CLOSURE_EXISTS, closure, lambda _row: None)]
    run_writes(
        [(_TAKE_SEAT, {"slot_id": 0}, None), (STORE_ANSWER, answer, None)],
        session,
        reads=recheck,
    )
    # And without an Idempotency-Key (the key is optional): the seat alone.
    run_writes([(_TAKE_SEAT, {"slot_id": 0}, None)], session, reads=recheck)
