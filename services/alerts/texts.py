"""Texts of services.alerts: the English of its messages, translated by the catalogues.

Marked for ``pybabel extract`` (see ``babel.cfg``); ``services.wiring`` imports this module
at start-up so that every message is known whatever runs first.
"""

from __future__ import annotations

from services.core.i18n import C_, error_text, error_text_plural

error_text("trip_not_found", "No such trip.")

error_text("trip_dates_invalid", "The trip ends before it starts.")

error_text("trip_in_past", "This trip is already over.")

error_text_plural(
    "trip_too_long",
    "A trip can last at most %(max_days)s day; follow the country instead.",
    "A trip can last at most %(max_days)s days; follow the country instead.",
    "max_days",
)

error_text_plural(
    "too_many_trips",
    "You can have at most %(max_trips)s current or upcoming trip.",
    "You can have at most %(max_trips)s current or upcoming trips.",
    "max_trips",
)

error_text("follow_exists", "You already follow this country.")

error_text("follow_not_found", "You do not follow this country.")

error_text_plural(
    "too_many_follows",
    "You can follow at most %(max_follows)s country.",
    "You can follow at most %(max_follows)s countries.",
    "max_follows",
)

error_text("alert_not_found", "No such alert.")

error_text("alert_not_editable", "This alert has no draft or version awaiting approval.")

error_text("alert_not_draft", "Only a draft can be sent for approval.")

error_text("alert_not_pending", "No version of this alert is awaiting approval.")

error_text(
    "alert_version_changed",
    "The alert changed since you read it (it is now at version %(version)s).",
)

error_text(
    "approver_is_author", "Another officer must approve or reject a version you wrote or submitted."
)

error_text_plural(
    "alert_expiry_invalid",
    "The expiry must be in the future and at most %(max_days)s day ahead.",
    "The expiry must be in the future and at most %(max_days)s days ahead.",
    "max_days",
)

error_text("alert_expiry_passed", "This version's expiry has passed; edit it before it can go out.")

error_text("alert_closed", "This alert is closed (expired, withdrawn or rejected).")

error_text(
    "alert_has_open_version", "This alert already has a draft or a version awaiting approval."
)

error_text("check_in_closed", "Check-in is only open for live emergency alerts.")

error_text(
    "not_registered_for_alert",
    "You have no current trip to, or follow of, a country of this alert.",
)

error_text("alert_response_not_found", "No such answer.")

error_text("response_not_need_help", 'Only "need help" answers are marked handled.')

# The Atom feed's title (a country's feed adds ": <country code>").
FEED_TITLE = C_("feed.alerts.title", "Travel safety alerts")
