"""Stripe-shaped plain dicts <-> our dataclasses, plus the request checks both adapters share.

The sandbox stores its objects in exactly Stripe's JSON shape, and the Stripe adapter turns
SDK objects into plain dicts (``StripeObject.to_dict()``), so one set of converters serves
both: what the services see cannot drift between development and production.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from payments.base import REFUND_REASONS, IntentInfo, PaymentRejected, RefundInfo
from payments.currency import from_stripe_amount, to_stripe_amount

# Stripe's documented metadata limits; checking them here gives the same error in the
# sandbox as in production instead of a surprise on the first real payment.
_MAX_METADATA_KEYS = 50
_MAX_METADATA_KEY_LEN = 40
_MAX_METADATA_VALUE_LEN = 500


def intent_info(obj: Mapping[str, Any]) -> IntentInfo:
    """``payment_intent`` object -> ``IntentInfo`` with ISO minor-unit amounts."""
    currency = str(obj["currency"]).upper()
    return IntentInfo(
        id=obj["id"],
        amount=from_stripe_amount(obj["amount"], currency),
        currency=currency,
        status=obj["status"],
        metadata={str(k): str(v) for k, v in (obj.get("metadata") or {}).items()},
        amount_received=from_stripe_amount(obj.get("amount_received") or 0, currency),
    )


def refund_info(obj: Mapping[str, Any]) -> RefundInfo:
    """``refund`` object -> ``RefundInfo`` with ISO minor-unit amounts."""
    currency = str(obj["currency"]).upper()
    return RefundInfo(
        id=obj["id"],
        intent_id=obj.get("payment_intent") or "",
        amount=from_stripe_amount(obj["amount"], currency),
        currency=currency,
        status=obj["status"],
    )


def stripe_amount_or_reject(amount: int, currency: str) -> int:
    """``to_stripe_amount`` with our error type; amounts must also be positive."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise PaymentRejected(
            f"amount must be a positive integer in minor units, got {amount!r}",
            code="invalid_amount",
        )
    try:
        return to_stripe_amount(amount, currency)
    except ValueError as exc:
        raise PaymentRejected(str(exc), code="invalid_amount") from exc


def check_metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    """Return a plain copy of ``metadata`` or raise ``PaymentRejected`` like Stripe would."""
    if len(metadata) > _MAX_METADATA_KEYS:
        raise PaymentRejected("metadata has more than 50 keys", code="invalid_metadata")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise PaymentRejected(
                "metadata keys and values must be strings", code="invalid_metadata"
            )
        # Square brackets would be read as nesting by Stripe's form encoding.
        if not key or len(key) > _MAX_METADATA_KEY_LEN or "[" in key or "]" in key:
            raise PaymentRejected(f"invalid metadata key {key!r}", code="invalid_metadata")
        if len(value) > _MAX_METADATA_VALUE_LEN:
            raise PaymentRejected(f"metadata value for {key!r} too long", code="invalid_metadata")
    return dict(metadata)


def check_refund_reason(reason: str | None) -> None:
    if reason is not None and reason not in REFUND_REASONS:
        raise PaymentRejected(
            f"refund reason must be one of {sorted(REFUND_REASONS)}, got {reason!r}",
            code="invalid_refund_reason",
        )
