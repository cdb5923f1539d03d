"""ISO 4217 exponents, Babel formatting and Stripe's amount conventions."""

from __future__ import annotations

import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st

from payments import currency as cur
from payments.currency import (
    format_amount,
    from_stripe_amount,
    minor_unit_exponent,
    to_major,
    to_stripe_amount,
)

CHARGEABLE = sorted(c.alpha_3 for c in pycountry.currencies if c.alpha_3 not in cur._NOT_CHARGEABLE)
STRIPE_SPECIAL = (
    cur._STRIPE_TWO_DECIMAL_FOR_ISO_ZERO
    | cur._STRIPE_ZERO_DECIMAL_FOR_ISO_TWO
    | cur._STRIPE_WHOLE_UNITS_ONLY
)
PLAIN_TWO_DECIMAL = [
    c for c in CHARGEABLE if minor_unit_exponent(c) == 2 and c not in STRIPE_SPECIAL
]


@pytest.mark.parametrize(
    ("code", "exponent"),
    [
        ("EUR", 2),
        ("usd", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("ISK", 0),
        ("UGX", 0),
        ("XOF", 0),
        ("KWD", 3),
        ("BHD", 3),
        ("TND", 3),
        ("IQD", 3),
        ("CLF", 4),
        ("HUF", 2),
        ("MGA", 2),
    ],
)
def test_minor_unit_exponent_follows_iso_4217(code: str, exponent: int) -> None:
    assert minor_unit_exponent(code) == exponent


def test_exponent_table_only_names_real_iso_codes() -> None:
    for code in [*cur._ISO_EXPONENT_NOT_2, *cur._NOT_CHARGEABLE, *STRIPE_SPECIAL]:
        assert pycountry.currencies.get(alpha_3=code) is not None, code


@pytest.mark.parametrize("code", ["ZZZ", "EU", "EURO", "", "XAU", "XTS", "XXX"])
def test_unknown_or_non_money_codes_are_refused(code: str) -> None:
    with pytest.raises(ValueError):
        minor_unit_exponent(code)


@pytest.mark.parametrize(
    ("amount", "code", "locale", "expected"),
    [
        (1050, "EUR", "fr_FR", "10,50\xa0€"),
        (-1050, "EUR", "de_DE", "-10,50\xa0€"),
        (123456, "USD", "en_US", "$1,234.56"),
        (500, "JPY", "ja_JP", "￥500"),
        (1234, "KWD", "en_US", "KWD1.234"),
        # CLDR shows IQD with 0 digits; the exact ISO value must not be rounded to 2.
        (1500, "IQD", "en_US", "IQD1.5"),
    ],
)
def test_format_amount(amount: int, code: str, locale: str, expected: str) -> None:
    assert format_amount(amount, code, locale) == expected


@pytest.mark.parametrize(
    ("amount", "code", "stripe_amount"),
    [
        (1050, "EUR", 1050),
        (500, "JPY", 500),
        (500, "ISK", 50000),  # Stripe keeps ISK two-decimal
        (2000, "UGX", 200000),
        (100000, "MGA", 1000),  # Stripe: zero-decimal; ISO: two
        (1230, "KWD", 1230),
        (100, "HUF", 100),
    ],
)
def test_to_stripe_amount_special_cases(amount: int, code: str, stripe_amount: int) -> None:
    assert to_stripe_amount(amount, code) == stripe_amount
    assert from_stripe_amount(stripe_amount, code) == amount


@pytest.mark.parametrize(
    ("amount", "code"),
    [(1235, "KWD"), (1, "BHD"), (1050, "HUF"), (99, "TWD"), (150, "MGA"), (100, "CLF")],
)
def test_to_stripe_amount_refuses_instead_of_rounding(amount: int, code: str) -> None:
    with pytest.raises(ValueError):
        to_stripe_amount(amount, code)


@pytest.mark.parametrize("amount", [True, 10.0, "10"])
def test_amount_must_be_a_real_int(amount: object) -> None:
    with pytest.raises(TypeError):
        to_stripe_amount(amount, "EUR")  # type: ignore[arg-type]


@given(st.sampled_from(PLAIN_TWO_DECIMAL), st.integers(min_value=0, max_value=10**12))
def test_plain_two_decimal_currencies_are_unchanged(code: str, amount: int) -> None:
    assert to_stripe_amount(amount, code) == amount
    assert to_stripe_amount(amount, code.lower()) == amount


@given(st.sampled_from(CHARGEABLE), st.integers(min_value=0, max_value=10**12))
def test_stripe_amount_round_trips_or_refuses(code: str, amount: int) -> None:
    try:
        stripe_amount = to_stripe_amount(amount, code)
    except ValueError:
        # Only the documented special cases may refuse, and only for fractional amounts.
        assert code in STRIPE_SPECIAL or minor_unit_exponent(code) in (3, 4)
        return
    assert from_stripe_amount(stripe_amount, code) == amount
    if minor_unit_exponent(code) == 3:
        assert stripe_amount % 10 == 0
    # Whatever the representation, the value in major units is preserved.
    assert to_major(amount, code) * 10 ** minor_unit_exponent(code) == amount
