"""Negotiating the request's language from ``Accept-Language``."""

from __future__ import annotations

from flask import has_request_context, request

from services.languages import DEFAULT_LANGUAGE, LANGUAGES, normalise_language, pick_translation

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "pick_translation", "request_language"]


def request_language() -> str:
    """The best supported language of the current request's ``Accept-Language``."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    cached = getattr(request, "_palm_language", None)
    if cached:
        return cached
    chosen = DEFAULT_LANGUAGE
    for tag, _quality in request.accept_languages:  # already sorted by quality
        language = normalise_language(tag)
        if language:
            chosen = language
            break
    request._palm_language = chosen  # type: ignore[attr-defined]
    return chosen
