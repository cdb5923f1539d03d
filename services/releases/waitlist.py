"""The waitlist of a post and service, and the offers that hold a freed seat for the first
matching traveller in line.

A freed seat (a cancellation, a reschedule away, a closure lifted, capacity added, an offer
declined or expired, a lottery seat nobody could use) reaches ``offer_freed_seats`` in the
transaction that freed it, with the slot's row locked. In that transaction it is either held
for a release still taking requests, or held for the first waiting traveller whose
preferences match the slot (``slot.held + 1`` and an open offer, pushed to them), or left to
first-come booking when nobody in line matches. So no first-come booker ever sees it free in
between, and it is never lost: every held seat is one open offer or one release seat.

Locks, in the order bookings use: the account (accepting), the slot, then waitlist rows.
One open offer per applicant (a unique index backs the check, made under the applicant's
row lock). An offer accepted books at once; declined or expired, the traveller leaves the
line (they may join again, at the back) and the seat goes to the next.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, exists, insert, or_, select, update

from services.accounts.applicants import get_applicant
from services.appointments.appointments import lock_slots
from services.appointments.slots import (
    SLOT_CLOSED,
    booking_window,
    closure_exists,
    ensure_offered,
    get_policy,
)
from services.catalogue.catalogue import get_post, get_service_type
from services.core import clock
from services.core.bulk import insert_returning_ids
from services.core.db import db, transactional
from services.core.errors import Conflict, NotFound
from services.core.local_time import day_bounds, zone
from services.models import (
    ACTIVE_STATES,
    Account,
    Applicant,
    Appointment,
    Post,
    Release,
    ReleaseSlot,
    ServiceType,
    Slot,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistPreference,
)
from services.releases.lottery import Preference
from services.releases.notices import notify_offer
from services.releases.rules import (
    lottery_preference,
    offer_hold_minutes,
    preference_rows,
    store_preferences,
)

_CANDIDATES = 20


# --- joining and leaving ------------------------------------------------------------------
def _free_seat_matching(post: Post, service: ServiceType, wanted: list[Preference]) -> bool:
    """Whether a seat anyone could book now matches one of the preferences."""
    tz = zone(post.time_zone)
    first, last = min(p.day for p in wanted), max(p.day for p in wanted)
    start, end = day_bounds(first, last, tz)
    window = booking_window(post, get_policy(post), clock.now())
    starts = db.session.scalars(
        select(Slot.starts_at).where(
            Slot.post_id == post.id,
            Slot.service_type_id == service.id,
            Slot.in_schedule.is_(True),
            Slot.booked + Slot.held < Slot.capacity,
            Slot.starts_at >= start,
            Slot.starts_at < end,
            ~SLOT_CLOSED,
        )
    )
    return any(
        window.contains(starts_at) and any(p.matches(starts_at.astimezone(tz)) for p in wanted)
        for starts_at in starts
    )


def add_entries(
    post_id: int, service_type_id: int, release_id: int | None, people: list[dict[str, Any]]
) -> list[int]:
    """Put people in line in the given order (bulk; the caller checked the rules). Each of
    ``people``: account_id, applicant_id, preferences (``Preference`` values, best first, as
    ``lottery_preference`` reads them). Returns entry ids."""
    if not people:
        return []
    now = clock.now()
    ids = insert_returning_ids(
        WaitlistEntry.__table__,
        [
            {
                "account_id": person["account_id"],
                "applicant_id": person["applicant_id"],
                "post_id": post_id,
                "service_type_id": service_type_id,
                "release_id": release_id,
                "status": "waiting",
                "created_at": now,
                "closed_at": None,
            }
            for person in people
        ],
    )
    rows = [
        {"entry_id": entry_id, **row}
        for entry_id, person in zip(ids, people, strict=True)
        for row in preference_rows(person["preferences"])
    ]
    db.session.connection().execute(insert(WaitlistPreference.__table__), rows)
    return list(ids)


@transactional
def join_waitlist(
    account: Account,
    *,
    applicant_id: int,
    post_code: str,
    service_code: str,
    preferences: list[dict],
) -> WaitlistEntry:
    """Join directly: only when no seat matching the preferences is free to book now."""
    post = get_post(post_code)
    service = get_service_type(service_code)
    ensure_offered(post, service)
    applicant = get_applicant(account, applicant_id)
    wanted = [lottery_preference(p) for p in store_preferences(preferences)]
    if _has_active_appointment(applicant.id, service.id):
        raise Conflict("duplicate_appointment")
    if _open_entry(applicant.id, post.id, service.id) is not None:
        raise Conflict("already_on_waitlist")
    if _free_seat_matching(post, service, wanted):
        raise Conflict("seats_available")
    (entry_id,) = add_entries(
        post.id,
        service.id,
        None,
        [{"account_id": account.id, "applicant_id": applicant.id, "preferences": wanted}],
    )
    return db.session.get(WaitlistEntry, entry_id)


def _has_active_appointment(applicant_id: int, service_id: int) -> bool:
    return (
        db.session.scalar(
            select(Appointment.id)
            .where(
                Appointment.applicant_id == applicant_id,
                Appointment.service_type_id == service_id,
                Appointment.status.in_(ACTIVE_STATES),
            )
            .limit(1)
        )
        is not None
    )


def _open_entry(applicant_id: int, post_id: int, service_id: int) -> int | None:
    return db.session.scalar(
        select(WaitlistEntry.id).where(
            WaitlistEntry.applicant_id == applicant_id,
            WaitlistEntry.post_id == post_id,
            WaitlistEntry.service_type_id == service_id,
            WaitlistEntry.status.in_(("waiting", "offered")),
        )
    )


def entries_query(account: Account) -> Select:
    return (
        select(WaitlistEntry)
        .where(WaitlistEntry.account_id == account.id)
        .order_by(WaitlistEntry.id.desc())
    )


def get_entry(account: Account, entry_id: int) -> WaitlistEntry:
    entry = db.session.get(WaitlistEntry, entry_id)
    if entry is None or entry.account_id != account.id:
        raise NotFound("waitlist_entry_not_found")
    return entry


# --- offering a freed seat ------------------------------------------------------------
def _pending_release_slot(slot_id: int) -> ReleaseSlot | None:
    return db.session.scalar(
        select(ReleaseSlot)
        .join(Release, Release.id == ReleaseSlot.release_id)
        .where(ReleaseSlot.slot_id == slot_id, Release.status == "scheduled")
    )


def _candidates(slot: Slot, post: Post) -> list[tuple[int, int, int, bool]]:
    """The head of the line for ``slot``: (entry, account, applicant, whether the applicant
    holds an active appointment of the service already), in line order."""
    local = slot.starts_at.astimezone(zone(post.time_zone))
    day, at = local.date(), local.time().replace(tzinfo=None)
    open_offer = exists().where(
        WaitlistOffer.applicant_id == WaitlistEntry.applicant_id, WaitlistOffer.status == "open"
    )
    booked = exists().where(
        Appointment.applicant_id == WaitlistEntry.applicant_id,
        Appointment.service_type_id == WaitlistEntry.service_type_id,
        Appointment.status.in_(ACTIVE_STATES),
    )
    rows = db.session.execute(
        select(WaitlistEntry.id, WaitlistEntry.account_id, WaitlistEntry.applicant_id, booked)
        .join(WaitlistPreference, WaitlistPreference.entry_id == WaitlistEntry.id)
        .where(
            WaitlistEntry.post_id == slot.post_id,
            WaitlistEntry.service_type_id == slot.service_type_id,
            WaitlistEntry.status == "waiting",
            WaitlistPreference.day == day,
            or_(
                WaitlistPreference.band_from.is_(None),
                and_(
                    WaitlistPreference.band_from <= at,
                    or_(
                        WaitlistPreference.band_until.is_(None), WaitlistPreference.band_until > at
                    ),
                ),
            ),
            ~open_offer,
        )
        .distinct()
        .order_by(WaitlistEntry.id)
        .limit(_CANDIDATES)
    ).all()
    return [tuple(row) for row in rows]


def _claim(entry_id: int, applicant_id: int) -> bool:
    """Take this entry for an offer, or False when another transaction got there first or
    the applicant holds an open offer already (checked under the applicant's row lock)."""
    result = db.session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.id == entry_id, WaitlistEntry.status == "waiting")
        .values(status="offered")
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.execute(
        select(Applicant.id).where(Applicant.id == applicant_id).with_for_update()
    ).all()
    busy = db.session.scalar(
        select(WaitlistOffer.id).where(
            WaitlistOffer.applicant_id == applicant_id, WaitlistOffer.status == "open"
        )
    )
    if busy is not None:
        db.session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.id == entry_id)
            .values(status="waiting")
            .execution_options(synchronize_session=False)
        )
        return False
    return True


