"""Notifications about appointments (texts in ``services/appointments/texts.py``): sending them.

Names and times are put into the recipient's language and the post's local time here, so
the inbox item reads the same whatever device shows it. A reschedule or a cancellation (by
the holder or by a closure) marks the appointment's reminder in the inbox as superseded, so
the app never shows an untrue "tomorrow" as current.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.appointments.booking_codes import format_code
from services.appointments.texts import BOOKING_CONFIRMATION
from services.core.db import db
from services.core.languages import pick_translation
from services.core.local_time import local_stamp, zone
from services.emails.outbox import email_if_enabled
from services.models import Account, Appointment, NotificationSettings
from services.notifications.inbox_rows import InboxItem, inbox_item
from services.notifications.notifications import get_settings, notify, supersede


def local_start(appointment: Appointment, starts_at: datetime | None = None) -> datetime:
    """The start (the slot's by default) in the post's zone: shown with its UTC offset, in
    the reader's locale."""
    return (starts_at or appointment.slot.starts_at).astimezone(zone(appointment.post.time_zone))


def _params(appointment: Appointment, language: str) -> dict[str, Any]:
    return {
        "post": pick_translation(appointment.post.names, language) or appointment.post.code,
        "service": pick_translation(appointment.service_type.names, language)
        or appointment.service_type.code,
        "start": local_start(appointment),
        "code": format_code(appointment.code),
    }


def _send(
    appointment: Appointment,
    kind: str,
    template: str,
    extra: dict | None = None,
    *,
    settings: NotificationSettings | None = None,
):
    account = db.session.get(Account, appointment.account_id)
    params = _params(appointment, account.language)
    params.update(extra or {})
    return notify(
        account.id,
        kind,
        template,
        params,
        data={"appointment_id": appointment.id, "type": template},
        settings=settings,
    )


def notify_booked(appointment: Appointment, settings: NotificationSettings | None = None):
    """The booking's confirmation (e-mail and inbox); ``settings``: the account's, when the
    caller read them already."""
    account = db.session.get(Account, appointment.account_id)
    # The settings are read once for both channels (an account without a row of its own
    # would otherwise be looked up twice).
    if settings is None:
        settings = get_settings(account)
    email_booked(appointment, account, settings)
    return _send(appointment, "status_change", "appointment_booked", settings=settings)


def email_booked(
    appointment: Appointment,
    account: Account,
    settings: NotificationSettings,
    *,
    at_commit: bool = False,
):
    """The booking's confirmation by e-mail, when the account asked for it (``at_commit``:
    its outbox row written with the unit of work's deferred statements, as
    ``emails.outbox.queue_email``'s)."""
    # The e-mails' texts are still dictionaries formatted with str.format, and the outbox
    # stores their params as JSON: the time goes as text, in the post's zone with its offset.
    if "booking_confirmation" not in (settings.email_kinds or []):
        return None  # (what email_if_enabled would find, without rendering the params)
    email_params = _params(appointment, account.language)
    email_params["start"] = local_stamp(email_params["start"])
    return email_if_enabled(
        account.id,
        "booking_confirmation",
        BOOKING_CONFIRMATION,
        email_params,
        settings=settings,
        at_commit=at_commit,
    )


def booked_inbox_item(
    appointment: Appointment, account: Account, settings: NotificationSettings, now: datetime
) -> InboxItem:
    """The booking's confirmation in the inbox, for a statement that writes the appointment
    (``inbox_rows``; its id goes into the item's data there): what ``_send`` would write."""
    return inbox_item(
        account,
        "status_change",
        "appointment_booked",
        _params(appointment, account.language),
        data={"type": "appointment_booked"},
        settings=settings,
        now=now,
    )


def notify_cancelled_by_closure(appointment: Appointment, reason: dict[str, str]):
    account = db.session.get(Account, appointment.account_id)
    text = pick_translation(reason, account.language) or ""
    _supersede_reminders(appointment)
    return _send(appointment, "status_change", "appointment_cancelled_closure", {"reason": text})


REMINDER_TEMPLATES = ("appointment_reminder", "appointment_reminder_today")


def notify_reminder(appointment: Appointment, *, today: bool = False):
    """The reminder, saying "today" or "tomorrow" as the caller found it true."""
    return _send(appointment, "reminder", REMINDER_TEMPLATES[1 if today else 0])


def _supersede_reminders(appointment: Appointment) -> None:
    # The reminder in the inbox names the old time (or a visit that will not happen).
    supersede(appointment.account_id, "reminder", {"appointment_id": appointment.id})


def notify_rescheduled(appointment: Appointment, old_starts_at: datetime):
    _supersede_reminders(appointment)
    old_start = local_start(appointment, old_starts_at)
    return _send(appointment, "status_change", "appointment_rescheduled", {"old_start": old_start})


def notify_cancelled(appointment: Appointment):
    """The holder cancelled it themselves."""
    _supersede_reminders(appointment)
    return _send(appointment, "status_change", "appointment_cancelled")
