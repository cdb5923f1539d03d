"""Booking seats that were held back (a release's lottery winners), many at once.

The seats are already counted in ``slot.held``; booking them moves each from ``held`` to
``booked`` and writes the appointment, exactly like a booking (code, fee, the QR pass and the
calendar file derive from the row; reminders come from the reminder job). Runs inside the
caller's unit of work, a few statements per batch whatever its size.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select, update

from services.appointments.booking_codes import new_code
from services.core import clock
from services.core.bulk import insert_returning_ids
from services.core.db import db
from services.models import ACTIVE_STATES, Appointment, Fee, Slot


@dataclass(frozen=True)
class HeldBooking:
    key: str  # the caller's name for it (a request's public id)
    account_id: int
    applicant_id: int
    slot_id: int


def _fresh_codes(count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:  # ~2^59 codes: a collision is astronomically rare
        wanted = {new_code() for _ in range(count - len(codes))} - codes
        taken = set(
            db.session.scalars(select(Appointment.code).where(Appointment.code.in_(wanted)))
        )
        codes |= wanted - taken
    return list(codes)


def already_booked(applicant_ids: set[int], service_type_id: int) -> set[int]:
    """Those of the applicants who hold an active appointment for the service."""
    if not applicant_ids:
        return set()
    return set(
        db.session.scalars(
            select(Appointment.applicant_id).where(
                Appointment.applicant_id.in_(applicant_ids),
                Appointment.service_type_id == service_type_id,
                Appointment.status.in_(ACTIVE_STATES),
            )
        )
    )


def book_held_seats(
    *, post_id: int, service_type_id: int, fee: Fee, bookings: list[HeldBooking]
) -> tuple[dict[str, int], list[HeldBooking]]:
    """Book each held seat; returns {key: appointment id} and the bookings refused because
    the applicant already holds an active appointment for the service (their seat stays
    held, for the caller to give back). Slots are locked in id order first."""
    if not bookings:
        return {}, []
    slot_ids = sorted({booking.slot_id for booking in bookings})
    db.session.execute(
        select(Slot.id).where(Slot.id.in_(slot_ids)).order_by(Slot.id).with_for_update()
    ).all()
    busy = already_booked({b.applicant_id for b in bookings}, service_type_id)
    accepted, refused, seen = [], [], set()
    for booking in bookings:
        if booking.applicant_id in busy or booking.applicant_id in seen:
            refused.append(booking)
        else:
            seen.add(booking.applicant_id)
            accepted.append(booking)
    if not accepted:
        return {}, refused
    now = clock.now()
    rows = [
        {
            "created_at": now,
            "updated_at": now,
            "cancelled_at": None,
            "cancel_reason": None,
            "closure_id": None,
            "checked_in_at": None,
            "completed_at": None,
            "no_show_at": None,
            "reminder_sent_at": None,
            "code": code,
            "account_id": booking.account_id,
            "applicant_id": booking.applicant_id,
            "post_id": post_id,
            "service_type_id": service_type_id,
            "slot_id": booking.slot_id,
            "status": "booked",
            "fee_amount_minor": fee.amount_minor,
            "fee_currency": fee.currency,
            "sequence": 0,
        }
        for booking, code in zip(accepted, _fresh_codes(len(accepted)), strict=True)
    ]
    ids = insert_returning_ids(Appointment.__table__, rows)
    for slot_id, count in sorted(Counter(b.slot_id for b in accepted).items()):
        result = db.session.execute(
            update(Slot)
            .where(Slot.id == slot_id, Slot.held >= count)
            .values(booked=Slot.booked + count, held=Slot.held - count)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # a hold that is not there: never book beyond the seats
            raise RuntimeError(f"slot {slot_id} holds fewer than {count} seats")
    return {b.key: appointment_id for b, appointment_id in zip(accepted, ids, strict=True)}, refused
