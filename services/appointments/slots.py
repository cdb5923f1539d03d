"""Slots: materialised from the opening templates for a post's booking window, and the
public availability read.

``regenerate_post_slots`` reconciles the future slots of a post with its templates: missing
slots are inserted, changed ones updated, and slots no template produces any more are
deleted only when no appointment ever used them. A slot that holds bookings is never
dropped: it is kept (``in_schedule = false``, so nobody else can book it) with its
appointments, and officers see it on the day sheet. Slots made by other means (no template,
in the schedule) are left alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.catalogue.catalogue import get_post, get_service_type
from services.core import clock, signals
from services.core.db import db, session_row, transactional
from services.core.errors import InvalidInput
from services.core.local_time import day_bounds, day_start, local_date, wall_clock_slots, zone
from services.models import (
    Appointment,
    BookingPolicy,
    Closure,
    Fee,
    Post,
    ScheduleTemplate,
    ServiceType,
    Slot,
)

log = logging.getLogger(__name__)

MAX_AVAILABILITY_DAYS = 62
DEFAULT_AVAILABILITY_DAYS = 28
_CHUNK = 500


# --- the booking policy -----------------------------------------------------------------
def get_policy(post: Post) -> BookingPolicy:
    """The post's policy, or the defaults (a transient row) when it never set one."""
    return db.session.get(BookingPolicy, post.id) or default_policy(post)


def default_policy(post: Post) -> BookingPolicy:
    """The defaults of a post that never set a policy (a transient row, never added)."""
    return BookingPolicy(
        post_id=post.id,
        min_lead_hours=2,
        max_days_ahead=60,
        cancel_cutoff_hours=24,
        no_show_limit=None,
        no_show_block_days=30,
    )


@dataclass(frozen=True)
class BookingWindow:
    earliest: datetime  # first bookable start (UTC)
    end: datetime  # the UTC instant the last bookable local day ends
    last_day: date  # the last bookable local day

    def contains(self, starts_at: datetime) -> bool:
        return self.earliest <= starts_at < self.end


def booking_window(post: Post, policy: BookingPolicy, now: datetime) -> BookingWindow:
    """The instants a post's policy lets a traveller book at ``now``. ``policy``: anything
    with ``min_lead_hours`` and ``max_days_ahead`` (the booking reads only those two)."""
    tz = zone(post.time_zone)
    last_day = local_date(now, tz) + timedelta(days=policy.max_days_ahead)
    return BookingWindow(
        earliest=now + timedelta(hours=policy.min_lead_hours),
        end=day_start(last_day + timedelta(days=1), tz),
        last_day=last_day,
    )


def ensure_offered(post: Post, service: ServiceType) -> Fee:
    """The post's fee for the service, or ``service_not_offered``."""
    fee = db.session.scalar(
        select(Fee).where(Fee.post_id == post.id, Fee.service_type_id == service.id)
    )
    if fee is None or not service.is_active:
        raise InvalidInput("service_not_offered", service=service.code)
    return fee


# A closure of the post overlapping [starts_at, ends_at), as a condition: the bound values
# are named ``post_id``, ``starts_at`` and ``ends_at`` (the booking's statements use it too).
CLOSURE_OVERLAPS = exists().where(
    Closure.post_id == bindparam("post_id"),
    Closure.starts_at < bindparam("ends_at", type_=Closure.starts_at.type),
    Closure.ends_at > bindparam("starts_at", type_=Closure.ends_at.type),
)
CLOSURE_EXISTS = select(CLOSURE_OVERLAPS)

# The same for the slot rows of a statement over ``Slot``: a closure of their post overlaps
# them (correlated, so many slots are judged in the one statement).
SLOT_CLOSED = exists().where(
    Closure.post_id == Slot.post_id,
    Closure.starts_at < Slot.ends_at,
    Closure.ends_at > Slot.starts_at,
)


def closure_exists(post_id: int, starts_at: datetime, ends_at: datetime) -> bool:
    """Whether a closure of the post overlaps [starts_at, ends_at) (one scalar read)."""
    params = {"post_id": post_id, "starts_at": starts_at, "ends_at": ends_at}
    return bool(session_row(CLOSURE_EXISTS, params)[0])


