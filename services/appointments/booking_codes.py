"""Booking codes people can type, and the signed token older QR passes carry.

A code is 12 symbols from a 30-symbol alphabet (Crockford's base 32 without 0, 1, I, L, O
and U): about 58.9 bits from ``secrets``, shown as ``XXXX-XXXX-XXXX``. Typing is forgiving:
case, spaces and hyphens do not matter.

QR passes now carry a payload signed with our published keys (``sealed_passes``). Passes
issued before carry a token signed with the app's secret (itsdangerous, HMAC) naming the
appointment; the counter still accepts them. A forged or altered token is refused.
"""

from __future__ import annotations

import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
GROUP = 4
_PASS_SALT = "appointment-pass-v1"  # noqa: S105 (a salt, not a secret)


def new_code() -> str:
    """A fresh code without separators (stored form)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """``ABCD2345EFGH`` -> ``ABCD-2345-EFGH``."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise_code(typed: str) -> str | None:
    """The stored form of a typed code, or None when it cannot be one."""
    code = "".join(typed.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_PASS_SALT)


def pass_token(appointment_id: int) -> str:
    """The signed token a QR pass encodes."""
    return _serializer().dumps({"a": appointment_id})


def read_pass_token(token: str) -> int | None:
    """The appointment id of a genuine token, or None."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("a"), int):
        return None
    return payload["a"]
