"""Negotiating the request's language from ``Accept-Language``; Flask-Babel's locale."""

from __future__ import annotations

from functools import lru_cache

from flask import has_request_context, request
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from services.core.i18n import locale_of
from services.core.languages import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    normalise_language,
    pick_translation,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "babel_locale",
    "language_of",
    "pick_translation",
    "request_language",
]


@lru_cache(maxsize=512)  # bounded: the header is the caller's to vary
def language_of(accept_language: str) -> str:
    """The best supported language of an ``Accept-Language`` header value."""
    for tag, _quality in parse_accept_header(accept_language, LanguageAccept):
        language = normalise_language(tag)
        if language:
            return language
    return DEFAULT_LANGUAGE


def request_language() -> str:
    """The best supported language of the current request's ``Accept-Language``."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    cached = getattr(request, "_palm_language", None)
    if cached:
        return cached
    chosen = language_of(request.headers.get("Accept-Language", ""))
    request._palm_language = chosen  # type: ignore[attr-defined]
    return chosen


def babel_locale() -> str:
    """Flask-Babel's locale selector: the request's language (English outside a request;
    a notification forces its recipient's with ``services.core.i18n.in_language``)."""
    return locale_of(request_language())
