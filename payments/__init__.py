"""Payments: the ``PaymentGateway`` interface, a Stripe adapter and an embedded sandbox.

Services import from here only. Amounts are ``int`` ISO 4217 minor units with an upper-case
currency code; adapters return the dataclasses below and raise ``PaymentGatewayError``
subclasses (``retryable`` says whether to try again with the same idempotency key), never
SDK objects. ``build_payment_gateway(app.config)`` picks the backend.
"""

from payments.base import (
    INTENT_STATUSES,
    REFUND_REASONS,
    GatewayUnavailable,
    IdempotencyConflict,
    IntentInfo,
    InvalidWebhook,
    PaymentGateway,
    PaymentGatewayError,
    PaymentRejected,
    PaymentSheet,
    RefundInfo,
    WebhookEvent,
)
from payments.currency import (
    format_amount,
    from_stripe_amount,
    minor_unit_exponent,
    to_major,
    to_stripe_amount,
)
from payments.registry import build_payment_gateway
from payments.sandbox import SandboxGateway, SignedWebhook
from payments.stripe_gateway import StripeGateway
from payments.webhooks import sign_webhook_payload, verify_webhook

__all__ = [
    "INTENT_STATUSES",
    "REFUND_REASONS",
    "GatewayUnavailable",
    "IdempotencyConflict",
    "IntentInfo",
    "InvalidWebhook",
    "PaymentGateway",
    "PaymentGatewayError",
    "PaymentRejected",
    "PaymentSheet",
    "RefundInfo",
    "SandboxGateway",
    "SignedWebhook",
    "StripeGateway",
    "WebhookEvent",
    "build_payment_gateway",
    "format_amount",
    "from_stripe_amount",
    "minor_unit_exponent",
    "sign_webhook_payload",
    "to_major",
    "to_stripe_amount",
    "verify_webhook",
]
