"""The rules of a legalization record, shared by the JSON create and the CSV import.

``validate_record`` takes raw values (strings from a CSV cell, or values a schema already
typed) and returns the clean values plus every problem found, so an import can report all
of a row's problems at once. Numbers are normalised the same way for storage and for the
public lookup: NFKC (full-width digits typed with a Chinese IME become ASCII), whitespace
trimmed and collapsed, upper case.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, NamedTuple

import pycountry

from services.core import clock
from services.core.spreadsheet import starts_like_formula
from services.core.text import REASONS, normalise_newlines, text_problem
from services.models import DOCUMENT_TYPES, SUBMITTER_KINDS, Post
from services.models.legalizations import NUMBER_MAX_LENGTHS, TEXT_MAX_LENGTHS

NUMBER_FIELDS = ("authentication_number", "sub_number", "sticker_number")
REQUIRED_TEXT_FIELDS = ("submitter_name", "issuer", "signer")
OPTIONAL_TEXT_FIELDS = ("document_title", "place", "notes")
# Every field a record's content consists of, apart from its three numbers.
CONTENT_FIELDS = (
    "submitter_kind",
    "submitter_name",
    "country_of_use",
    "document_type",
    "document_title",
    "issuer",
    "signer",
    "legalized_on",
    "place",
    "notes",
)
RECORD_FIELDS = NUMBER_FIELDS + CONTENT_FIELDS

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Problem(NamedTuple):
    field: str | None
    reason: str  # stable snake_case code a client may translate
    message: str  # English explanation


def normalise_number(value: str) -> str:
    """The stored and looked-up form of a sticker number."""
    return " ".join(unicodedata.normalize("NFKC", value).split()).upper()


def _normalise_text(value: str) -> str:
    # NFC keeps Vietnamese letters composed ("ễ" is one character) so lengths and
    # comparisons do not depend on how the client's keyboard produced them.
    return unicodedata.normalize("NFC", value).strip()


def _has_control_characters(value: str) -> bool:
    return any(unicodedata.category(char) in ("Cc", "Cf") for char in value)


def _text_problem(field: str, text: str) -> tuple[str, str] | None:
    """The shared rule for free text (``services.core.text``), stricter here: a record is
    printed on a sticker and checked by strangers, so invisible format characters (Cf:
    zero-width joiners, direction marks) are refused too; and no value may start like a
    spreadsheet formula, because officers keep these records in spreadsheets and the values
    come back out of them (refused rather than altered: the record stays what was sent)."""
    reason = text_problem(text, multiline=field == "notes")
    if reason is not None:
        return "invalid_characters", REASONS[reason]
    if _has_control_characters(text.replace("\n", "")):
        return "invalid_characters", "Control or invisible formatting characters are not allowed."
    if starts_like_formula(text):
        return (
            "starts_like_formula",
            "Must not start with = + - or @, which a spreadsheet runs as a formula.",
        )
    return None


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    return value


def validate_record(raw: Mapping[str, Any], post: Post) -> tuple[dict[str, Any], list[Problem]]:
    """Clean one record's values and collect every problem with them."""
    clean: dict[str, Any] = {}
    problems: list[Problem] = []

    def problem(field: str, reason: str, message: str) -> None:
        problems.append(Problem(field, reason, message))

    for field in NUMBER_FIELDS:
        value = _as_text(raw.get(field))
        number = normalise_number(value) if value is not None else ""
        if not number:
            problem(field, "required", "This number is required.")
        elif _has_control_characters(number):
            problem(field, "invalid_characters", "Control characters are not allowed.")
        elif len(number) > NUMBER_MAX_LENGTHS[field]:
            problem(field, "too_long", f"At most {NUMBER_MAX_LENGTHS[field]} characters.")
        else:
            clean[field] = number

    kind = (_as_text(raw.get("submitter_kind")) or "").strip().lower()
    if kind not in SUBMITTER_KINDS:
        problem("submitter_kind", "not_allowed", "Must be one of: " + ", ".join(SUBMITTER_KINDS))
    else:
        clean["submitter_kind"] = kind

    document_type = (_as_text(raw.get("document_type")) or "").strip().lower()
    if document_type not in DOCUMENT_TYPES:
        problem("document_type", "not_allowed", "Must be one of: " + ", ".join(DOCUMENT_TYPES))
    else:
        clean["document_type"] = document_type

    country = (_as_text(raw.get("country_of_use")) or "").strip().upper()
    if len(country) != 2 or pycountry.countries.get(alpha_2=country) is None:
        problem("country_of_use", "not_a_country", "Not an ISO 3166-1 alpha-2 country code.")
    else:
        clean["country_of_use"] = country

    for field in REQUIRED_TEXT_FIELDS + OPTIONAL_TEXT_FIELDS:
        value = _as_text(raw.get(field))
        text = _normalise_text(value) if value is not None else ""
        if field == "notes":  # the one multi-line field
            text = normalise_newlines(text)
        if not text:
            if field in REQUIRED_TEXT_FIELDS:
                problem(field, "required", "This field is required.")
            else:
                clean[field] = None
        elif (found := _text_problem(field, text)) is not None:
            problem(field, *found)
        elif len(text) > TEXT_MAX_LENGTHS[field]:
            problem(field, "too_long", f"At most {TEXT_MAX_LENGTHS[field]} characters.")
        else:
            clean[field] = text
    if clean.get("place") is None and "place" not in {p.field for p in problems}:
        clean["place"] = post.city  # where the post that legalized it sits

    legalized_on = _parse_date(raw.get("legalized_on"))
    if legalized_on is None:
        problem("legalized_on", "not_a_date", "A date written YYYY-MM-DD is required.")
    elif legalized_on > clock.today_in(post.time_zone):
        problem("legalized_on", "in_future", "The date is in the future.")
    elif legalized_on.year < 1900:
        problem("legalized_on", "too_old", "The date is before 1900.")
    else:
        clean["legalized_on"] = legalized_on

    return clean, problems


def _parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    text = (_as_text(value) or "").strip()
    if not _ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
