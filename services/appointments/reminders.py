"""Appointment reminders: a push and an inbox item the day before, in the post's local time.

The beat job runs every few minutes. An appointment is due from ``APPOINTMENT_REMINDER_HOUR``
(post's local time, default 9) on the day before its slot until the slot starts. The text
says what is true when it is sent: "tomorrow" when the slot is on the post's next day,
"today" when it is on the post's current day (a booking made after the reminder hour for
the same day, or a run that was late). Such late bookings still get their reminder: it is
muted with the other reminders, not with status changes, and says when to come.

Each reminder is claimed with a conditional update of ``reminder_sent_at`` in the same
transaction as the notification, so overlapping runs or workers never send one twice, and a
failed run loses nothing. The due rule is checked again on the claimed row: a reschedule
committed between the listing and the claim moves the slot, and the new day gets its own
reminder when it is due, never one early. Rescheduling clears the claim.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import select, update

from services.appointments.notices import notify_reminder
from services.core import clock
from services.core.db import db, transactional
from services.core.local_time import local_date, zone
from services.models import Appointment, Post, Slot

DEFAULT_LOCAL_HOUR = 9


def reminder_hour() -> int:
    return int(current_app.config.get("APPOINTMENT_REMINDER_HOUR", DEFAULT_LOCAL_HOUR))


def _due(starts_at: datetime, time_zone: str, now: datetime, hour: int) -> bool:
    tz = zone(time_zone)
    day_before = local_date(starts_at, tz) - timedelta(days=1)
    return now >= datetime.combine(day_before, time(hour), tzinfo=tz) and now < starts_at


def due_reminders(now: datetime) -> list[int]:
    hour = reminder_hour()
    rows = db.session.execute(
        select(Appointment.id, Slot.starts_at, Post.time_zone)
        .join(Slot, Slot.id == Appointment.slot_id)
        .join(Post, Post.id == Appointment.post_id)
        .where(
            Appointment.status == "booked",
            Appointment.reminder_sent_at.is_(None),
            Slot.starts_at > now,
            # Two days ahead covers "tomorrow" in every zone (UTC-12 to UTC+14).
            Slot.starts_at <= now + timedelta(days=2, hours=2),
        )
        .order_by(Slot.starts_at)
    ).all()
    return [row.id for row in rows if _due(row.starts_at, row.time_zone, now, hour)]


@transactional
def send_reminder(appointment_id: int, now: datetime) -> bool:
    """Claim and send one reminder; False when it was already sent or is no longer due."""
    claimed = db.session.execute(
        update(Appointment)
        .where(
            Appointment.id == appointment_id,
            Appointment.status == "booked",
            Appointment.reminder_sent_at.is_(None),
        )
        .values(reminder_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    # The claim holds the row (PostgreSQL), so what is read now is what the reminder is for.
    appointment = db.session.get(Appointment, appointment_id, populate_existing=True)
    post_zone = appointment.post.time_zone
    if not _due(appointment.slot.starts_at, post_zone, now, reminder_hour()):
        appointment.reminder_sent_at = None  # moved meanwhile: its own reminder comes later
        db.session.flush()
        return False
    tz = zone(post_zone)
    same_day = local_date(appointment.slot.starts_at, tz) == local_date(now, tz)
    notify_reminder(appointment, today=same_day)
    return True


def send_due_reminders(now: datetime | None = None) -> int:
    """Send every due reminder, each in its own transaction; returns how many were sent."""
    now = now or clock.now()
    return sum(1 for appointment_id in due_reminders(now) if send_reminder(appointment_id, now))
