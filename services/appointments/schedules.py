"""Officers' management of a post's schedule: opening templates, closures, booking policy.

Every change is scoped to the officer's posts and audited. A template change regenerates the
post's slots in the same transaction; slots holding bookings are kept (see ``services.slots``).
Closing a period cancels the appointments in it, gives their seats back, tells each holder
through the notifications core and records the reason on the closure; the ``closure_added``
signal lets the applications domain move the expected dates it made untrue.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select, update

from services.accounts.access import require_post_scope
from services.accounts.audit import record_audit
from services.appointments.appointments import lock_slots, release_seats
from services.appointments.notices import notify_cancelled_by_closure
from services.appointments.slots import (
    SlotChanges,
    get_policy,
    regenerate_post_slots,
    withdraw_slots,
)
from services.catalogue.catalogue import get_post
from services.core import clock, signals
from services.core.db import db, transactional
from services.core.errors import Conflict, InvalidInput, NotFound
from services.core.local_time import day_bounds, zone
from services.models import (
    ACTIVE_STATES,
    Account,
    Appointment,
    BookingPolicy,
    Closure,
    Fee,
    Post,
    ScheduleTemplate,
    ServiceType,
    Slot,
)

POLICY_FIELDS = (
    "min_lead_hours",
    "max_days_ahead",
    "cancel_cutoff_hours",
    "no_show_limit",
    "no_show_block_days",
)
TEMPLATE_FIELDS = (
    "weekday",
    "opens_at",
    "closes_at",
    "slot_minutes",
    "capacity",
    "valid_from",
    "valid_until",
)
MAX_CLOSURE_DAYS = 366


def _staff_post(actor: Account, post_code: str) -> Post:
    post = get_post(post_code, include_inactive=True)
    require_post_scope(actor, post)
    return post


# --- booking policy ---------------------------------------------------------------------
def read_policy(actor: Account, post_code: str) -> BookingPolicy:
    return get_policy(_staff_post(actor, post_code))


@transactional
def update_policy(actor: Account, post_code: str, changes: dict[str, Any]) -> BookingPolicy:
    post = _staff_post(actor, post_code)
    policy = db.session.get(BookingPolicy, post.id)
    if policy is None:
        policy = get_policy(post)
        db.session.add(policy)
    old = {field: getattr(policy, field) for field in POLICY_FIELDS}
    for field in POLICY_FIELDS:
        if field in changes:
            setattr(policy, field, changes[field])
    db.session.flush()
    new = {field: getattr(policy, field) for field in POLICY_FIELDS}
    record_audit(
        actor,
        "booking_policy.update",
        "post",
        post.code,
        post_id=post.id,
        details={"old": old, "new": new},
    )
    regenerate_post_slots(post)  # the window may have grown
    return policy


# --- templates --------------------------------------------------------------------------
def templates_query(actor: Account, post_code: str) -> Select:
    post = _staff_post(actor, post_code)
    return (
        select(ScheduleTemplate)
        .where(ScheduleTemplate.post_id == post.id)
        .order_by(ScheduleTemplate.weekday, ScheduleTemplate.opens_at, ScheduleTemplate.id)
    )


def _get_template(post: Post, template_id: int) -> ScheduleTemplate:
    template = db.session.get(ScheduleTemplate, template_id)
    if template is None or template.post_id != post.id:
        raise NotFound("template_not_found")
    return template


def _offered_services(post: Post, codes: list[str]) -> list[ServiceType]:
    services = []
    for code in dict.fromkeys(codes):
        service = db.session.scalar(
            select(ServiceType)
            .join(Fee, Fee.service_type_id == ServiceType.id)
            .where(ServiceType.code == code, Fee.post_id == post.id)
        )
        if service is None:
            raise InvalidInput("service_not_offered", service=code)
        services.append(service)
    return services


def _periods_meet(a: ScheduleTemplate, b: ScheduleTemplate) -> bool:
    a_from, a_until = a.valid_from or date.min, a.valid_until or date.max
    b_from, b_until = b.valid_from or date.min, b.valid_until or date.max
    return a_from <= b_until and b_from <= a_until


def _check_template(post: Post, template: ScheduleTemplate) -> None:
    if template.closes_at <= template.opens_at:
        raise InvalidInput("closing_before_opening")
    if template.valid_from and template.valid_until and template.valid_until < template.valid_from:
        raise InvalidInput("invalid_date_range")
    span = datetime.combine(date.min, template.closes_at) - datetime.combine(
        date.min, template.opens_at
    )
    if timedelta(minutes=template.slot_minutes) > span:
        raise InvalidInput("slot_longer_than_opening")
    mine = {service.id for service in template.services}
    others = db.session.scalars(
        select(ScheduleTemplate).where(
            ScheduleTemplate.post_id == post.id,
            ScheduleTemplate.weekday == template.weekday,
            ScheduleTemplate.id != (template.id or 0),
        )
    )
    for other in others:
        if not mine & {service.id for service in other.services}:
            continue
        hours_meet = template.opens_at < other.closes_at and other.opens_at < template.closes_at
        if hours_meet and _periods_meet(template, other):
            raise Conflict("template_overlap", template_id=other.id)


def _template_details(template: ScheduleTemplate) -> dict[str, Any]:
    return {
        "weekday": template.weekday,
        "opens_at": template.opens_at.isoformat(),
        "closes_at": template.closes_at.isoformat(),
        "slot_minutes": template.slot_minutes,
        "capacity": template.capacity,
        "services": sorted(service.code for service in template.services),
        "valid_from": template.valid_from.isoformat() if template.valid_from else None,
        "valid_until": template.valid_until.isoformat() if template.valid_until else None,
    }


@transactional
def create_template(actor: Account, post_code: str, data: dict[str, Any]) -> ScheduleTemplate:
    post = _staff_post(actor, post_code)
    template = ScheduleTemplate(post_id=post.id, **{k: data.get(k) for k in TEMPLATE_FIELDS})
    template.services = _offered_services(post, data["services"])
    _check_template(post, template)
    db.session.add(template)
    db.session.flush()
    changes = regenerate_post_slots(post)
    record_audit(
        actor,
        "schedule_template.create",
        "schedule_template",
        template.id,
        post_id=post.id,
        details={"template": _template_details(template), "slots": changes.as_dict()},
    )
    template.slot_changes = changes.as_dict()
    return template


@transactional
def update_template(
    actor: Account, post_code: str, template_id: int, changes: dict[str, Any]
) -> ScheduleTemplate:
    post = _staff_post(actor, post_code)
    template = _get_template(post, template_id)
    before = _template_details(template)
    # No autoflush while checking: an invalid change must never reach the database.
    with db.session.no_autoflush:
        for field in TEMPLATE_FIELDS:
            if field in changes:
                setattr(template, field, changes[field])
        if "services" in changes:
            template.services = _offered_services(post, changes["services"])
        _check_template(post, template)
    db.session.flush()
    slot_changes = regenerate_post_slots(post)
    record_audit(
        actor,
        "schedule_template.update",
        "schedule_template",
        template.id,
        post_id=post.id,
        details={
            "old": before,
            "new": _template_details(template),
            "slots": slot_changes.as_dict(),
        },
    )
    template.slot_changes = slot_changes.as_dict()
    return template


@transactional
def delete_template(actor: Account, post_code: str, template_id: int) -> dict[str, int]:
    post = _staff_post(actor, post_code)
    template = _get_template(post, template_id)
    details = _template_details(template)
    slot_changes = SlotChanges()
    future = db.session.scalars(
        select(Slot.id).where(Slot.template_id == template.id, Slot.starts_at > clock.now())
    ).all()
    withdraw_slots(list(future), slot_changes)
    db.session.execute(
        update(Slot)
        .where(Slot.template_id == template.id)
        .values(template_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.delete(template)
    record_audit(
        actor,
        "schedule_template.delete",
        "schedule_template",
        template_id,
        post_id=post.id,
        details={"template": details, "slots": slot_changes.as_dict()},
    )
    return slot_changes.as_dict()


# --- closures ---------------------------------------------------------------------------
def closures_query(actor: Account, post_code: str, *, upcoming_only: bool = False) -> Select:
    post = _staff_post(actor, post_code)
    query = select(Closure).where(Closure.post_id == post.id)
    if upcoming_only:
        query = query.where(Closure.ends_at > clock.now())
    return query.order_by(Closure.starts_at, Closure.id)


def _closure_period(post: Post, data: dict[str, Any]) -> tuple[datetime, datetime]:
    if data.get("first_day"):
        first, last = data["first_day"], data.get("last_day") or data["first_day"]
        if last < first:
            raise InvalidInput("invalid_date_range")
        return day_bounds(first, last, zone(post.time_zone))
    starts_at, ends_at = data["starts_at"], data["ends_at"]
    if ends_at <= starts_at:
        raise InvalidInput("invalid_date_range")
    return starts_at, ends_at


@transactional
def create_closure(actor: Account, post_code: str, data: dict[str, Any]) -> Closure:
    post = _staff_post(actor, post_code)
    starts_at, ends_at = _closure_period(post, data)
    if ends_at - starts_at > timedelta(days=MAX_CLOSURE_DAYS):
        raise InvalidInput("date_range_too_long", max_days=MAX_CLOSURE_DAYS)
    closure = Closure(
        post_id=post.id,
        starts_at=starts_at,
        ends_at=ends_at,
        first_day=data.get("first_day"),
        last_day=(data.get("last_day") or data.get("first_day")),
        reason=data["reason"],
        created_by=actor.id,
        cancelled_count=0,
    )
    db.session.add(closure)
    db.session.flush()

    # Lock the period's seats first (the order bookings use): a booking in flight either
    # committed before (and is cancelled below) or sees this closure and fails.
    slot_ids = list(
        db.session.scalars(
            select(Slot.id).where(
                Slot.post_id == post.id, Slot.starts_at < ends_at, Slot.ends_at > starts_at
            )
        )
    )
    lock_slots(slot_ids)
    affected = list(
        db.session.scalars(
            select(Appointment)
            .join(Slot, Slot.id == Appointment.slot_id)
            .where(
                Slot.post_id == post.id,
                Slot.starts_at < ends_at,
                Slot.ends_at > starts_at,
                Appointment.status.in_(ACTIVE_STATES),
            )
            .order_by(Appointment.id)
            .with_for_update(of=Appointment)
            .execution_options(populate_existing=True)
        ).unique()
    )
    now = clock.now()
    freed: Counter[int] = Counter()
    for appointment in affected:
        appointment.status = "cancelled"
        appointment.cancelled_at = now
        appointment.cancel_reason = "closure"
        appointment.closure_id = closure.id
        appointment.sequence += 1  # so calendar apps apply the cancellation
        freed[appointment.slot_id] += 1
    db.session.flush()
    for slot_id, count in sorted(freed.items()):
        # Nobody can use a seat of a closed period: the waitlist hears when it reopens.
        release_seats(slot_id, count, announce=False)
    for appointment in affected:
        notify_cancelled_by_closure(appointment, closure.reason)
    closure.cancelled_count = len(affected)
    # Dates already promised on days now closed move in this same transaction (applications).
    signals.closure_added.send(closure)
    record_audit(
        actor,
        "closure.create",
        "closure",
        closure.id,
        post_id=post.id,
        details={
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
            "reason": closure.reason,
            "cancelled_appointments": [appointment.id for appointment in affected],
        },
    )
    return closure


@transactional
def delete_closure(actor: Account, post_code: str, closure_id: int) -> None:
    """Reopen: the period becomes bookable again; cancelled appointments stay cancelled."""
    post = _staff_post(actor, post_code)
    closure = db.session.get(Closure, closure_id)
    if closure is None or closure.post_id != post.id:
        raise NotFound("closure_not_found")
    db.session.execute(
        update(Appointment)
        .where(Appointment.closure_id == closure.id)
        .values(closure_id=None)
        .execution_options(synchronize_session=False)
    )
    record_audit(
        actor,
        "closure.delete",
        "closure",
        closure.id,
        post_id=post.id,
        details={
            "starts_at": closure.starts_at.isoformat(),
            "ends_at": closure.ends_at.isoformat(),
        },
    )
    db.session.delete(closure)
    db.session.flush()
    # The period's seats are usable again: the waitlist hears of each before first-come.
    reopened = db.session.scalars(
        select(Slot.id)
        .where(
            Slot.post_id == post.id,
            Slot.starts_at < closure.ends_at,
            Slot.ends_at > closure.starts_at,
            Slot.in_schedule.is_(True),
            Slot.booked + Slot.held < Slot.capacity,
        )
        .order_by(Slot.id)
    ).all()
    lock_slots(list(reopened))
    for slot_id in reopened:
        signals.seat_returned.send(slot_id)
