"""Texts in the reader's language: gettext catalogues read through Flask-Babel.

The English of every message lives in the code, beside what uses it, marked so that
``pybabel extract`` finds it (keywords in ``babel.cfg``); the translations live in
``translations/<locale>/LC_MESSAGES/messages.po`` and are compiled to ``.mo`` files that
Flask-Babel loads. The marks:

- ``error_text(code, english)`` / ``error_text_plural(code, singular, plural, count)``: the
  message of an error code (``msgctxt`` = the code), in the domain's ``texts.py``;
- ``C_(context, english)``: a text under a context (``notification.<template>.title|body``,
  ``application_state.<state>``, ``document_check.<code>``), translated when rendered;
- ``N_(english)``: a field detail of a 422 (no context), translated at the HTTP edge.

Texts are python-format (``%(name)s``). ``translate`` renders one in the current locale: the
request's (Flask-Babel's locale selector), or the one forced by ``in_language`` (a
notification is rendered in its recipient's language, whatever the request or task that
sends it). A message missing from a catalogue falls back to the English in the code.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import flask_babel
from babel.dates import format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from payments.currency import format_amount
from services.core.languages import DEFAULT_LANGUAGE, normalise_language
from services.core.local_time import utc_offset

log = logging.getLogger(__name__)

TRANSLATIONS_DIR = Path(__file__).resolve().parents[2] / "translations"
DOMAIN = "messages"

# The API's language tags -> the gettext locale (and directory) of each.
LOCALES = {"en": "en", "zh-Hans": "zh_Hans", "zh-Hant": "zh_Hant", "vi": "vi"}
_LANGUAGE_OF_LOCALE = {locale: language for language, locale in LOCALES.items()}


def locale_of(language: str | None) -> str:
    """The gettext locale of an API language tag (English for anything else)."""
    return LOCALES.get(normalise_language(language) or DEFAULT_LANGUAGE, "en")


def current_language() -> str:
    """The API language tag of the locale in force (English outside an app context)."""
    locale = flask_babel.get_locale()
    return _LANGUAGE_OF_LOCALE.get(str(locale), DEFAULT_LANGUAGE) if locale else DEFAULT_LANGUAGE


@contextmanager
def in_language(language: str | None) -> Iterator[None]:
    """Render texts in ``language`` inside the block (per app context, thread-safe)."""
    with flask_babel.force_locale(locale_of(language)):
        yield


# --- marked texts --------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """An English text (and its plural) with its context, translated when rendered."""

    context: str | None
    english: str
    plural: str | None = None
    count: str | None = None  # the parameter that chooses the plural form

    def render(self, params: Mapping[str, Any] | None = None) -> str:
        return translate(self, params)


def C_(context: str, english: str) -> Text:  # noqa: N802 (gettext's naming)
    """A text under a message context, translated later (``pybabel`` keyword ``C_:1c,2``)."""
    return Text(context, english)


VALIDATION_MESSAGES: set[str] = set()


def N_(english: str) -> str:  # noqa: N802 (gettext's naming)
    """A field detail of a 422 (no context); returned as is, translated at the HTTP edge."""
    VALIDATION_MESSAGES.add(english)
    return english


ERROR_TEXTS: dict[str, Text] = {}


def error_text(code: str, english: str) -> Text:
    """Declare the English message of an error code (its ``msgctxt`` in the catalogues)."""
    return _declare(Text(code, english))


def error_text_plural(code: str, singular: str, plural: str, count: str) -> Text:
    """The same for a message with a number in it: ``count`` names the parameter."""
    return _declare(Text(code, singular, plural, count))


def _declare(text: Text) -> Text:
    assert text.context is not None
    known = ERROR_TEXTS.get(text.context)
    if known is not None and known != text:
        raise ValueError(f"two English texts for the error code {text.context!r}")
    ERROR_TEXTS[text.context] = text
    return text


# --- rendering -----------------------------------------------------------------------------


class _Params(dict):
    """A placeholder without a value stays visible instead of failing the whole text."""

    def __missing__(self, key: str) -> str:
        return f"%({key})s"


def _format(template: str, params: Mapping[str, Any] | None) -> str:
    return template % _Params({key: display(value) for key, value in (params or {}).items()})


def translate(text: Text, params: Mapping[str, Any] | None = None) -> str:
    """``text`` in the current locale, with ``params`` put in."""
    translations = flask_babel.get_translations()
    if text.plural is not None:
        try:
            n = int((params or {})[text.count or ""])
        except (KeyError, TypeError, ValueError):
            n = 2  # no count to hand: the general form reads best
        if text.context:
            template = translations.unpgettext(text.context, text.english, text.plural, n)
        else:
            template = translations.ungettext(text.english, text.plural, n)
        english = text.english if n == 1 else text.plural
    else:
        template = translated_template(text)
        english = text.english
    try:
        return _format(template, params)
    except (TypeError, ValueError):  # a broken translation: the English still reads well
        log.warning("translation of %r does not format", text.context or text.english)
        return _format(english, params)


def translated_template(text: Text) -> str:
    """The translation of ``text`` in the current locale, its placeholders not yet filled
    (for a caller that escapes it before putting values in, as e-mails' HTML does)."""
    translations = flask_babel.get_translations()
    if text.context:
        return translations.upgettext(text.context, text.english)
    return translations.ugettext(text.english)


# --- values formatted for the locale -------------------------------------------------------


@dataclass(frozen=True)
class Money:
    """An amount in the currency's minor unit; shown in the reader's locale by Babel."""

    amount_minor: int
    currency: str

    def to_json(self) -> dict[str, Any]:
        return {"amount_minor": self.amount_minor, "currency": self.currency}


def display(value: Any) -> Any:
    """Money, aware datetimes and texts for the current locale; anything else as is.

    A datetime is shown in its own zone (the caller converts it to the post's zone), with
    the UTC offset, since the reader may be somewhere else.
    """
    if isinstance(value, Text):
        return value.render()
    if isinstance(value, Money):
        return format_amount(value.amount_minor, value.currency, _current_locale())
    if isinstance(value, datetime) and value.tzinfo is not None:
        # Keyed by the offset too: two aware datetimes of the same instant are equal (and
        # hash alike) whatever their zones, but their wall times differ.
        return _moment_text(value, value.utcoffset(), _current_locale())
    return value


def _current_locale() -> str:
    return str(flask_babel.get_locale() or "en")


@lru_cache(maxsize=4096)
def _moment_text(value: datetime, _offset: Any, locale: str) -> str:
    """The day in the locale's words and order ("Wed, Jan 13, 2027 10:00", "2027年1月13日
    周三 10:00"), with the offset: the reader may be somewhere else. Remembered: Babel's
    formatting was most of a booking confirmation's CPU, and a release day's thousand
    confirmations name a few hundred slot times."""
    day = format_skeleton("yMMMEd", value, locale=locale)
    time = format_time(value, "HH:mm", tzinfo=value.tzinfo, locale=locale)
    return f"{day} {time} ({utc_offset(value)})"


def to_json(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """``params`` as stored with an inbox item (money as a dict, times in ISO 8601)."""
    stored: dict[str, Any] = {}
    for key, value in (params or {}).items():
        if isinstance(value, Money):
            stored[key] = value.to_json()
        elif isinstance(value, datetime):
            stored[key] = value.isoformat()
        elif isinstance(value, Text):
            stored[key] = value.english
        else:
            stored[key] = value
    return stored


# --- compiled catalogues -------------------------------------------------------------------


def compile_catalogues(directory: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Compile each ``messages.po`` whose ``.mo`` is missing or older; return those written.

    ``scripts/serve.sh`` and ``scripts/test.sh`` compile with ``pybabel``; this is the safety
    net for any other way of starting the app from a clone. Each file is written beside its
    target and renamed over it, so a process reading it meanwhile sees the old or the new one.
    """
    written = []
    for po in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as file:
            catalog = read_po(file, locale=po.parent.parent.name)
        try:
            handle, temporary = tempfile.mkstemp(dir=po.parent, prefix=".messages-", suffix=".mo")
        except OSError as error:
            # A read-only release directory: the build step should have compiled them. Serve
            # English (gettext's fallback) rather than refuse to start, and say so.
            log.error("cannot compile %s (%s): run `scripts/i18n.sh compile` at build", po, error)
            continue
        try:
            with os.fdopen(handle, "wb") as file:
                write_mo(file, catalog)
            os.replace(temporary, mo)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written.append(mo)
    return written
