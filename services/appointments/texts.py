"""Texts of services.appointments: the English of its messages, translated by the catalogues.

Marked for ``pybabel extract`` (see ``babel.cfg``); ``services.wiring`` imports this module
at start-up so that every message is known whatever runs first.
"""

from __future__ import annotations

from services.core.i18n import C_, error_text, error_text_plural
from services.emails.templates import email_template
from services.notifications.templates import notification_template

error_text("service_not_offered", "This post does not offer this service.")

error_text("invalid_date_range", "The end of the period is before its start.")

error_text_plural(
    "date_range_too_long",
    "The period is too long: at most %(max_days)s day.",
    "The period is too long: at most %(max_days)s days.",
    "max_days",
)

error_text("slot_not_found", "This time slot does not exist or is no longer offered.")

error_text("slot_mismatch", "This time slot is for another post or service.")

error_text(
    "outside_booking_window",
    "This time slot cannot be booked now: it is too soon or too far ahead.",
)

error_text("post_closed", "The post is closed at that time.")

error_text("slot_full", "This time slot is fully booked. Please choose another.")

error_text("duplicate_appointment", "This applicant already has an appointment for this service.")

error_text_plural(
    "appointment_limit_reached",
    "You already have %(limit)s active appointment, the most allowed.",
    "You already have %(limit)s active appointments, the most allowed.",
    "limit",
)

error_text(
    "booking_blocked",
    "After repeated missed appointments, booking at this post is blocked until %(until)s.",
)

error_text("appointment_not_found", "No such appointment.")

error_text(
    "appointment_not_active", "This appointment can no longer be changed (it is %(status)s)."
)

error_text_plural(
    "change_cutoff_passed",
    "Appointments can be changed or cancelled until %(hours)s hour before they start.",
    "Appointments can be changed or cancelled until %(hours)s hours before they start.",
    "hours",
)

error_text("same_slot", "The appointment is already at this time.")

error_text("template_not_found", "No such opening template.")

error_text("closing_before_opening", "The closing time must be after the opening time.")

error_text("slot_longer_than_opening", "A slot cannot be longer than the opening hours.")

error_text(
    "template_overlap", "These hours overlap opening template %(template_id)s for the same service."
)

error_text("closure_not_found", "No such closure.")

error_text("pass_invalid", "This pass is not genuine.")

error_text("wrong_post", "This appointment is at another post.")

error_text("wrong_day", "This appointment is on %(date)s, not today.")

error_text("appointment_cancelled", "This appointment was cancelled.")

error_text("invalid_status", "Not possible while the appointment is %(status)s.")

error_text("too_early_for_no_show", "A no-show can only be recorded after the slot has ended.")

notification_template(
    "appointment_booked",
    C_("notification.appointment_booked.title", "Appointment booked"),
    C_(
        "notification.appointment_booked.body",
        "%(service)s at %(post)s, %(start)s. Booking code %(code)s.",
    ),
)

notification_template(
    "appointment_cancelled_closure",
    C_("notification.appointment_cancelled_closure.title", "Appointment cancelled"),
    C_(
        "notification.appointment_cancelled_closure.body",
        "Your appointment for %(service)s at %(post)s on %(start)s is cancelled because the post is closed: %(reason)s. Please book another time.",
    ),
)

notification_template(
    "appointment_reminder",
    C_("notification.appointment_reminder.title", "Your appointment is tomorrow"),
    C_(
        "notification.appointment_reminder.body",
        "%(service)s at %(post)s, %(start)s. Bring your booking code %(code)s and the required documents.",
    ),
)

notification_template(
    "appointment_reminder_today",
    C_("notification.appointment_reminder_today.title", "Your appointment is today"),
    C_(
        "notification.appointment_reminder_today.body",
        "%(service)s at %(post)s, %(start)s. Bring your booking code %(code)s and the required documents.",
    ),
)

notification_template(
    "appointment_rescheduled",
    C_("notification.appointment_rescheduled.title", "Appointment moved"),
    C_(
        "notification.appointment_rescheduled.body",
        "%(service)s at %(post)s is now %(start)s (was %(old_start)s). Your booking code %(code)s stays the same.",
    ),
)

# TRANSLATORS: the holder cancelled the appointment themselves.
notification_template(
    "appointment_cancelled",
    C_("notification.appointment_cancelled.title", "Appointment cancelled"),
    C_(
        "notification.appointment_cancelled.body",
        "You cancelled your appointment for %(service)s at %(post)s on %(start)s (booking code %(code)s). The seat is free for others.",
    ),
)


# --- e-mails (sent through services.emails' outbox) ---------------------------------------
BOOKING_CONFIRMATION = "booking_confirmation"

email_template(
    "booking_confirmation",
    C_("email.booking_confirmation.subject", "Appointment booked: %(service)s, %(start)s"),
    C_(
        "email.booking_confirmation.p1",
        "Your appointment for %(service)s at %(post)s is booked for %(start)s.",
    ),
    C_(
        "email.booking_confirmation.p2",
        "Booking code: %(code)s. Show the pass in the app at the entrance and bring the required documents.",
    ),
)
