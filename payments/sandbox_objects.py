"""Builders for the Stripe-shaped objects the sandbox stores and puts in its webhooks.

Only the fields our code or a webhook handler reads are present, with Stripe's names and
types (amounts in Stripe units, lower-case currency, ``livemode: false``), so that a handler
written against the sandbox works unchanged against Stripe.
"""

from __future__ import annotations

import secrets
from typing import Any

# Put on events: the API version stripe 16.1.0 pins.
SANDBOX_API_VERSION = "2026-10-28.endive"

# What Stripe puts in ``last_payment_error`` for its generic test decline.
CARD_DECLINED = {
    "type": "card_error",
    "code": "card_declined",
    "decline_code": "generic_decline",
    "message": "Your card was declined.",
}


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _base(prefix: str, kind: str, now: int) -> dict[str, Any]:
    return {"id": new_id(prefix), "object": kind, "created": now, "livemode": False}


def new_customer(params: dict[str, Any], now: int) -> dict[str, Any]:
    return {**_base("cus", "customer", now), **params}


def new_intent(params: dict[str, Any], now: int) -> dict[str, Any]:
    intent = {**_base("pi", "payment_intent", now), **params}
    intent.update(
        amount_received=0,
        canceled_at=None,
        client_secret=f"{intent['id']}_secret_{secrets.token_hex(12)}",
        last_payment_error=None,
        latest_charge=None,
        status="requires_payment_method",
    )
    return intent


def new_ephemeral_key(customer_id: str, now: int) -> dict[str, Any]:
    return {
        **_base("ephkey", "ephemeral_key", now),
        "associated_objects": [{"id": customer_id, "type": "customer"}],
        "expires": now + 3600,
        "secret": f"ek_test_{secrets.token_hex(24)}",
    }


def new_charge(intent: dict[str, Any], now: int) -> dict[str, Any]:
    return {
        **_base("ch", "charge", now),
        "amount": intent["amount"],
        "amount_captured": intent["amount"],
        "amount_refunded": 0,
        "currency": intent["currency"],
        "customer": intent["customer"],
        "paid": True,
        "payment_intent": intent["id"],
        "refunded": False,
        "status": "succeeded",
    }


def new_refund(charge: dict[str, Any], amount: int, reason: str | None, now: int) -> dict[str, Any]:
    return {
        **_base("re", "refund", now),
        "amount": amount,
        "charge": charge["id"],
        "currency": charge["currency"],
        "metadata": {},
        "payment_intent": charge["payment_intent"],
        "reason": reason,
        "status": "succeeded",
    }


def new_event(event_type: str, obj: dict[str, Any], now: int) -> dict[str, Any]:
    return {
        **_base("evt", "event", now),
        "api_version": SANDBOX_API_VERSION,
        "data": {"object": obj},
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
