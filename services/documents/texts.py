"""Texts of documents: what each failed check means for the applicant, error messages.

A rejected document keeps its failed checks as ``[{"code": ..., "detail": ...}]``: ``code``
is stable (the app may switch on it), ``detail`` is the precise English sentence of the check
("350x450 px is too small; ..."). The API adds ``message``, a sentence for the applicant in
the request's language, from ``CHECK_TEXTS``. The English is marked for ``pybabel extract``
(``babel.cfg``); ``services.wiring`` imports this module at start-up.
"""

from __future__ import annotations

from services.core.i18n import C_, Text, error_text, error_text_plural

CHECK_TEXTS: dict[str, Text] = {}

error_text("validation_error", "Some fields are missing or invalid.")

error_text("document_not_found", "No such document.")

error_text(
    "document_type_not_allowed",
    "This type of file cannot be uploaded as a %(kind)s. Allowed: %(allowed)s.",
)

error_text(
    "document_size_out_of_range", "A %(kind)s must be between %(min_size)s and %(max_size)s bytes."
)

error_text_plural(
    "document_limit_reached",
    "This applicant already has %(limit)s document. Delete it before adding another.",
    "This applicant already has %(limit)s documents. Delete some before adding more.",
    "limit",
)

error_text("upload_missing", "The file has not been uploaded yet. Upload it, then confirm again.")

error_text(
    "document_rejected",
    "The file was not accepted: each problem is listed. Please upload a new one.",
)

error_text("document_not_accepted", "Only an accepted document can be downloaded.")

error_text(
    "storage_unavailable", "File storage is unavailable at the moment. Please try again shortly."
)

error_text(
    "upload_policy_violation",
    "The upload does not match what was authorised (see the reason). Ask for a new upload.",
)

# TRANSLATORS: Why an uploaded document was refused; shown to the applicant.
CHECK_TEXTS["size_out_of_range"] = C_(
    "document_check.size_out_of_range",
    "The file's size is not what was announced or is outside the limits for this kind of document.",
)

# TRANSLATORS: Why an uploaded document was refused; shown to the applicant.
CHECK_TEXTS["content_type_mismatch"] = C_(
    "document_check.content_type_mismatch", "The file is not of the type that was announced."
)

# TRANSLATORS: Why an uploaded document was refused; shown to the applicant.
CHECK_TEXTS["not_encrypted"] = C_(
    "document_check.not_encrypted",
    "The file was not stored encrypted. Upload it again with the fields you were given.",
)

# TRANSLATORS: Why an uploaded document was refused; shown to the applicant.
CHECK_TEXTS["unsupported_type"] = C_(
    "document_check.unsupported_type", "This type of file is not accepted."
)

# TRANSLATORS: Why an uploaded document was refused; shown to the applicant.
CHECK_TEXTS["unrecognised_content"] = C_(
    "document_check.unrecognised_content", "The file is not a JPEG, PNG or PDF file."
)

# TRANSLATORS: Why an uploaded document was refused; shown to the applicant.
CHECK_TEXTS["not_decodable"] = C_(
    "document_check.not_decodable", "The image cannot be read: it is damaged or incomplete."
)

# TRANSLATORS: Why an uploaded document was refused; shown to the applicant.
CHECK_TEXTS["unsupported_format"] = C_(
    "document_check.unsupported_format", "Only JPEG and PNG images are accepted."
)

# TRANSLATORS: Why an uploaded document was refused; shown to the applicant.
CHECK_TEXTS["decompression_bomb"] = C_(
    "document_check.decompression_bomb", "The image claims an impossible number of pixels."
)

# TRANSLATORS: Why an uploaded document was refused; shown to the applicant.
CHECK_TEXTS["animated"] = C_("document_check.animated", "The photo must be a single still image.")

# TRANSLATORS: Why an uploaded document was refused; shown to the applicant.
CHECK_TEXTS["too_small"] = C_(
    "document_check.too_small",
    "The photo is too small: it must be at least %(min_pixels)s × %(min_pixels)s pixels.",
)

# TRANSLATORS: Why an uploaded document was refused; shown to the applicant.
CHECK_TEXTS["too_large"] = C_(
    "document_check.too_large",
    "The image is too large: its longer side may be at most %(max_pixels)s pixels, and it may "
    "have at most %(max_megapixels)s megapixels.",
)

# TRANSLATORS: Why an uploaded document was refused; shown to the applicant.
CHECK_TEXTS["wrong_aspect_ratio"] = C_(
    "document_check.wrong_aspect_ratio",
    "The photo must have the passport shape (35:45) or be square (1:1).",
)

# TRANSLATORS: Why an uploaded document was refused; shown to the applicant.
CHECK_TEXTS["check_failed"] = C_("document_check.check_failed", "The file did not pass a check.")
