"""Texts of services.core: the English of its messages, translated by the catalogues.

Marked for ``pybabel extract`` (see ``babel.cfg``); ``services.wiring`` imports this module
at start-up so that every message is known whatever runs first.
"""

from __future__ import annotations

from services.core.i18n import error_text

error_text("unauthorized", "Please log in.")

error_text("forbidden", "You are not allowed to do this.")

error_text("not_found", "Not found.")

error_text("method_not_allowed", "This method is not allowed here.")

error_text("conflict", "The request conflicts with the current state.")

error_text("precondition_failed", "The resource has changed since you read it.")

error_text("precondition_required", "Send If-Match with the ETag you read.")

error_text("payload_too_large", "The request body is too large.")

error_text("rate_limited", "Too many requests. Please wait and try again.")

error_text("service_unavailable", "The service is temporarily unavailable. Please try again.")

error_text(
    "idempotency_in_progress", "A request with this Idempotency-Key is still being processed."
)

error_text(
    "account_has_appointments", "Cancel your coming appointments before deleting the account."
)

error_text(
    "account_has_open_applications",
    "An application is still in progress; the account can be deleted once it is finished or withdrawn.",
)

error_text(
    "account_has_pending_payments",
    "A payment or refund is still under way; try again once it is settled.",
)
