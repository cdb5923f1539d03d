"""Texts of services.catalogue: the English of its messages, translated by the catalogues.

Marked for ``pybabel extract`` (see ``babel.cfg``); ``services.wiring`` imports this module
at start-up so that every message is known whatever runs first.
"""

from __future__ import annotations

from services.core.i18n import error_text

error_text("service_not_found", "No such service.")

error_text("post_exists", "A post with this code already exists.")

error_text("service_exists", "A service with this code already exists.")

error_text(
    "fee_not_representable",
    "The amount is not valid for %(currency)s (minor unit exponent %(exponent)s).",
)
