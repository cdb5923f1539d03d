"""The human page of a legalization check: what a phone camera opens from a sticker's QR
code. Server-rendered (Jinja), no JavaScript, printable, in the language of
``Accept-Language`` or of ``?lang=`` (the page's language links), under a content policy
that allows nothing but its own stylesheet, which carries a fresh nonce on every answer.

It shows the same masked fields as the JSON check, and says genuine, revoked (with the date)
or not found; "not found" is also the answer for a code that is not ours.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime

from babel import Locale
from babel.dates import format_date, format_datetime
from flask import Response, render_template

from api.i18n import request_language
from api.page_texts import DOCUMENT_TYPE_NAMES, LANGUAGE_NAMES, PAGE_TEXTS
from services.core import clock
from services.core.errors import NotFound
from services.core.i18n import in_language
from services.core.languages import LANGUAGES, normalise_language, pick_translation
from services.legalizations.legalizations import PublicLegalization


def page_language(asked: str | None) -> str:
    """``?lang=`` when it names one of our languages, else the ``Accept-Language`` choice."""
    chosen = normalise_language(asked) if asked else None
    return chosen if chosen in LANGUAGES else request_language()


def _babel_locale(language: str) -> Locale:
    return Locale.parse(language.replace("-", "_"))


class _Words:
    """The page's texts in one language, with dates and countries in its conventions."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.locale = _babel_locale(language)

    def __call__(self, key: str, **params: str) -> str:
        with in_language(self.language):
            return PAGE_TEXTS[key].render(params)

    def day(self, value: date | datetime) -> str:
        if isinstance(value, datetime):
            value = value.astimezone(UTC).date()
        return format_date(value, format="long", locale=self.locale)

    def moment(self, value: datetime) -> str:
        return format_datetime(
            value.astimezone(UTC), format="medium", tzinfo=UTC, locale=self.locale
        )

    def country(self, code: str) -> str:
        return self.locale.territories.get(code, code)

    def document_type(self, code: str) -> str:
        name = DOCUMENT_TYPE_NAMES.get(code)
        if name is None:
            return code
        with in_language(self.language):
            return name.render()


def _fields(words: _Words, shown: PublicLegalization, signed_at: datetime | None):
    post = pick_translation(shown.post_names, words.language) or shown.post_code
    rows = [
        ("authentication_number", shown.authentication_number),
        ("sub_number", shown.sub_number),
        ("sticker_number", shown.sticker_number),
        ("document_type", words.document_type(shown.document_type)),
        ("document_title", shown.document_title),
        ("issuer", shown.issuer),
        ("signer", shown.signer),
        ("legalized_on", words.day(shown.legalized_on)),
        ("place", shown.place),
        ("country_of_use", words.country(shown.country_of_use)),
        ("submitted_by", shown.submitter_name),
        ("issuing_post", post),
    ]
    if signed_at is not None:
        rows.append(("signed_at", words.day(signed_at)))
    return [(words(key), value) for key, value in rows if value]


def render_check_page(
    check: Callable[[], tuple[PublicLegalization, datetime | None]],
    asked_language: str | None,
) -> Response:
    """Run ``check`` (a service call returning the public view and the payload's signing
    time, or raising ``NotFound``) and render its answer."""
    language = page_language(asked_language)
    words = _Words(language)
    try:
        shown, signed_at = check()
    except NotFound:
        shown, signed_at = None, None
    if shown is None:
        verdict, message, status = "not_found", words("not_found_text"), 404
    else:
        post = pick_translation(shown.post_names, language) or shown.post_code
        if shown.status == "revoked" and shown.revoked_at is not None:
            verdict, status = "revoked", 200
            message = words("revoked_text", post=post, date=words.day(shown.revoked_at))
        else:
            verdict, status = "genuine", 200
            message = words("genuine_text", post=post)
    nonce = secrets.token_urlsafe(16)
    html = render_template(
        "legalization_check.html",
        language=language,
        words=words,
        verdict=verdict,
        heading=words(verdict),
        message=message,
        fields=_fields(words, shown, signed_at) if shown else [],
        checked_at=words("checked_at", date=words.moment(clock.now())),
        languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        nonce=nonce,
    )
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Content-Language"] = language
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    )
    return response
