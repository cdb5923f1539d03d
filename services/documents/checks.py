"""What each failed check of an uploaded document means, in the reader's language.

The sentences are ``CHECK_TEXTS`` (``services/documents/texts.py``, translated by the
catalogues); an unknown code reads as the generic ``check_failed`` one.
"""

from __future__ import annotations

from typing import Any

from services.core.i18n import in_language
from services.documents.texts import CHECK_TEXTS
from storage.photo_rules import MAX_DIMENSION, MAX_PIXELS, MIN_DIMENSION

# The limits the messages name, as storage.photo enforces them (storage.photo_rules has the
# numbers without importing Pillow).
MESSAGE_PARAMS = {
    "min_pixels": MIN_DIMENSION,
    "max_pixels": MAX_DIMENSION,
    "max_megapixels": f"{MAX_PIXELS / 1_000_000:g}",
}

FALLBACK_CODE = "check_failed"


def check_message(code: str, language: str) -> str:
    """The applicant-facing sentence for a failed check, in ``language`` (English fallback)."""
    text = CHECK_TEXTS.get(code) or CHECK_TEXTS[FALLBACK_CODE]
    with in_language(language):
        return text.render(MESSAGE_PARAMS)


def describe_checks(checks: list[dict[str, Any]] | None, language: str) -> list[dict[str, str]]:
    """``[{"code", "message", "detail"}]`` for the API, ``message`` in ``language``."""
    return [
        {
            "code": str(check.get("code") or FALLBACK_CODE),
            "message": check_message(str(check.get("code") or FALLBACK_CODE), language),
            "detail": str(check.get("detail") or ""),
        }
        for check in checks or []
    ]
