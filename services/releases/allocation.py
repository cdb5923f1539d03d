"""The allocation at a release's close: draw, carry out, finish; idempotent and resumable.

1. ``draw``: one transaction with the release row locked. The seed is derived and checked
   against the published commitment, the seats of slots closed or withdrawn meanwhile are
   given back (they cannot be used), the lottery runs on the live requests, and the result
   (order, assignments, waitlist) is stored with the revealed seed. Run again, it does
   nothing: the order is fixed once.
2. ``apply_next_batch``: the order is carried out in batches of places, each in one
   transaction with the release row locked: winners get real appointments (their held
   seats become booked), the others join the waitlist in lottery order, everyone gets an
   inbox item and a push with the result, and ``applied_through`` moves past the batch. A
   crash loses at most the batch in flight, which rolls back whole; the rerun starts there.
   So nothing is booked twice and nobody is told twice.
3. ``finish``: seats no winner could use (an applicant booked meanwhile, or fewer requests
   than seats) are given back: offered to the waitlist, else first-come.

An officer asks for the allocation with ``request_allocation``: checked and audited in the
request, carried out by the ``releases.allocate`` job (a release of 100,000 requests takes
about a minute, far beyond a request's time; the beat sweep runs the same job anyway).

Lottery winners are booked whatever the account's general cap of active appointments
(the release's own per-account limit applied when they asked); an applicant who already
holds an active appointment for the service is skipped (``already_booked``), their seat
given back in step 3.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from services.accounts.audit import record_audit
from services.appointments.appointments import lock_slots, stop_holding
from services.appointments.booking_codes import format_code
from services.appointments.held_seats import HeldBooking, already_booked, book_held_seats
from services.appointments.slots import SLOT_CLOSED, ensure_offered
from services.core import clock
from services.core.bulk import update_by_id
from services.core.db import after_commit, db, transactional
from services.core.errors import Conflict
from services.core.jobs import enqueue_or_leave_to_sweep
from services.core.task_names import TaskNames
from services.models import (
    Account,
    Appointment,
    Release,
    ReleaseRequest,
    ReleaseSlot,
    Slot,
)
from services.releases.lottery import allocate, seed_matches
from services.releases.notices import local_text, names, notify_results
from services.releases.rules import derive_seed, lottery_preference
from services.releases.waitlist import add_entries, offer_freed_seats
from services.releases.windows import get_release, lottery_inputs, staff_release

log = logging.getLogger(__name__)

BATCH = 2000


def _lock(release: Release) -> Release:
    db.session.execute(select(Release.id).where(Release.id == release.id).with_for_update()).all()
    db.session.refresh(release)
    return release


def _locked(release_public_id: str) -> Release:
    return _lock(get_release(release_public_id))


def _drawable_seed(release: Release, now: datetime) -> bytes:
    """The seed to draw a scheduled release with, or the reason it cannot be drawn yet."""
    if now < release.closes_at:
        raise Conflict("release_window_not_closed")
    seed = derive_seed(release.public_id, release.nonce)
    if not seed_matches(seed, release.commitment):
        # The secret changed since the commitment: never draw with a seed nobody committed to.
        raise Conflict("release_seed_mismatch")
    return seed


@transactional
def draw(release_public_id: str) -> bool:
    """Fix the lottery order (step 1); False when it was already drawn."""
    release = _locked(release_public_id)
    if release.status != "scheduled":
        return False
    now = clock.now()
    seed = _drawable_seed(release, now)
    held = db.session.execute(
        select(ReleaseSlot.slot_id, ReleaseSlot.seats)
        .where(ReleaseSlot.release_id == release.id)
        .order_by(ReleaseSlot.slot_id)
    ).all()
    lock_slots([slot_id for slot_id, _ in held])
    unusable = set(
        db.session.scalars(
            select(Slot.id)
            .join(ReleaseSlot, ReleaseSlot.slot_id == Slot.id)
            .where(ReleaseSlot.release_id == release.id, ~Slot.in_schedule | SLOT_CLOSED)
        )
    )
    for slot_id, seats in held:
        if slot_id in unusable and seats:
            _give_back(release.id, slot_id, seats)
    requests, slots = lottery_inputs(release)
    result = allocate(seed, requests, slots)
    release.seed = seed.hex()
    release.result = {
        "order": list(result.order),
        "assignments": [
            {"request": public_id, "slot": got.slot_id, "preference": got.preference}
            for public_id, got in result.assignments.items()
        ],
        "waitlist": list(result.waitlist),
    }
    release.status = "drawn"
    release.drawn_at = now
    release.applied_through = 0
    return True


def _give_back(release_id: int, slot_id: int, seats: int) -> None:
    """Stop holding ``seats`` of a slot for the release (the slot's row is locked)."""
    db.session.execute(
        update(ReleaseSlot)
        .where(ReleaseSlot.release_id == release_id, ReleaseSlot.slot_id == slot_id)
        .values(seats=ReleaseSlot.seats - seats)
        .execution_options(synchronize_session=False)
    )
    stop_holding(slot_id, seats)


@transactional
def apply_next_batch(release_public_id: str, size: int = BATCH) -> bool:
    """Carry out the next ``size`` places of the order (step 2); False when none are left."""
    release = _locked(release_public_id)
    if release.status != "drawn":
        return False
    order: list[str] = release.result["order"]
    start = release.applied_through
    if start >= len(order):
        return False
    batch = order[start : start + size]
    assignments = {item["request"]: item for item in release.result["assignments"]}
    rows = {
        row.public_id: row
        for row in db.session.execute(
            select(
                ReleaseRequest.id,
                ReleaseRequest.public_id,
                ReleaseRequest.account_id,
                ReleaseRequest.applicant_id,
                ReleaseRequest.preferences,
            ).where(ReleaseRequest.release_id == release.id, ReleaseRequest.public_id.in_(batch))
        )
    }
    # A request whose applicant (or account) was deleted after the draw is gone with it: its
    # place stays counted, its seat is not booked and goes back with the release's unused
    # holds at the end. Without this, every retry of the batch failed and the release stayed
    # drawn with all its seats held.
    present = [public for public in batch if public in rows]
    post, service = release.post, release.service_type
    # Winners already booked for the service are refused by book_held_seats (their seat goes
    # back in ``finish``); those who lost are left out of the waitlist the same way.
    booked, _refused = book_held_seats(
        post_id=post.id,
        service_type_id=service.id,
        fee=ensure_offered(post, service),
        bookings=[
            HeldBooking(
                public,
                rows[public].account_id,
                rows[public].applicant_id,
                assignments[public]["slot"],
            )
            for public in present
            if public in assignments
        ],
    )
    candidates = [public for public in present if public not in assignments]
    busy = already_booked({rows[p].applicant_id for p in candidates}, service.id)
    losers = [public for public in candidates if rows[public].applicant_id not in busy]
    entries = dict(
        zip(
            losers,
            add_entries(
                post.id,
                service.id,
                release.id,
                [
                    {
                        "account_id": rows[p].account_id,
                        "applicant_id": rows[p].applicant_id,
                        "preferences": [lottery_preference(d) for d in rows[p].preferences],
                    }
                    for p in losers
                ],
            ),
            strict=True,
        )
    )

    updates, won, waitlisted, skipped = [], [], [], []
    first_place = start + 1
    for offset, public in enumerate(batch):
        if public not in rows:
            continue
        row, place = rows[public], first_place + offset
        values: dict[str, Any] = {"id": row.id, "place": place}
        data = {"release": release.public_id, "release_request_id": row.id}
        if public in booked:
            got = assignments[public]
            values.update(
                outcome="won",
                won_preference=got["preference"],
                won_slot_id=got["slot"],
                appointment_id=booked[public],
            )
            won.append((row.account_id, public, got["slot"], booked[public], place, data))
        elif public in entries:
            values.update(outcome="waitlisted", waitlist_entry_id=entries[public])
            waitlisted.append((row.account_id, {**names(post, service), "place": place}, data))
        else:  # already holds an appointment for the service (or was refused as such)
            values.update(outcome="already_booked")
            skipped.append((row.account_id, {**names(post, service), "place": place}, data))
        updates.append(values)
    update_by_id(ReleaseRequest.__table__, updates)
    _tell_winners(post, service, won)
    notify_results("release_waitlisted", waitlisted)
    notify_results("release_already_booked", skipped)
    release.applied_through = start + len(batch)
    return True


def _tell_winners(post, service, won: list[tuple]) -> None:
    if not won:
        return
    appointment_ids = [item[3] for item in won]
    details = {
        appointment_id: (code, starts_at)
        for appointment_id, code, starts_at in db.session.execute(
            select(Appointment.id, Appointment.code, Slot.starts_at)
            .join(Slot, Slot.id == Appointment.slot_id)
            .where(Appointment.id.in_(appointment_ids))
        )
    }
    items = []
    for account_id, _public, _slot, appointment_id, place, data in won:
        code, starts_at = details[appointment_id]
        params = {
            **names(post, service),
            "place": place,
            "code": format_code(code),
            "start": local_text(starts_at, post),
        }
        items.append((account_id, params, {**data, "appointment_id": appointment_id}))
    notify_results("release_won", items)


@transactional
def finish(release_public_id: str) -> bool:
    """Give back the seats no winner used (step 3) and close the release."""
    release = _locked(release_public_id)
    if release.status != "drawn" or release.applied_through < len(release.result["order"]):
        return False
    used = Counter(
        db.session.scalars(
            select(ReleaseRequest.won_slot_id).where(
                ReleaseRequest.release_id == release.id, ReleaseRequest.outcome == "won"
            )
        )
    )
    held = db.session.execute(
        select(ReleaseSlot.slot_id, ReleaseSlot.seats)
        .where(ReleaseSlot.release_id == release.id)
        .order_by(ReleaseSlot.slot_id)
    ).all()
    lock_slots([slot_id for slot_id, _ in held])
    returned = []
    for slot_id, seats in held:
        leftover = seats - used.get(slot_id, 0)
        if leftover > 0:
            stop_holding(slot_id, leftover)
            returned.append(slot_id)
    release.status = "allocated"
    release.allocated_at = clock.now()
    db.session.flush()
    for slot_id in returned:
        offer_freed_seats(slot_id)
    return True


def allocate_release(release_public_id: str, *, batch: int = BATCH) -> dict[str, Any]:
    """All three steps; safe to run again at any point (the task and the CLI command)."""
    drew = draw(release_public_id)
    batches = 0
    while apply_next_batch(release_public_id, batch):
        batches += 1
    finished = finish(release_public_id)
    release = get_release(release_public_id)
    db.session.refresh(release)
    return {
        "release": release.public_id,
        "drew": drew,
        "batches": batches,
        "finished": finished,
        "status": release.status,
    }


@transactional
def _queue_allocation(
    actor: Account, post_code: str, release_public_id: str
) -> tuple[Release, bool]:
    release = _lock(staff_release(actor, post_code, release_public_id))
    if release.status == "scheduled":
        _drawable_seed(release, clock.now())
    elif release.status == "cancelled":
        raise Conflict("release_cancelled")
    elif release.status != "drawn":
        return release, False  # allocated: nothing left to do, nothing changed
    record_audit(
        actor,
        "release.allocate",
        "release",
        release.public_id,
        post_id=release.post_id,
        details={"status": release.status, "applied_through": release.applied_through},
    )
    public_id = release.public_id
    after_commit(
        lambda: enqueue_or_leave_to_sweep(TaskNames.ALLOCATE_RELEASE, public_id, what=public_id)
    )
    return release, True


def request_allocation(
    actor: Account, post_code: str, release_public_id: str
) -> tuple[Release, bool]:
    """An officer's "allocate now" once the window has closed: the post's scope and the
    window checked, the request audited, the allocation queued (the job is idempotent, so a
    second request or the beat sweep running alongside changes nothing). Returns the
    release and whether an allocation was queued: not for one already allocated (nothing
    to do); a cancelled one is refused (``release_cancelled``)."""
    release, queued = _queue_allocation(actor, post_code, release_public_id)
    # In the embedded default the job has already run (eagerly, after the commit).
    db.session.refresh(release)
    return release, queued


def due_releases() -> list[str]:
    """Releases whose window has closed and whose allocation is not done."""
    now = clock.now()
    return list(
        db.session.scalars(
            select(Release.public_id)
            .where(
                (Release.status == "drawn")
                | ((Release.status == "scheduled") & (Release.closes_at <= now))
            )
            .order_by(Release.closes_at)
        )
    )