# --- generation -------------------------------------------------------------------------
@dataclass
class SlotChanges:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    kept: int = 0  # no longer in the schedule, kept for their bookings

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _desired_slots(
    post: Post, templates: list[ScheduleTemplate], first: date, last: date, after: datetime
) -> dict[tuple[int, datetime], tuple[datetime, int, int]]:
    tz = zone(post.time_zone)
    desired: dict[tuple[int, datetime], tuple[datetime, int, int]] = {}
    day = first
    while day <= last:
        for template in templates:
            if template.weekday != day.weekday():
                continue
            if template.valid_from and day < template.valid_from:
                continue
            if template.valid_until and day > template.valid_until:
                continue
            for start, end in wall_clock_slots(
                day, template.opens_at, template.closes_at, template.slot_minutes, tz
            ):
                if start <= after:
                    continue
                for service in template.services:
                    # Templates of one service never overlap (checked when saved); should
                    # old data disagree, the first template wins rather than doubling seats.
                    desired.setdefault((service.id, start), (end, template.capacity, template.id))
        day += timedelta(days=1)
    return desired


def regenerate_post_slots(post: Post, now: datetime | None = None) -> SlotChanges:
    """Bring the post's future slots within its booking window in line with its templates.

    Runs inside the caller's unit of work (a template change and its slots commit together).
    """
    now = now or clock.now()
    tz = zone(post.time_zone)
    policy = get_policy(post)
    first = local_date(now, tz)
    last = first + timedelta(days=policy.max_days_ahead)
    horizon_end = day_start(last + timedelta(days=1), tz)
    templates = list(
        db.session.scalars(select(ScheduleTemplate).where(ScheduleTemplate.post_id == post.id))
    )
    desired = _desired_slots(post, templates, first, last, now)
    changes = SlotChanges()

    existing = db.session.execute(
        select(
            Slot.id,
            Slot.service_type_id,
            Slot.starts_at,
            Slot.ends_at,
            Slot.capacity,
            Slot.template_id,
            Slot.in_schedule,
            Slot.booked,
        ).where(
            Slot.post_id == post.id,
            Slot.starts_at > now,
            Slot.starts_at < horizon_end,
            # Slots made by templates, and those kept for their bookings (a template may
            # produce them again); slots added by other means are left alone.
            or_(Slot.template_id.is_not(None), Slot.in_schedule.is_(False)),
        )
    ).all()
    withdrawn: list[int] = []
    grown: list[int] = []
    for row in existing:
        want = desired.pop((row.service_type_id, row.starts_at), None)
        if want is None:
            if row.in_schedule:
                withdrawn.append(row.id)
            continue
        end, capacity, template_id = want
        values: dict[str, Any] = {}
        if row.capacity != capacity:
            values["capacity"] = capacity
        if row.template_id != template_id:
            values["template_id"] = template_id
        if not row.in_schedule:
            values["in_schedule"] = True
        # The end of a slot that holds bookings stays what its holders were told.
        if row.ends_at != end and row.booked == 0:
            values["ends_at"] = end
        if values:
            db.session.execute(
                update(Slot)
                .where(Slot.id == row.id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            changes.updated += 1
            if capacity > row.capacity or not row.in_schedule:
                grown.append(row.id)
    withdraw_slots(withdrawn, changes)
    for slot_id in grown:  # seats added: the waitlist hears of them before first-come
        signals.seat_returned.send(slot_id)

    rows = [
        {
            "post_id": post.id,
            "service_type_id": service_id,
            "template_id": template_id,
            "starts_at": start,
            "ends_at": end,
            "capacity": capacity,
            "booked": 0,
            "in_schedule": True,
        }
        for (service_id, start), (end, capacity, template_id) in sorted(
            desired.items(), key=lambda item: (item[0][1], item[0][0])
        )
    ]
    for i in range(0, len(rows), _CHUNK):
        changes.created += _insert_missing(rows[i : i + _CHUNK])
    return changes


def withdraw_slots(slot_ids: list[int], changes: SlotChanges) -> None:
    """Take slots out of the schedule: never-used ones are deleted, the others are kept
    (``in_schedule = false``) with their appointments, and nobody can book them any more."""
    for i in range(0, len(slot_ids), _CHUNK):
        chunk = slot_ids[i : i + _CHUNK]
        # ``booked = 0`` is re-checked under the row lock, so a booking that commits
        # meanwhile keeps its slot.
        result = db.session.execute(
            delete(Slot)
            .where(
                Slot.id.in_(chunk),
                Slot.booked == 0,
                ~exists().where(Appointment.slot_id == Slot.id),
            )
            .execution_options(synchronize_session=False)
        )
        changes.deleted += result.rowcount or 0
        result = db.session.execute(
            update(Slot)
            .where(Slot.id.in_(chunk))
            .values(in_schedule=False, template_id=None)
            .execution_options(synchronize_session=False)
        )
        changes.kept += result.rowcount or 0


def _insert_missing(rows: list[dict[str, Any]]) -> int:
    """Insert slots, skipping any a concurrent generator inserted first."""
    if not rows:
        return 0
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(Slot.__table__).on_conflict_do_nothing(
        index_elements=["post_id", "service_type_id", "starts_at"]
    )
    result = db.session.execute(statement, rows)
    count = result.rowcount
    return count if count is not None and count >= 0 else len(rows)


@transactional
def generate_slots_for_post(post_code: str, now: datetime | None = None) -> SlotChanges:
    return regenerate_post_slots(get_post(post_code, include_inactive=True), now)


def generate_all_slots(now: datetime | None = None) -> dict[str, dict[str, int]]:
    """Regenerate every active post's slots, one transaction per post (the beat job); a post
    that fails is logged and skipped, so it cannot hold the others back."""
    codes = list(db.session.scalars(select(Post.code).where(Post.is_active.is_(True))))
    results = {}
    for code in codes:
        try:
            results[code] = generate_slots_for_post(code, now).as_dict()
        except Exception:
            log.exception("slot generation failed for post %s", code)
    return results


# --- availability (public) --------------------------------------------------------------
def availability(
    post_code: str, service_code: str, first: date | None, last: date | None
) -> dict[str, Any]:
    """Slots of one service at one post over local days ``first``..``last`` (inclusive)."""
    post = get_post(post_code)
    service = get_service_type(service_code)
    ensure_offered(post, service)
    tz = zone(post.time_zone)
    now = clock.now()
    first = first or local_date(now, tz)
    last = last or first + timedelta(days=DEFAULT_AVAILABILITY_DAYS - 1)
    if last < first:
        raise InvalidInput("invalid_date_range")
    if (last - first).days + 1 > MAX_AVAILABILITY_DAYS:
        raise InvalidInput("date_range_too_long", max_days=MAX_AVAILABILITY_DAYS)
    start, end = day_bounds(first, last, tz)
    window = booking_window(post, get_policy(post), now)

    rows = db.session.execute(
        select(Slot.id, Slot.starts_at, Slot.ends_at, Slot.capacity, Slot.booked, Slot.held)
        .where(
            Slot.post_id == post.id,
            Slot.service_type_id == service.id,
            Slot.in_schedule.is_(True),
            Slot.starts_at >= start,
            Slot.starts_at < end,
        )
        .order_by(Slot.starts_at)
    ).all()
    closures = db.session.execute(
        select(Closure.starts_at, Closure.ends_at).where(
            and_(Closure.post_id == post.id, Closure.starts_at < end, Closure.ends_at > start)
        )
    ).all()

    slots = []
    for row in rows:
        closed = any(c.starts_at < row.ends_at and c.ends_at > row.starts_at for c in closures)
        # Seats held for a release or a waitlist offer are not free to anyone else.
        remaining = max(row.capacity - row.booked - row.held, 0)
        # JSON-ready here (ISO 8601, local time with offset): see schemas.appointments.
        slots.append(
            {
                "id": row.id,
                "start": row.starts_at.astimezone(tz).isoformat(),
                "end": row.ends_at.astimezone(tz).isoformat(),
                "capacity": row.capacity,
                "remaining": remaining,
                "closed": closed,
                "bookable": (not closed) and remaining > 0 and window.contains(row.starts_at),
            }
        )
    return {
        "post": post.code,
        "service": service.code,
        "time_zone": post.time_zone,
        "from": first,
        "to": last,
        "slots": slots,
    }
