"""Release windows: officers open one for a post and service over local days; its free
seats are held back from first-come booking until the allocation, and the commitment to
its secret seed is public from that moment (``rules`` explains the seed).

Public reads: a release's rules, window, commitment and counts (requests, seats); after
the draw its seed, the lottery order (public request ids only) and everything needed to
recompute it (``publication_of``), and the recomputation itself (``check_release``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, delete, func, select, update

from services.accounts.access import require_post_scope
from services.accounts.audit import record_audit
from services.appointments.appointments import lock_slots, stop_holding
from services.appointments.slots import ensure_offered
from services.catalogue.catalogue import get_post, get_service_type
from services.core import clock
from services.core.db import db, transactional
from services.core.errors import Conflict, InvalidInput, NotFound
from services.core.local_time import day_bounds, day_start, zone
from services.models import Account, Post, Release, ReleaseRequest, ReleaseSlot, Slot
from services.releases.lottery import (
    Allocation,
    Assignment,
    LotteryRequest,
    ReleasedSlot,
    commitment_of,
    recompute,
    seed_from_hex,
)
from services.releases.publication import publication_document
from services.releases.rules import derive_seed, lottery_preference, new_nonce, public_id
from services.releases.waitlist import offer_freed_seats

MAX_RELEASE_DAYS = 62


def _staff_post(actor: Account, post_code: str) -> Post:
    post = get_post(post_code, include_inactive=True)
    require_post_scope(actor, post)
    return post


def get_release(release_public_id: str) -> Release:
    release = db.session.scalar(select(Release).where(Release.public_id == release_public_id))
    if release is None:
        raise NotFound("release_not_found")
    return release


def _staff_release(actor: Account, post_code: str, release_public_id: str) -> Release:
    post = _staff_post(actor, post_code)
    release = get_release(release_public_id)
    if release.post_id != post.id:
        raise NotFound("release_not_found")
    return release


# --- opening ------------------------------------------------------------------------------
def _check_window(post: Post, first: date, last: date, opens: datetime, closes: datetime):
    now = clock.now()
    if last < first:
        raise InvalidInput("invalid_date_range")
    if (last - first).days + 1 > MAX_RELEASE_DAYS:
        raise InvalidInput("date_range_too_long", max_days=MAX_RELEASE_DAYS)
    # The commitment must be public before anyone can ask, and the draw must come before
    # the first released day.
    if opens < now or closes <= opens or closes > day_start(first, zone(post.time_zone)):
        raise InvalidInput("release_window_invalid")


@transactional
def create_release(actor: Account, post_code: str, data: dict[str, Any]) -> Release:
    post = _staff_post(actor, post_code)
    service = get_service_type(data["service"])
    ensure_offered(post, service)
    first, last = data["first_day"], data["last_day"]
    _check_window(post, first, last, data["opens_at"], data["closes_at"])
    start, end = day_bounds(first, last, zone(post.time_zone))
    slot_ids = list(
        db.session.scalars(
            select(Slot.id).where(
                Slot.post_id == post.id,
                Slot.service_type_id == service.id,
                Slot.in_schedule.is_(True),
                Slot.starts_at >= start,
                Slot.starts_at < end,
            )
        )
    )
    lock_slots(slot_ids)
    if slot_ids and db.session.scalar(
        select(ReleaseSlot.slot_id).where(ReleaseSlot.slot_id.in_(slot_ids)).limit(1)
    ):
        raise Conflict("release_overlaps")
    rows = db.session.execute(
        select(Slot.id, Slot.capacity - Slot.booked - Slot.held)
        .where(Slot.id.in_(slot_ids))
        .execution_options(populate_existing=True)
    ).all()
    seats = {slot_id: free for slot_id, free in rows if free > 0}
    if not seats:
        raise InvalidInput("release_has_no_seats")
    public = public_id("RL")
    nonce = new_nonce()
    release = Release(
        public_id=public,
        post_id=post.id,
        service_type_id=service.id,
        first_day=first,
        last_day=last,
        opens_at=data["opens_at"],
        closes_at=data["closes_at"],
        max_per_account=data.get("max_per_account", 2),
        status="scheduled",
        nonce=nonce,
        commitment=commitment_of(derive_seed(public, nonce)),
        created_by=actor.id,
        applied_through=0,
    )
    db.session.add(release)
    db.session.flush()
    db.session.execute(
        ReleaseSlot.__table__.insert(),
        [{"release_id": release.id, "slot_id": k, "seats": v} for k, v in sorted(seats.items())],
    )
    for slot_id, free in sorted(seats.items()):
        db.session.execute(
            update(Slot)
            .where(Slot.id == slot_id)
            .values(held=Slot.held + free)
            .execution_options(synchronize_session=False)
        )
    record_audit(
        actor,
        "release.create",
        "release",
        release.public_id,
        post_id=post.id,
        details={
            "service": service.code,
            "first_day": first.isoformat(),
            "last_day": last.isoformat(),
            "seats": sum(seats.values()),
            "commitment": release.commitment,
        },
    )
    return release


@transactional
def cancel_release(actor: Account, post_code: str, release_public_id: str) -> Release:
    """Cancel before the draw: the held seats go to the waitlist, then to first-come."""
    release = _staff_release(actor, post_code, release_public_id)
    db.session.execute(select(Release.id).where(Release.id == release.id).with_for_update()).all()
    db.session.refresh(release)
    if release.status != "scheduled":
        raise Conflict("release_not_open")
    held = db.session.execute(
        select(ReleaseSlot.slot_id, ReleaseSlot.seats)
        .where(ReleaseSlot.release_id == release.id)
        .order_by(ReleaseSlot.slot_id)
    ).all()
    lock_slots([slot_id for slot_id, _ in held])
    release.status = "cancelled"
    release.cancelled_at = clock.now()
    db.session.execute(delete(ReleaseSlot).where(ReleaseSlot.release_id == release.id))
    for slot_id, seats in held:
        stop_holding(slot_id, seats)
    db.session.flush()
    for slot_id, _ in held:
        offer_freed_seats(slot_id)
    record_audit(actor, "release.cancel", "release", release.public_id, post_id=release.post_id)
    return release


def releases_query(actor: Account, post_code: str) -> Select:
    post = _staff_post(actor, post_code)
    return select(Release).where(Release.post_id == post.id).order_by(Release.id.desc())


def staff_release(actor: Account, post_code: str, release_public_id: str) -> Release:
    return _staff_release(actor, post_code, release_public_id)


# --- public reads -------------------------------------------------------------------------
def phase(release: Release, now: datetime) -> str:
    if release.status != "scheduled":
        return release.status
    if now < release.opens_at:
        return "upcoming"
    return "open" if now < release.closes_at else "closed"


def counts(release: Release) -> tuple[int, int]:
    """(live requests, seats given out), in one statement."""
    requests = (
        select(func.count())
        .select_from(ReleaseRequest)
        .where(ReleaseRequest.release_id == release.id, ReleaseRequest.status == "live")
        .scalar_subquery()
    )
    seats = (
        select(func.coalesce(func.sum(ReleaseSlot.seats), 0))
        .where(ReleaseSlot.release_id == release.id)
        .scalar_subquery()
    )
    found, given = db.session.execute(select(requests, seats)).one()
    return found, given


def public_release(release_public_id: str) -> Release:
    return get_release(release_public_id)


def lottery_inputs(release: Release) -> tuple[list[LotteryRequest], list[ReleasedSlot]]:
    """The requests and seats the draw reads (and anyone recomputing it)."""
    requests = [
        LotteryRequest(public, tuple(lottery_preference(p) for p in preferences))
        for public, preferences in db.session.execute(
            select(ReleaseRequest.public_id, ReleaseRequest.preferences).where(
                ReleaseRequest.release_id == release.id, ReleaseRequest.status == "live"
            )
        )
    ]
    tz = zone(release.post.time_zone)
    slots = [
        ReleasedSlot.at_post(slot_id, starts_at, seats, tz)
        for slot_id, starts_at, seats in db.session.execute(
            select(Slot.id, Slot.starts_at, ReleaseSlot.seats)
            .join(ReleaseSlot, ReleaseSlot.slot_id == Slot.id)
            .where(ReleaseSlot.release_id == release.id)
        )
    ]
    return requests, slots


def stored_allocation(release: Release) -> Allocation:
    result = release.result or {}
    return Allocation(
        order=tuple(result.get("order", ())),
        assignments={
            item["request"]: Assignment(item["slot"], item["preference"])
            for item in result.get("assignments", ())
        },
        waitlist=tuple(result.get("waitlist", ())),
    )


def _drawn(release_public_id: str) -> Release:
    release = get_release(release_public_id)
    if release.status not in ("drawn", "allocated"):
        raise Conflict("release_not_drawn")
    return release


def publication_of(release_public_id: str) -> dict[str, Any]:
    """The published record (scheme palm-lottery-1): seed, commitment, requests (public ids
    and preferences), seats, and the result. ``python -m services.releases.publication``
    checks it offline."""
    release = _drawn(release_public_id)
    requests, slots = lottery_inputs(release)
    return publication_document(
        seed_from_hex(release.seed),
        release.commitment,
        requests,
        slots,
        stored_allocation(release),
    )


def check_release(release_public_id: str) -> dict[str, Any]:
    """Recompute the draw from the revealed seed and the stored inputs."""
    release = _drawn(release_public_id)
    requests, slots = lottery_inputs(release)
    verification = recompute(
        seed_from_hex(release.seed),
        release.commitment,
        requests,
        slots,
        published=stored_allocation(release),
    )
    return {
        "id": release.public_id,
        "ok": verification.ok,
        "seed_matches_commitment": verification.seed_matches_commitment,
        "requests": len(verification.recomputed.order),
        "assigned": len(verification.recomputed.assignments),
        "waitlisted": len(verification.recomputed.waitlist),
        "differences": list(verification.differences),
    }
