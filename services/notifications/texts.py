"""Texts of services.notifications: the English of its messages, translated by the catalogues.

Marked for ``pybabel extract`` (see ``babel.cfg``); ``services.wiring`` imports this module
at start-up so that every message is known whatever runs first.
"""

from __future__ import annotations

from services.core.i18n import error_text

error_text("device_not_found", "No such device.")

error_text("notification_not_found", "No such notification.")

error_text("delivery_not_found", "No such delivery.")

error_text("delivery_not_dead", "Only dead-lettered deliveries can be retried.")

error_text("device_disabled", "The device's token is no longer valid.")

error_text("account_not_found", "No such account.")
