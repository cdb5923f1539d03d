"""Field types and validators shared by the resource schemas."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from datetime import date
from functools import cache

import marshmallow as ma
import pycountry

from services.core.languages import LANGUAGES, pick_translation
from services.core.text import REASONS, normalise_newlines, text_problem


class Base(ma.Schema):
    """Unknown fields are an error: a typo in a field name must not pass silently. Every
    string loaded is checked here, once for every schema, before the fields see it:

    - text that no database column can hold (NUL characters, lone UTF-16 surrogates) is a
      422 here instead of a 500 from PostgreSQL;
    - text that would misbehave on a counter screen, a receipt, a push or a log (control
      characters, bidirectional overrides, line breaks in a one-line field) is a 422 with
      the reason (``services.core.text``). A field that may hold several lines says so with
      ``metadata=MULTILINE`` (its ``\\r\\n`` become ``\\n``); a secret that is never shown
      (a password) with ``metadata=SECRET``.
    """

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load(pass_collection=True)
    def _refuse_unsafe_text(self, data, **kwargs):
        if isinstance(data, Mapping):
            clean, errors = self._check_text(data)
        elif isinstance(data, list | tuple):  # many=True: each item is one object
            clean, errors = [], {}
            for index, item in enumerate(data):
                item_clean, item_errors = (
                    self._check_text(item) if isinstance(item, Mapping) else (item, {})
                )
                clean.append(item_clean)
                if item_errors:
                    errors[index] = item_errors
        else:  # a bare number, string or null: marshmallow answers "invalid input type"
            return data
        if errors:
            raise ma.ValidationError(errors)
        return clean

    def _check_text(self, data: Mapping) -> tuple[dict, dict]:
        fields = {field.data_key or name: field for name, field in self.load_fields.items()}
        clean, errors = dict(data), {}
        for key, value in data.items():
            if not _storable(value):
                errors[key] = ["Contains characters that are not allowed."]
                continue
            metadata = fields[key].metadata if key in fields else {}
            if metadata.get("secret"):
                continue
            multiline = bool(metadata.get("multiline"))
            if multiline:
                value = clean[key] = _each_text(value, normalise_newlines)
            reasons = {text_problem(text, multiline=multiline) for text in _texts(value)}
            reasons.discard(None)
            if reasons:
                errors[key] = [REASONS[reason] for reason in sorted(reasons)]
        return clean, errors


# Field metadata: a free-text field that may hold several lines; a secret never shown.
MULTILINE = {"multiline": True}
SECRET = {"secret": True}


def _texts(value):
    """Every string inside ``value`` (a string, or lists and objects of them), keys too."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _texts(key)
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def _each_text(value, change):
    if isinstance(value, str):
        return change(value)
    if isinstance(value, Mapping):
        return {key: _each_text(item, change) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_each_text(item, change) for item in value]
    return value


def _storable(value) -> bool:
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, Mapping):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_storable(v) for v in value)
    return True


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in _time_zones() or value in ("localtime", "Factory"):
        raise ma.ValidationError("Not an IANA time zone.")


# Each existence check passes a value of the wrong shape silently: the pattern before it
# has already refused it, and marshmallow runs every validator (the same message twice).
def _country_exists(value: str) -> None:
    if _COUNTRY_SHAPE.match(value) and pycountry.countries.get(alpha_2=value) is None:
        raise ma.ValidationError("Not an ISO 3166-1 alpha-2 country code.")


def _currency_exists(value: str) -> None:
    if _CURRENCY_SHAPE.match(value) and pycountry.currencies.get(alpha_3=value) is None:
        raise ma.ValidationError("Not an ISO 4217 currency code.")


_COUNTRY_SHAPE = re.compile(r"^[A-Z]{2}$")
_CURRENCY_SHAPE = re.compile(r"^[A-Z]{3}$")


# The pattern is what OpenAPI documents; the second validator checks that the code exists.
validate_country = [
    ma.validate.Regexp(_COUNTRY_SHAPE, error="Not an ISO 3166-1 alpha-2 country code."),
    _country_exists,
]
validate_currency = [
    ma.validate.Regexp(_CURRENCY_SHAPE, error="Not an ISO 4217 currency code."),
    _currency_exists,
]
# Latin letters with diacritics (Latin-1 Supplement, Extended-A/B, Extended Additional for
# Vietnamese), then spaces, hyphens, apostrophes and dots. A pattern, so that the OpenAPI
# document states the rule the server applies.
LATIN_NAME = re.compile(
    r"^[A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u1E00-\u1EFF]"
    r"[A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u1E00-\u1EFF '.-]*$"
)
validate_latin_name = ma.validate.Regexp(LATIN_NAME, error="Use Latin letters only.")


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
        return pick_translation(value, current_language())
