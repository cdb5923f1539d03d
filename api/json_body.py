"""A request's JSON body, parsed once and safely.

Everything that reads a JSON body goes through ``request_json()``: the rate limiters' key
functions (which run before any view), the before-request check that answers 400
``invalid_json``, and the webargs parser behind ``@blp.arguments``. It never raises: a body
that is not UTF-8, not JSON, nested deeper than ``MAX_DEPTH``, or holding an unpaired
surrogate escape (``"\\ud800"``: JSON's syntax, but not Unicode text) is reported as
unparsable, however it fails. The depth is measured before ``json.loads`` sees the text,
because the decoder recurses once per level and a body of 100,000 ``[`` ends in
``RecursionError``, which is not a ``ValueError`` and so slipped through every "silent" parse
(and, raised in a limiter's key function, made Flask-Limiter believe its Redis storage was
down).
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any, NamedTuple

from flask import request
from werkzeug.exceptions import HTTPException

# The deepest body we accept. Our own schemas nest four levels at most; Stripe's events (the
# webhook is a JSON route too) under ten. Far below the interpreter's recursion limit.
MAX_DEPTH = 64

# A JSON string, possessive so that a long unterminated string costs one linear scan.
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_ENVIRON_KEY = "palm.json_body"
# Where a string may hold a surrogate: an escape of U+D800-U+DFFF (raw surrogate bytes are not
# UTF-8 and never get this far). Only then is the parsed value looked at (``_lone_surrogate``).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class ParsedBody(NamedTuple):
    ok: bool  # False: there was a JSON body and it did not parse
    value: Any  # the parsed body; None when absent or unparsable
    reason: str | None = None  # why it did not parse (for the client, in ``errors``)
    status: int = 400  # the answer to a body that did not parse (413: over the size limit)
    present: bool = True  # False: no JSON body at all (``value`` None is then not JSON null)


NO_BODY = ParsedBody(True, None, present=False)


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text`` (brackets inside strings ignored).

    Linear in the length, with the loop in C (regular expressions, ``accumulate``, ``max``):
    a 2 MB body of brackets is measured in a few tens of milliseconds.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if not brackets:
        return 0
    return max(itertools.accumulate(map(_STEP.__getitem__, brackets)))


def parse_json_text(data: bytes) -> ParsedBody:
    """Parse ``data`` as a JSON text (RFC 8259: UTF-8), never raising."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return ParsedBody(False, None, "The body is not UTF-8 text.")
    # No deeper than it has opening brackets (those in strings too): every usual body has a
    # few, and is not scanned (two counts in C, a tenth of the scan's time).
    few = text.count("{") + text.count("[") <= MAX_DEPTH
    if not few and nesting_depth(text) > MAX_DEPTH:
        return ParsedBody(False, None, f"The body nests deeper than {MAX_DEPTH} levels.")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: belt and braces, see MAX_DEPTH
        return ParsedBody(False, None, "The body is not valid JSON.")
    if _SURROGATE_ESCAPE.search(text) and _lone_surrogate(value):
        # Not JSON text by RFC 8259's first rule (Unicode text); the catalogues' message.
        return ParsedBody(False, None, "The body is not valid JSON.")
    return ParsedBody(True, value)


def _lone_surrogate(value: Any) -> bool:
    """Whether a string of ``value`` (a key too) holds a surrogate not part of a pair (the
    decoder joins a pair into one character). JSON's syntax allows one (RFC 8259 8.2), but it
    is not Unicode text: encoding it raises, wherever that happens (a rate limit's key in
    Flask-Limiter's storage call, which then took Redis for down; a database row)."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def request_json() -> ParsedBody:
    """The current request's JSON body, parsed on first use and kept on the request.

    ``NO_BODY`` when the request is not JSON or has no body. Kept in the WSGI environ, not
    on ``g``: an application context (and with it ``g``) may be shared by several requests.
    """
    cached = request.environ.get(_ENVIRON_KEY)
    if cached is not None:
        return cached
    if not request.is_json:
        parsed = NO_BODY
    else:
        try:
            data = request.get_data(cache=True)
        except HTTPException as exc:  # over MAX_CONTENT_LENGTH (413), a truncated body (400)
            parsed = ParsedBody(False, None, "The body could not be read.", exc.code or 400)
        else:
            parsed = parse_json_text(data) if data else NO_BODY
    request.environ[_ENVIRON_KEY] = parsed
    return parsed


# --- a body already loaded in front of Flask --------------------------------------------

_LOADED_KEY = "palm.json_body.loaded"


def hand_over_loaded(environ: dict[str, Any], schema_class: type, value: Any) -> None:
    """Tell the app that this request's JSON body loads, with ``schema_class``, to ``value``
    (an edge middleware that loaded it already: ``api.edge_refusals`` for the bookings it
    lets through the seat gate). The body handed to the app is the same bytes."""
    environ[_LOADED_KEY] = (schema_class, value)


def loaded_in_front(schema_class: type) -> Any | None:
    """What ``hand_over_loaded`` said the body loads to with ``schema_class``, or None."""
    handed = request.environ.get(_LOADED_KEY)
    if handed is None or handed[0] is not schema_class:
        return None
    return dict(handed[1])  # the view's own copy
