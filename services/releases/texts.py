"""Texts of releases and the waitlist: error messages and notification templates.

The English is marked for ``pybabel extract`` (``babel.cfg``) and translated by the
catalogues; ``services.wiring`` imports this module at start-up.
"""

from __future__ import annotations

from services.core.i18n import C_, error_text
from services.notifications.templates import notification_template

error_text("release_not_found", "Release not found.")

error_text("release_request_not_found", "Request not found.")

error_text("waitlist_entry_not_found", "Waitlist place not found.")

error_text("waitlist_offer_not_found", "Offer not found.")

error_text(
    "release_window_invalid",
    "The request window must open in the future and close before the first released day.",
)

error_text("release_overlaps", "Some of these slots already belong to another release.")

error_text("release_has_no_seats", "There is no free seat on these days to release.")

error_text("release_not_open", "This release is not taking requests now.")

error_text("release_not_drawn", "The draw of this release has not taken place yet.")

error_text("release_cancelled", "This release was cancelled: there is nothing to allocate.")

error_text(
    "release_window_not_closed", "The request window is still open; the draw comes after it closes."
)

error_text(
    "release_seed_mismatch",
    "The draw cannot run: the seed no longer matches the published commitment.",
)

error_text(
    "person_already_requested",
    "This person already has a request in this release (from any account).",
)

error_text(
    "release_request_limit_reached",
    "An account may hold at most %(limit)s requests in this release.",
)

error_text(
    "passport_number_required",
    "Add the applicant's passport number first: it keeps one request per person.",
)

error_text(
    "invalid_preferences",
    "Give one to %(max)s different preferences, on the release's days, each band ending after it starts.",
)

error_text("release_request_withdrawn", "This request was withdrawn.")

error_text(
    "already_on_waitlist",
    "This applicant is already on the waitlist for this service at this post.",
)

error_text("seats_available", "A seat matching these preferences is free: book it instead.")

error_text("offer_not_open", "This offer is no longer open (%(status)s).")

notification_template(
    "release_won",
    C_("notification.release_won.title", "You have an appointment"),
    C_(
        "notification.release_won.body",
        "The draw gave you %(service)s at %(post)s, %(start)s (place %(place)s). Booking code %(code)s.",
    ),
)

notification_template(
    "release_waitlisted",
    C_("notification.release_waitlisted.title", "No seat in this draw"),
    C_(
        "notification.release_waitlisted.body",
        "%(service)s at %(post)s: every day you chose was taken by the time your place (%(place)s) came. You are on the waitlist and will be offered a freed seat.",
    ),
)

notification_template(
    "release_already_booked",
    C_("notification.release_already_booked.title", "Draw result"),
    C_(
        "notification.release_already_booked.body",
        "%(service)s at %(post)s: this applicant already has an appointment for the service, so the request was not used.",
    ),
)

notification_template(
    "waitlist_offer",
    C_("notification.waitlist_offer.title", "A seat is held for you"),
    C_(
        "notification.waitlist_offer.body",
        "%(service)s at %(post)s, %(start)s. Accept it in the app before %(until)s.",
    ),
)