def offer_freed_seats(slot_id: int) -> int:
    """Hold this slot's free seats for a release still taking requests, or for the first
    matching travellers in line; returns how many offers were made. Inside the caller's
    unit of work; locks the slot row (the caller usually holds it already)."""
    lock_slots([slot_id])
    slot = db.session.get(Slot, slot_id, populate_existing=True)
    if slot is None or not slot.in_schedule:
        return 0
    free = slot.capacity - slot.booked - slot.held
    if free <= 0:
        return 0
    post = db.session.get(Post, slot.post_id)
    now = clock.now()
    if not booking_window(post, get_policy(post), now).contains(slot.starts_at):
        return 0
    if closure_exists(post.id, slot.starts_at, slot.ends_at):
        return 0
    pending = _pending_release_slot(slot.id)
    if pending is not None:  # the release's lottery gives it out, with its other seats
        pending.seats += free
        _hold(slot.id, free)
        return 0
    service = db.session.get(ServiceType, slot.service_type_id)
    made = 0
    while free > 0:
        ended = False
        for entry_id, account_id, applicant_id, booked in _candidates(slot, post):
            if booked:
                # At the head of the line having booked the service meanwhile (a seat taken
                # first-come elsewhere in the day): never to be offered one (one appointment
                # per applicant and service), the entry ends as booked, as an accepted
                # offer's does. Left waiting, its traveller stood beside free seats that no
                # event would offer after a cancellation (found by the waitlist's state
                # machine). Only entries met at the head are looked at, never the whole line.
                close_entry(entry_id, "booked", now, if_waiting=True)
                ended = True
            elif _claim(entry_id, applicant_id):
                _make_offer(entry_id, account_id, applicant_id, slot, post, service, now)
                made += 1
                free -= 1
                break
        else:
            if ended:
                continue  # the line moved up: look at its new head
            break  # nobody in line matches: first-come booking has it
    return made


