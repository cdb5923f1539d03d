"""Field types and validators shared by the resource schemas."""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from datetime import date
from functools import cache

import marshmallow as ma
import pycountry

from services.languages import LANGUAGES


class Base(ma.Schema):
    """Unknown fields are an error: a typo in a field name must not pass silently."""

    class Meta:
        unknown = ma.RAISE


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in _time_zones() or value in ("localtime", "Factory"):
        raise ma.ValidationError("Not an IANA time zone.")


def validate_country(value: str) -> None:
    if len(value) != 2 or not value.isupper() or pycountry.countries.get(alpha_2=value) is None:
        raise ma.ValidationError("Not an ISO 3166-1 alpha-2 country code.")


def validate_currency(value: str) -> None:
    if len(value) != 3 or not value.isupper() or pycountry.currencies.get(alpha_3=value) is None:
        raise ma.ValidationError("Not an ISO 4217 currency code.")


def validate_latin_name(value: str) -> None:
    """Latin script letters (diacritics allowed), spaces, hyphens, apostrophes, dots."""
    for char in value:
        if char in " -'.":
            continue
        if not char.isalpha() or "LATIN" not in unicodedata.name(char, ""):
            raise ma.ValidationError("Use Latin letters only.")


def validate_date_of_birth(value: date) -> None:
    if value > date.today():
        raise ma.ValidationError("The date of birth is in the future.")
    if value.year < 1900:
        raise ma.ValidationError("The date of birth is too far in the past.")


PASSPORT_NUMBER = re.compile(r"^[A-Z0-9]{5,20}$")

Language = ma.fields.String(validate=ma.validate.OneOf(LANGUAGES))


class LocalizedTextField(ma.fields.Dict):
    """``{"en": ..., "zh-Hans": ..., "zh-Hant": ..., "vi": ...}``; English is required."""

    def __init__(self, max_length: int = 200, **kwargs):
        super().__init__(
            keys=ma.fields.String(validate=ma.validate.OneOf(LANGUAGES)),
            values=ma.fields.String(validate=ma.validate.Length(min=1, max=max_length)),
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if "en" not in result:
            raise ma.ValidationError("An English text is required.")
        return result


class LocalizedListField(ma.fields.Dict):
    """``{"en": ["..."], "vi": ["..."]}`` lists of short texts per language."""

    def __init__(self, **kwargs):
        super().__init__(
            keys=ma.fields.String(validate=ma.validate.OneOf(LANGUAGES)),
            values=ma.fields.List(
                ma.fields.String(validate=ma.validate.Length(min=1, max=300)),
                validate=ma.validate.Length(max=50),
            ),
            **kwargs,
        )


def current_language() -> str:
    """The language the api layer negotiated for this request (``g.language``)."""
    from flask import g, has_request_context

    if has_request_context():
        return g.get("language", "en")
    return "en"


class Translated(ma.fields.String):
    """Dumps a ``{language: text}`` attribute as one text in the request's language."""

    def __init__(self, attribute_name: str, **kwargs):
        super().__init__(attribute=attribute_name, dump_only=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        from services.languages import pick_translation

        return pick_translation(value, current_language())
