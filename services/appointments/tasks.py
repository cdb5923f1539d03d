"""Periodic tasks of appointments: the day-before reminders and the rolling slot window."""

from __future__ import annotations

from celery import shared_task

from services.appointments.reminders import send_due_reminders
from services.appointments.slots import generate_all_slots
from services.core.task_names import TaskNames


@shared_task(name=TaskNames.SEND_APPOINTMENT_REMINDERS)
def send_appointment_reminders() -> int:
    """Send the reminders due now (the day before each appointment, post's local time)."""
    return send_due_reminders()


@shared_task(name=TaskNames.GENERATE_APPOINTMENT_SLOTS)
def generate_appointment_slots() -> dict:
    """Extend every post's slots as its booking window moves forward (idempotent)."""
    return generate_all_slots()
