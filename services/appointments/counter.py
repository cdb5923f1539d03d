"""The counter: an officer's day sheet, check-in (QR pass or typed code), no-show, complete.

Every action is scoped to the officer's posts and audited. Status changes are conditional
updates (``WHERE status = 'booked'``), so two officers acting at once cannot both win.
The no-show policy, when a post enables it, blocks booking there for N days once an
account has K no-shows at that post (counted since its previous block).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import contains_eager

from services.accounts.access import require_post_scope
from services.accounts.audit import record_audit
from services.appointments.booking_codes import normalise_code, read_pass_token
from services.appointments.sealed_passes import is_sealed_pass, read_sealed_pass
from services.appointments.slots import get_policy
from services.catalogue.catalogue import get_post
from services.core import clock
from services.core.db import db, transactional
from services.core.errors import Conflict, InvalidInput, NotFound
from services.core.local_time import day_bounds, local_date, zone
from services.models import Account, Appointment, BookingBlock, Post, Slot


def _staff_post(actor: Account, post_code: str) -> Post:
    post = get_post(post_code, include_inactive=True)
    require_post_scope(actor, post)
    return post


def day_sheet_query(
    actor: Account, post_code: str, day: date | None, *, include_cancelled: bool = False
) -> Select:
    """The post's appointments on one local day, in time order."""
    post = _staff_post(actor, post_code)
    tz = zone(post.time_zone)
    day = day or local_date(clock.now(), tz)
    start, end = day_bounds(day, day, tz)
    query = (
        select(Appointment)
        .join(Appointment.slot)
        .options(contains_eager(Appointment.slot))
        .where(Appointment.post_id == post.id, Slot.starts_at >= start, Slot.starts_at < end)
    )
    if not include_cancelled:
        query = query.where(Appointment.status != "cancelled")
    return query.order_by(Slot.starts_at, Appointment.id)


def _transition(appointment: Appointment, source: str, values: dict[str, object]) -> Appointment:
    result = db.session.execute(
        update(Appointment)
        .where(Appointment.id == appointment.id, Appointment.status == source)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    current = db.session.get(Appointment, appointment.id, populate_existing=True)
    if result.rowcount != 1:
        raise Conflict("invalid_status", status=current.status)
    return current


@transactional
def check_in(
    actor: Account, post_code: str, *, token: str | None = None, code: str | None = None
) -> Appointment:
    post = _staff_post(actor, post_code)
    appointment = None
    if token is not None and is_sealed_pass(token):
        sealed_code = read_sealed_pass(token)
        if sealed_code is None:
            raise InvalidInput("pass_invalid")
        appointment = db.session.scalar(select(Appointment).where(Appointment.code == sealed_code))
    elif token is not None:
        # A pass issued before sealed payloads (the app may still show it).
        appointment_id = read_pass_token(token)
        if appointment_id is None:
            raise InvalidInput("pass_invalid")
        appointment = db.session.get(Appointment, appointment_id)
    elif code is not None:
        normalised = normalise_code(code)
        if normalised is not None:
            appointment = db.session.scalar(
                select(Appointment).where(Appointment.code == normalised)
            )
    if appointment is None:
        raise NotFound("appointment_not_found")
    if appointment.post_id != post.id:
        raise Conflict("wrong_post")
    if appointment.status == "cancelled":
        raise Conflict("appointment_cancelled")
    tz = zone(post.time_zone)
    day = local_date(appointment.slot.starts_at, tz)
    if day != local_date(clock.now(), tz):
        raise Conflict("wrong_day", date=day.isoformat())
    if appointment.status == "checked_in":
        return appointment  # scanning twice is harmless
    appointment = _transition(
        appointment, "booked", {"status": "checked_in", "checked_in_at": clock.now()}
    )
    record_audit(
        actor,
        "appointment.check_in",
        "appointment",
        appointment.id,
        post_id=post.id,
        details={"by": "qr" if token is not None else "code"},
    )
    return appointment


def _post_appointment(post: Post, appointment_id: int) -> Appointment:
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None or appointment.post_id != post.id:
        raise NotFound("appointment_not_found")
    return appointment


@transactional
def complete(actor: Account, post_code: str, appointment_id: int) -> Appointment:
    post = _staff_post(actor, post_code)
    appointment = _post_appointment(post, appointment_id)
    appointment = _transition(
        appointment, "checked_in", {"status": "completed", "completed_at": clock.now()}
    )
    record_audit(actor, "appointment.complete", "appointment", appointment.id, post_id=post.id)
    return appointment


@transactional
def mark_no_show(actor: Account, post_code: str, appointment_id: int) -> Appointment:
    post = _staff_post(actor, post_code)
    appointment = _post_appointment(post, appointment_id)
    now = clock.now()
    if appointment.status == "booked" and now < appointment.slot.ends_at:
        raise Conflict("too_early_for_no_show")
    appointment = _transition(appointment, "booked", {"status": "no_show", "no_show_at": now})
    block = _apply_no_show_policy(post, appointment.account_id, now)
    record_audit(
        actor,
        "appointment.no_show",
        "appointment",
        appointment.id,
        post_id=post.id,
        details={"blocked_until": block.ends_at.isoformat() if block else None},
    )
    return appointment


def _apply_no_show_policy(post: Post, account_id: int, now: datetime) -> BookingBlock | None:
    policy = get_policy(post)
    if not policy.no_show_limit:
        return None
    since = db.session.scalar(
        select(func.max(BookingBlock.starts_at)).where(
            BookingBlock.account_id == account_id, BookingBlock.post_id == post.id
        )
    )
    counted = (
        select(func.count())
        .select_from(Appointment)
        .where(
            Appointment.account_id == account_id,
            Appointment.post_id == post.id,
            Appointment.status == "no_show",
        )
    )
    if since is not None:
        counted = counted.where(Appointment.no_show_at > since)
    no_shows = db.session.scalar(counted)
    if no_shows < policy.no_show_limit:
        return None
    block = BookingBlock(
        account_id=account_id,
        post_id=post.id,
        starts_at=now,
        ends_at=now + timedelta(days=policy.no_show_block_days),
        no_shows=no_shows,
    )
    db.session.add(block)
    db.session.flush()
    return block
