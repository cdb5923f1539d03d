"""What free text may contain before it reaches a counter screen, a receipt, a push or a log.

One rule for every field a person types (names, display names, notes, alert texts, trip
cities, legalization records), applied by the schemas to every string they load and by the
legalization import to every cell:

- no control characters (Unicode category Cc: C0 and C1 controls, DEL): escape sequences
  recolour a terminal, a bell rings, ``\\r\\n`` forges a header or a log line; a multi-line
  field keeps ``\\n`` (``\\r\\n`` is read as ``\\n``), and nothing else;
- no bidirectional embeddings, overrides or isolates (U+202A-U+202E, U+2066-U+2069):
  ``"\\u202eevil"`` shows reversed and makes one name look like another;
- no line or paragraph separators (U+2028, U+2029), which break a line as ``\\n`` does.

Left-to-right and right-to-left marks (U+200E, U+200F, U+061C) are allowed: they change no
order outside their own run, and right-to-left names need them.

Spreadsheet formulas (a value starting with ``=``, ``+``, ``-``, ``@``) are a matter for the
places that write or read spreadsheets (``services.core.spreadsheet``), not for every field.
"""

from __future__ import annotations

import re

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# Cc is exactly U+0000-U+001F and U+007F-U+009F.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")
_SEPARATOR = re.compile("[\u2028\u2029]")

# Stable reasons (a client may translate them) and their English explanation.
REASONS = {
    "line_break": "Line breaks are not allowed here.",
    "control_characters": "Control characters are not allowed.",
    "bidi_controls": "Bidirectional formatting characters are not allowed.",
}


def normalise_newlines(value: str) -> str:
    """``\\r\\n`` (as Windows and HTTP forms write it) read as ``\\n``."""
    return value.replace("\r\n", "\n")


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` may not be stored as free text (a key of ``REASONS``), or None.

    ``multiline`` fields may hold ``\\n`` (after ``normalise_newlines``); in a single-line
    field any line break, ``\\n`` included, is refused as ``line_break``.
    """
    if _SEPARATOR.search(value) or (not multiline and ("\n" in value or "\r" in value)):
        return "line_break"
    if (_CONTROL_BUT_NEWLINE if multiline else _CONTROL).search(value):
        return "control_characters"
    if _BIDI.search(value):
        return "bidi_controls"
    return None
