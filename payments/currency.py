"""ISO 4217 minor units, display formatting, and Stripe's amount conventions.

Our rule (the README's API conventions): money is an ``int`` in the currency's ISO 4217 minor unit.
Stripe mostly agrees, with documented exceptions, so every amount crossing the Stripe
boundary goes through ``to_stripe_amount`` / ``from_stripe_amount``.

Why an explicit exponent table rather than Babel's ``get_currency_precision``: Babel
returns CLDR *display* digits, which differ from ISO 4217 for several currencies we may
meet at a consulate (CLDR says HUF 0, IQD 0, MGA 0, where ISO 4217 says 2, 3, 2). pycountry
knows the codes but not the exponents, so it only validates that a code exists.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import pycountry
from babel.numbers import format_currency

# ISO 4217 currencies whose minor unit is not 2 (list of current codes, 2024-2025).
_ISO_EXPONENT_NOT_2: dict[str, int] = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    # Units of account with four decimals; listed so that they are not silently taken as 2.
    "CLF": 4,
    "UYW": 4,
}

# ISO codes whose minor unit is "N.A." (precious metals, SDR, bond-market units, testing and
# "no currency"): they are not money a consulate can charge, so we refuse them. XAD (Arab
# Accounting Dinar, added to ISO 4217 in 2025) is a unit of account too; its minor unit is
# uncertain to us, so it is refused rather than guessed.
_NOT_CHARGEABLE: frozenset[str] = frozenset(
    "XAD XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS XUA XXX".split()
)

# --- Stripe's departures from ISO 4217 (https://docs.stripe.com/currencies) ---------------
# ISK and UGX became zero-decimal at ISO, but Stripe keeps them two-decimal on the API for
# backwards compatibility: 5 ISK is sent as 500 and the amount must be a multiple of 100.
# ISK is confirmed by Stripe's support note on fractional ISK (error
# ``invalid_charge_amount_no_decimal_compatible``). UGX: older copies of Stripe's page list
# it as plain zero-decimal while newer ones list it with ISK as a two-decimal special case;
# we follow the newer reading. UNCERTAIN: confirm with a test-mode UGX charge before going live.
_STRIPE_TWO_DECIMAL_FOR_ISO_ZERO: frozenset[str] = frozenset({"ISK", "UGX"})
# MGA is zero-decimal on Stripe but has two decimals in ISO 4217, so we divide by 100 and
# refuse fractions of an ariary. UNCERTAIN in the same way; it is on every Stripe
# zero-decimal list we know of.
_STRIPE_ZERO_DECIMAL_FOR_ISO_TWO: frozenset[str] = frozenset({"MGA"})
# HUF and TWD: Stripe accepts two-decimal charge amounts but treats them as zero-decimal for
# payouts (amounts divisible by 100) and, per its docs, fractional amounts are not reliably
# supported by every payment method. We refuse fractional HUF/TWD rather than let a charge
# and its payout disagree; consular fees are whole forints/dollars anyway.
_STRIPE_WHOLE_UNITS_ONLY: frozenset[str] = frozenset({"HUF", "TWD"})


@lru_cache(maxsize=512)  # a few hundred ISO codes at most; a refusal raises, never cached
def _normalise(currency: str) -> str:
    code = currency.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError(f"not an ISO 4217 currency code: {currency!r}")
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError(f"unknown ISO 4217 currency: {currency!r}")
    if code in _NOT_CHARGEABLE:
        raise ValueError(f"{code} has no minor unit (not a chargeable currency)")
    return code


def minor_unit_exponent(currency: str) -> int:
    """ISO 4217 minor-unit exponent: 2 for EUR, 0 for JPY, 3 for KWD. Case-insensitive."""
    return _ISO_EXPONENT_NOT_2.get(_normalise(currency), 2)


def to_major(amount_minor: int, currency: str) -> Decimal:
    """Exact ``Decimal`` value in major units (``1050, "EUR"`` -> ``Decimal("10.50")``)."""
    return Decimal(amount_minor).scaleb(-minor_unit_exponent(currency))


@lru_cache(maxsize=4096)  # a post's few fees in four languages: Babel's formatting, once
def format_amount(amount_minor: int, currency: str, locale: str) -> str:
    """Human display, e.g. ``format_amount(1050, "EUR", "fr_FR") == "10,50\u00a0€"``.

    ``decimal_quantization=False`` keeps the exact ISO value: Babel would otherwise round to
    CLDR digits (1.500 IQD would show as "IQD 2").
    """
    code = _normalise(currency)
    return format_currency(
        to_major(amount_minor, code), code, locale=locale, decimal_quantization=False
    )


def _check_int(amount: int) -> None:
    # bool is an int subclass and True would silently mean 1 cent.
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError(f"amount must be an int in minor units, got {amount!r}")


def to_stripe_amount(amount_minor: int, currency: str) -> int:
    """Convert ISO minor units into the integer Stripe expects, or raise ``ValueError``.

    Never rounds: an amount Stripe cannot take exactly is an error for the caller to fix
    (rounding money silently is how accounts stop balancing).
    """
    _check_int(amount_minor)
    code = _normalise(currency)
    exponent = minor_unit_exponent(code)
    if code in _STRIPE_TWO_DECIMAL_FOR_ISO_ZERO:
        return amount_minor * 100
    if code in _STRIPE_ZERO_DECIMAL_FOR_ISO_TWO:
        if amount_minor % 100:
            raise ValueError(f"{code} amounts must be whole units on Stripe: {amount_minor}")
        return amount_minor // 100
    if code in _STRIPE_WHOLE_UNITS_ONLY and amount_minor % 100:
        raise ValueError(f"{code} amounts must be whole units (divisible by 100): {amount_minor}")
    if exponent == 3 and amount_minor % 10:
        # Stripe: "three-decimal currencies ... the least-significant digit must be 0".
        raise ValueError(f"{code} amounts must end in 0 on Stripe: {amount_minor}")
    if exponent == 4:
        raise ValueError(f"{code} is not a Stripe presentment currency")
    return amount_minor


def from_stripe_amount(stripe_amount: int, currency: str) -> int:
    """Inverse of ``to_stripe_amount`` for amounts read back from Stripe."""
    _check_int(stripe_amount)
    code = _normalise(currency)
    if code in _STRIPE_TWO_DECIMAL_FOR_ISO_ZERO:
        if stripe_amount % 100:
            raise ValueError(f"Stripe {code} amount is not a whole unit: {stripe_amount}")
        return stripe_amount // 100
    if code in _STRIPE_ZERO_DECIMAL_FOR_ISO_TWO:
        return stripe_amount * 100
    return stripe_amount
