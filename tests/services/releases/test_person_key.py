"""The person key: one request per person across accounts, without a second copy of the
passport number and without a hash anyone could reverse by trying every number."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime

import pytest

from services.releases.person_key import normalise_passport_number, person_key

PEPPER = b"p" * 32
BORN = date(1990, 4, 1)


@pytest.fixture(autouse=True)
def _clean_state():
    """Pure functions: no database to empty (replaces the suite's fixture, so no app is built)."""
    yield


def key(passport: str, born: date = BORN, pepper: bytes = PEPPER, scope: str = "REL-1") -> str:
    return person_key(passport, born, pepper=pepper, scope=scope)


@pytest.mark.parametrize(
    "typed",
    ["ab1234567", "AB 123 4567", "AB-1234567", " ab.1234567 ", "ＡＢ１２３４５６７"],
)
def test_typing_variants_are_one_person(typed):
    assert key(typed) == key("AB1234567")


def test_letters_o_and_i_typed_for_digits_are_one_person():
    assert normalise_passport_number("PO1I23") == "P01123"
    assert key("XO0I1234") == key("X0011234") == key("XOOII234")


def test_the_key_is_the_documented_hmac():
    message = b"\x1f".join([b"palm-lottery-person-v1", b"REL-1", b"AB1234567", b"1990-04-01"])
    assert key("ab 1234567") == hmac.new(PEPPER, message, hashlib.sha256).hexdigest()


def test_anything_else_is_another_person_or_another_release():
    base = key("AB1234567")
    assert key("AB1234568") != base
    assert key("AB1234567", born=date(1990, 4, 2)) != base
    assert key("AB1234567", scope="REL-2") != base  # unlinkable across releases
    assert key("AB1234567", pepper=b"q" * 32) != base  # unknowable without the pepper


def test_the_key_does_not_carry_the_number():
    result = key("AB1234567")
    assert len(result) == 64 and "1234567" not in result
    assert result != hashlib.sha256(b"AB1234567" + b"1990-04-01").hexdigest()


@pytest.mark.parametrize("typed", ["AB12", "-- --", "A" * 21, "", "\u0410B1234567"])
def test_impossible_passport_numbers_are_refused(typed):
    with pytest.raises(ValueError):
        key(typed)


def test_a_short_pepper_a_datetime_or_a_bad_scope_is_refused():
    with pytest.raises(ValueError):
        key("AB1234567", pepper=b"short")
    with pytest.raises(ValueError):
        key("AB1234567", born=datetime(1990, 4, 1))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        key("AB1234567", scope="REL\x1f1")
