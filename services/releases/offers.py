"""The traveller's answer to a held offer, and leaving the line.

Accept books the held seat at once (the booking rules apply; a refusal leaves the offer
open); decline, leaving the line or the hold running out closes the offer and passes the
seat to the next in line (``waitlist.offer_freed_seats``). Locks: the account (accepting),
the slot, then the offer, the order bookings use.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, update

from services.appointments.appointments import book_held_seat, lock_slots, stop_holding
from services.core import clock
from services.core.db import db, transactional
from services.core.errors import Conflict, NotFound
from services.core.local_time import zone
from services.models import Account, Closure, Slot, WaitlistEntry, WaitlistOffer
from services.releases.waitlist import close_entry, get_entry, offer_freed_seats


@transactional
def leave_waitlist(account: Account, entry_id: int) -> WaitlistEntry:
    """Leave the line; an open offer is declined (its seat goes to the next)."""
    entry = get_entry(account, entry_id)
    offer = db.session.scalar(
        select(WaitlistOffer).where(
            WaitlistOffer.entry_id == entry.id, WaitlistOffer.status == "open"
        )
    )
    if offer is not None:
        _close_offer(offer, "declined", entry_status="left")
    close_entry(entry.id, "left", clock.now(), if_waiting=True)
    return db.session.get(WaitlistEntry, entry.id, populate_existing=True)


# --- the traveller's answer -------------------------------------------------------------
def offers_query(account: Account, *, open_only: bool = False) -> Select:
    query = select(WaitlistOffer).where(WaitlistOffer.account_id == account.id)
    if open_only:
        query = query.where(WaitlistOffer.status == "open")
    return query.order_by(WaitlistOffer.id.desc())


def my_offers(account: Account, limit: int = 50) -> list[dict[str, Any]]:
    return [offer_view(offer) for offer in db.session.scalars(offers_query(account).limit(limit))]


def get_offer(account: Account, offer_id: int) -> WaitlistOffer:
    offer = db.session.get(WaitlistOffer, offer_id)
    if offer is None or offer.account_id != account.id:
        raise NotFound("waitlist_offer_not_found")
    return offer


def _reload_offer(offer_id: int) -> WaitlistOffer:
    return db.session.get(WaitlistOffer, offer_id, populate_existing=True)


@transactional
def accept_offer(account: Account, offer_id: int) -> WaitlistOffer:
    """Book the held seat at once (the booking rules apply; a refusal leaves the offer
    open). Accepting twice answers the accepted offer again."""
    offer = get_offer(account, offer_id)
    if offer.status == "accepted":
        return offer
    now = clock.now()
    db.session.execute(select(Account.id).where(Account.id == account.id).with_for_update()).all()
    lock_slots([offer.slot_id])
    claimed = db.session.execute(
        update(WaitlistOffer)
        .where(
            WaitlistOffer.id == offer.id,
            WaitlistOffer.status == "open",
            WaitlistOffer.expires_at > now,
        )
        .values(status="accepted", decided_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        current = _reload_offer(offer.id)
        if current.status == "accepted":
            return current
        raise Conflict("offer_not_open", status=_shown_status(current, now))
    appointment = book_held_seat(account, applicant_id=offer.applicant_id, slot_id=offer.slot_id)
    db.session.execute(
        update(WaitlistOffer)
        .where(WaitlistOffer.id == offer.id)
        .values(appointment_id=appointment.id)
        .execution_options(synchronize_session=False)
    )
    close_entry(offer.entry_id, "booked", now)
    return _reload_offer(offer.id)


def _shown_status(offer: WaitlistOffer, now: datetime) -> str:
    # An open offer past its time is expired for the traveller, before the sweep marks it.
    if offer.status == "open" and offer.expires_at <= now:
        return "expired"
    return offer.status


def _close_offer(offer: WaitlistOffer, status: str, *, entry_status: str) -> bool:
    """Close an open offer (declined or expired), give its seat back and offer it to the
    next in line. Locks the slot first. False when it was no longer open."""
    now = clock.now()
    lock_slots([offer.slot_id])
    conditions = [WaitlistOffer.id == offer.id, WaitlistOffer.status == "open"]
    if status == "expired":
        conditions.append(WaitlistOffer.expires_at <= now)
    result = db.session.execute(
        update(WaitlistOffer)
        .where(*conditions)
        .values(status=status, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    stop_holding(offer.slot_id, 1)
    close_entry(offer.entry_id, entry_status, now)
    offer_freed_seats(offer.slot_id)
    return True


def withdraw_offers_in(closure: Closure) -> int:
    """A closure now covers the seats of some open offers: they can no longer be accepted.
    Each is closed (expired, as it would be at its time), its seat no longer held, and its
    traveller goes back to waiting with the place in line they had (the entry keeps its
    id), so a seat freed later is offered to them again; before, the offer ran out and took
    them off the line. In the closure's unit of work, whose slots are already locked."""
    now = clock.now()
    offers = db.session.scalars(
        select(WaitlistOffer)
        .join(Slot, Slot.id == WaitlistOffer.slot_id)
        .where(
            WaitlistOffer.status == "open",
            Slot.post_id == closure.post_id,
            Slot.starts_at < closure.ends_at,
            Slot.ends_at > closure.starts_at,
        )
        .order_by(WaitlistOffer.id)
        .with_for_update(of=WaitlistOffer)
    ).all()
    for offer in offers:
        offer.status, offer.decided_at = "expired", now
        stop_holding(offer.slot_id, 1)
        db.session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.id == offer.entry_id)
            .values(status="waiting", closed_at=None)
            .execution_options(synchronize_session=False)
        )
    db.session.flush()
    return len(offers)


@transactional
def decline_offer(account: Account, offer_id: int) -> WaitlistOffer:
    """Decline: the seat goes to the next in line at once. Declining twice is harmless."""
    offer = get_offer(account, offer_id)
    if offer.status == "declined":
        return offer
    if not _close_offer(offer, "declined", entry_status="declined"):
        current = _reload_offer(offer.id)
        if current.status != "declined":
            raise Conflict("offer_not_open", status=_shown_status(current, clock.now()))
    return _reload_offer(offer.id)


@transactional
def _expire_one(offer_id: int) -> bool:
    offer = db.session.get(WaitlistOffer, offer_id)
    return offer is not None and _close_offer(offer, "expired", entry_status="expired")


def expire_due_offers(limit: int = 500) -> int:
    """Expire offers past their time, one transaction each (the beat job); returns how many."""
    due = db.session.scalars(
        select(WaitlistOffer.id)
        .where(WaitlistOffer.status == "open", WaitlistOffer.expires_at <= clock.now())
        .order_by(WaitlistOffer.expires_at)
        .limit(limit)
    ).all()
    db.session.rollback()  # the reads above hold no locks worth keeping
    return sum(1 for offer_id in due if _expire_one(offer_id))


def offer_view(offer: WaitlistOffer) -> dict[str, Any]:
    """An offer as the API shows it (an open offer past its time reads as expired)."""
    post = offer.entry.post
    tz = zone(post.time_zone)
    return {
        "id": offer.id,
        "waitlist_entry_id": offer.entry_id,
        "applicant_id": offer.applicant_id,
        "post": post.code,
        "service": offer.entry.service_type.code,
        "slot_id": offer.slot_id,
        "start": offer.slot.starts_at.astimezone(tz),
        "end": offer.slot.ends_at.astimezone(tz),
        "status": _shown_status(offer, clock.now()),
        "expires_at": offer.expires_at.astimezone(tz),
        "appointment_id": offer.appointment_id,
    }
