"""Field details of an error (a 422's ``errors``) in the request's language.

Why at the edge rather than lazy strings inside marshmallow: the details are produced by
marshmallow (field defaults, validators, ``Schema`` messages such as "Unknown field."), by
webargs ("Invalid JSON body.") and by our own schemas and services, and many of them are
already formatted (``"Shorter than minimum length 10."``) by the time a handler sees them.
marshmallow only formats ``str`` messages (``Field.make_error`` checks ``isinstance(msg,
str)``) and never formats the schema-level ones, so a lazy string would either lose its
parameters or not be translated. Mapping the final English text back to its catalogue
``msgid`` works for every source and needs no patching of marshmallow.

The messages are those marked ``N_()`` (``api/validation_texts.py``). Each becomes a
pattern: the literal text, with each ``%(name)s`` a capture group. A detail that matches is rebuilt from the translated ``msgstr``
with the captured values; one that matches nothing (a new message not yet in the catalogue)
stays English, which is gettext's own fallback rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

import flask_babel

from api import validation_texts  # noqa: F401  (marks the messages translated here)
from services.core.i18n import VALIDATION_MESSAGES

# A python-format placeholder as the catalogue writes them: %(name)s, or %% for a literal.
_PLACEHOLDER = re.compile(r"%\((?P<name>\w+)\)s|%%")

Gettext = Callable[[str], str]


class ValidationTranslator:
    """English validation details -> the same details in another language."""

    def __init__(self, msgids: Iterable[str]) -> None:
        self._exact: dict[str, str] = {}
        patterns: list[tuple[int, re.Pattern[str], str]] = []
        for msgid in msgids:
            names = [m["name"] for m in _PLACEHOLDER.finditer(msgid) if m["name"]]
            if not names:
                self._exact[msgid.replace("%%", "%")] = msgid
                continue
            regex, literal_length = _pattern(msgid)
            patterns.append((literal_length, regex, msgid))
        # Most literal text first: "Must be greater than or equal to %(min)s." must win over
        # "Must be greater than %(min)s.", which would also match with min = "or equal to 5".
        patterns.sort(key=lambda item: -item[0])
        self._patterns = [(regex, msgid) for _length, regex, msgid in patterns]

    def msgid_of(self, detail: str) -> tuple[str, dict[str, str]] | None:
        """The catalogue ``msgid`` that produced ``detail``, and the values it was given."""
        if detail in self._exact:
            return self._exact[detail], {}
        for regex, msgid in self._patterns:
            match = regex.fullmatch(detail)
            if match:
                return msgid, match.groupdict()
        return None

    def translate(self, detail: str, gettext: Gettext) -> str:
        found = self.msgid_of(detail)
        if found is None:
            return detail
        msgid, values = found
        return gettext(msgid) % values

    def translate_tree(self, errors: Any, gettext: Gettext) -> Any:
        """The same nesting (dicts by location, field, index; lists of details), translated."""
        if isinstance(errors, str):
            return self.translate(errors, gettext)
        if isinstance(errors, dict):
            return {key: self.translate_tree(value, gettext) for key, value in errors.items()}
        if isinstance(errors, list | tuple):
            return [self.translate_tree(value, gettext) for value in errors]
        return errors


def _pattern(msgid: str) -> tuple[re.Pattern[str], int]:
    parts: list[str] = []
    seen: set[str] = set()
    literal_length = 0
    position = 0
    for match in _PLACEHOLDER.finditer(msgid):
        literal = msgid[position : match.start()]
        parts.append(re.escape(literal))
        literal_length += len(literal)
        name = match["name"]
        if name is None:  # %%
            parts.append("%")
            literal_length += 1
        elif name in seen:
            parts.append(f"(?P={name})")
        else:
            seen.add(name)
            parts.append(f"(?P<{name}>.+?)")
        position = match.end()
    literal = msgid[position:]
    parts.append(re.escape(literal))
    literal_length += len(literal)
    return re.compile("".join(parts), re.DOTALL), literal_length


@lru_cache(maxsize=1)
def _translator(_size: int) -> ValidationTranslator:
    # Keyed by the number of messages, so that one marked after the first use is seen too.
    return ValidationTranslator(sorted(VALIDATION_MESSAGES))


def translate_details(errors: Any) -> Any:
    """``errors`` (any nesting of dicts and lists of English details) in the current locale."""
    translations = flask_babel.get_translations()
    return _translator(len(VALIDATION_MESSAGES)).translate_tree(errors, translations.ugettext)
