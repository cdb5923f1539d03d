"""Messages of the errors the HTTP layer raises itself (the domains declare theirs).

The English is marked for ``pybabel extract`` (see ``babel.cfg``) and translated by the
catalogues; ``api.errors`` imports this module.
"""

from __future__ import annotations

from services.core.i18n import error_text

error_text("bad_request", "The request could not be understood.")

error_text("unsupported_media_type", "Send the body as application/json.")

error_text("internal_error", "Something went wrong on our side. Please try again later.")

error_text(
    "import_media_type",
    'Send the file as text/csv, or as the field "file" of a multipart/form-data form.',
)

error_text(
    "upload_file_missing", 'Send exactly one file, in the field "file", after the other fields.'
)
