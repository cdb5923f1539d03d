"""Texts of services.legalizations: the English of its messages, translated by the catalogues.

Marked for ``pybabel extract`` (see ``babel.cfg``); ``services.wiring`` imports this module
at start-up so that every message is known whatever runs first.
"""

from __future__ import annotations

from services.core.i18n import error_text, error_text_plural

error_text(
    "legalization_not_found",
    "No legalization found. Check the authentication number, sub-number and sticker number.",
)

error_text("legalization_exists", "A legalization with these three numbers is already recorded.")

error_text("legalization_already_revoked", "This legalization is already revoked.")

error_text(
    "import_not_utf8",
    'The file is not UTF-8 text (first problem on line %(line)s). Save it as "CSV UTF-8" and try again.',
)

error_text("import_empty", "The file is empty.")

error_text("import_header_invalid", "The first row must name the columns: %(required)s.")

error_text_plural(
    "import_rows_invalid",
    "%(count)s row is invalid, so nothing was imported. The problem is listed with its line.",
    "%(count)s rows are invalid, so nothing was imported. Each problem is listed with its line.",
    "count",
)

error_text_plural(
    "import_too_many_rows",
    "The file has more than %(max_rows)s row. Split it into smaller files.",
    "The file has more than %(max_rows)s rows. Split it into smaller files.",
    "max_rows",
)

error_text(
    "import_too_large", "The file is larger than %(max_bytes)s bytes. Split it into smaller files."
)
