"""Texts of applications: state names, the state-change notifications (the tracking number
when dispatched, an invitation to rate once the passport is collected or delivered), the
notice of an expected date moved by a closure, error messages.

The English is marked for ``pybabel extract`` (``babel.cfg``) and translated by the
catalogues; ``services.wiring`` imports this module at start-up.
"""

from __future__ import annotations

from services.applications.states import RATING_STATES
from services.core.i18n import C_, Text, error_text
from services.notifications.templates import notification_template

# TRANSLATORS: the name of an application's state, as the applicant sees it.
STATE_NAMES: dict[str, Text] = {
    "submitted": C_("application_state.submitted", "Submitted"),
    "accepted": C_("application_state.accepted", "Accepted"),
    "in_review": C_("application_state.in_review", "In review"),
    "more_information_required": C_(
        "application_state.more_information_required", "More information required"
    ),
    "approved": C_("application_state.approved", "Approved"),
    "in_production": C_("application_state.in_production", "In production"),
    "ready_for_collection": C_("application_state.ready_for_collection", "Ready for collection"),
    "dispatched": C_("application_state.dispatched", "Dispatched"),
    "collected": C_("application_state.collected", "Collected"),
    "delivered": C_("application_state.delivered", "Delivered"),
    "rejected": C_("application_state.rejected", "Rejected"),
    "withdrawn": C_("application_state.withdrawn", "Withdrawn"),
}

# TRANSLATORS: push and inbox title of every state change of an application.
_TITLE = C_("notification.application_state_changed.title", "Application %(number)s")
# TRANSLATORS: state is the state's name (application_state.*), note the officer's public
# note (may be empty).
_BODY = C_("notification.application_state_changed.body", "New status: %(state)s. %(note)s")


def template_for(state: str) -> str:
    return f"application_{state}"


# One template code per state (kept in the inbox item, the app may switch on it), all with
# the same texts: the state's name is put in when rendered, in the reader's language. A
# state whose notice says more declares its own template below, which replaces this one.
for _state, _name in STATE_NAMES.items():
    notification_template(template_for(_state), _TITLE, _BODY, fixed={"state": _name}, default=True)

notification_template(
    template_for("dispatched"),
    _TITLE,
    C_(
        "notification.application_dispatched.body",
        "New status: %(state)s. Tracking number: %(tracking_number)s. %(note)s",
    ),
    fixed={"state": STATE_NAMES["dispatched"]},
)

# TRANSLATORS: state is "Collected" or "Delivered" (application_state.*), note the officer's
# public note (may be empty).
_RATING_BODY = C_(
    "notification.application_rating_open.body",
    "New status: %(state)s. How did we do? Rate the service in the app. %(note)s",
)
for _state in sorted(RATING_STATES):
    notification_template(
        template_for(_state), _TITLE, _RATING_BODY, fixed={"state": STATE_NAMES[_state]}
    )

EXPECTED_DATE_MOVED = notification_template(
    "application_expected_date_moved",
    C_("notification.application_expected_date_moved.title", "New expected date"),
    # TRANSLATORS: reason is the post's reason for closing, in the reader's language;
    # expected_on a date (YYYY-MM-DD).
    C_(
        "notification.application_expected_date_moved.body",
        "The post will be closed (%(reason)s), so application %(number)s is now expected on %(expected_on)s.",
    ),
)

error_text("application_not_found", "No application matches these details.")

error_text(
    "invalid_transition",
    "An application in state %(state)s cannot move to %(to)s. Allowed: %(allowed)s.",
)

error_text("delivery_address_required", "Give the address for delivery by courier.")

error_text("walk_in_not_allowed", "This post does not open applications without an appointment.")

error_text("information_request_required", "Say what information is required from the applicant.")

error_text("rejection_reason_required", "Give the applicant the reason for the rejection.")

error_text("delivery_method_mismatch", "This application is to be delivered by %(method)s.")

error_text("tracking_number_required", "Give the courier's tracking number.")

error_text(
    "rating_not_open", "You can rate the service once the passport is collected or delivered."
)

error_text("already_rated", "You have already rated this application.")

error_text("appointment_not_checked_in", "Check the applicant in before opening the application.")

error_text("application_exists", "Application %(number)s was already opened for this appointment.")

error_text("rating_not_found", "You have not rated this application yet.")
