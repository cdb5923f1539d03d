"""Public application numbers: post code, year, sequence, and a check character.

``FRPAR-2026-000123-K``: the post code without its dash, the year the application was
opened, a per-post, per-year sequence, and a Luhn mod 36 check character over the rest.
Luhn mod N catches every single mistyped character and every swap of two adjacent ones,
so ``is_well_formed`` tells a mistyped number from a well-formed one. The public lookup
does not use it: a mistyped number is answered as an unknown one is (the same 404, counted
by the same limits), so the answer never says more than "no match".
"""

from __future__ import annotations

import re

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_N = len(ALPHABET)
PATTERN = re.compile(r"^([A-Z]{2}[A-Z0-9]{2,12})-(\d{4})-(\d{6,})-([0-9A-Z])$")


def check_character(body: str) -> str:
    """Luhn mod 36 check character of ``body`` (letters and digits)."""
    factor = 2
    total = 0
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        factor = 1 if factor == 2 else 2
        total += addend // _N + addend % _N
    return ALPHABET[(_N - total % _N) % _N]


def _body(post_part: str, year: str, sequence: str) -> str:
    return f"{post_part}{year}{sequence}"


def format_number(post_code: str, year: int, sequence: int) -> str:
    post_part = post_code.replace("-", "").upper()
    seq = f"{sequence:06d}"
    check = check_character(_body(post_part, str(year), seq))
    return f"{post_part}-{year}-{seq}-{check}"


_SEPARATORS = re.compile(r"[\s\-]+")


def normalise(number: str) -> str:
    """Upper-case, trimmed, spaces and dashes the user typed made canonical."""
    return _SEPARATORS.sub("-", number.strip().upper())


def is_well_formed(number: str) -> bool:
    """The number has the right shape and its check character matches."""
    match = PATTERN.match(normalise(number))
    if not match:
        return False
    post_part, year, sequence, check = match.groups()
    return check_character(_body(post_part, year, sequence)) == check