def close_entry(entry_id: int, status: str, now: datetime, *, if_waiting: bool = False) -> bool:
    """End a waitlist entry with ``status`` (booked, left, declined, expired) at ``now``;
    ``if_waiting``: only an entry still waiting (not one holding an offer). Whether it was
    ended here."""
    conditions = [WaitlistEntry.id == entry_id]
    if if_waiting:
        conditions.append(WaitlistEntry.status == "waiting")
    result = db.session.execute(
        update(WaitlistEntry)
        .where(*conditions)
        .values(status=status, closed_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _hold(slot_id: int, seats: int) -> None:
    db.session.execute(
        update(Slot)
        .where(Slot.id == slot_id)
        .values(held=Slot.held + seats)
        .execution_options(synchronize_session=False)
    )


def _make_offer(entry_id, account_id, applicant_id, slot, post, service, now: datetime) -> None:
    expires_at = now + timedelta(minutes=offer_hold_minutes())
    offer = WaitlistOffer(
        entry_id=entry_id,
        account_id=account_id,
        applicant_id=applicant_id,
        slot_id=slot.id,
        status="open",
        expires_at=expires_at,
        created_at=now,
    )
    db.session.add(offer)
    db.session.flush()
    _hold(slot.id, 1)
    language = db.session.scalar(select(Account.language).where(Account.id == account_id))
    notify_offer(account_id, language, offer.id, slot, post, service, expires_at)
