"""Schemas for payments: the mobile payment sheet, receipts, refunds, webhooks, sandbox."""

from __future__ import annotations

import marshmallow as ma

from payments.currency import format_amount, minor_unit_exponent
from schemas.common import MULTILINE, Base, Translated, current_language
from services.models import PAYMENT_STATUSES, REFUND_STATUSES
from services.models.payments import REFUND_SOURCES, REVIEW_REASONS

MAX_ID = 2**31 - 1
# Larger than any fee in any currency, and exact in a JSON number (2**53).
MAX_AMOUNT = 2**53 - 1


def _display(amount_minor: int, currency: str) -> str:
    # Babel spells locales with underscores: zh-Hant -> zh_Hant.
    return format_amount(amount_minor, currency, current_language().replace("-", "_"))


class PaymentCreateSchema(Base):
    application_id = ma.fields.Integer(
        required=True, strict=True, validate=ma.validate.Range(min=1, max=MAX_ID)
    )


class PaymentQueryArgsSchema(Base):
    application_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID))


class _MoneyFields(Base):
    amount = ma.fields.Integer(
        attribute="amount_minor",
        metadata={"description": "Integer amount in the currency's ISO 4217 minor unit"},
    )
    currency = ma.fields.String(metadata={"description": "ISO 4217 code"})
    exponent = ma.fields.Method(
        "_exponent", metadata={"type": "integer", "description": "ISO 4217 minor unit"}
    )
    display = ma.fields.Method(
        "_display", metadata={"type": "string", "description": "Formatted for the language"}
    )

    def _exponent(self, obj) -> int:
        return minor_unit_exponent(obj.currency)

    def _display(self, obj) -> str:
        return _display(obj.amount_minor, obj.currency)


class _PaymentBase(_MoneyFields):
    id = ma.fields.Integer()
    application_id = ma.fields.Integer()
    application_number = ma.fields.Function(
        lambda p: p.application.number, metadata={"type": "string"}
    )
    status = ma.fields.String(metadata={"enum": list(PAYMENT_STATUSES)})
    amount_received = ma.fields.Integer(metadata={"description": "Minor units received"})
    amount_refunded = ma.fields.Integer(metadata={"description": "Minor units refunded"})
    intent_id = ma.fields.String(allow_none=True, metadata={"description": "PaymentIntent id"})
    created_at = ma.fields.DateTime()
    paid_at = ma.fields.DateTime(allow_none=True)


def _while_payable(field: str):
    """A sheet field, given only while the payment waits for the customer."""

    def read(payment):
        return getattr(payment, field) if payment.status == "requires_payment" else None

    return read


class PaymentSchema(_PaymentBase):
    """A payment as its owner sees it, with what the mobile payment sheet needs."""

    client_secret = ma.fields.Function(
        _while_payable("client_secret"),
        metadata={
            "type": "string",
            "nullable": True,
            "description": "PaymentIntent client secret (while the payment can be made)",
        },
    )
    customer_id = ma.fields.Function(
        _while_payable("customer_id"), metadata={"type": "string", "nullable": True}
    )
    ephemeral_key_secret = ma.fields.Function(
        _while_payable("ephemeral_key_secret"),
        metadata={
            "type": "string",
            "nullable": True,
            "description": "Customer ephemeral key secret for the payment sheet",
        },
    )
    publishable_key = ma.fields.Function(
        _while_payable("publishable_key"), metadata={"type": "string", "nullable": True}
    )


class RefundSchema(_MoneyFields):
    id = ma.fields.Integer()
    payment_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": list(REFUND_STATUSES)})
    source = ma.fields.String(metadata={"enum": list(REFUND_SOURCES)})
    reason = ma.fields.String(allow_none=True)
    failure_code = ma.fields.String(allow_none=True)
    gateway_refund_id = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class StaffPaymentSchema(_PaymentBase):
    """A payment as officers of its post see it (no sheet secrets), with its refunds."""

    account_id = ma.fields.Integer(allow_none=True)
    review_reason = ma.fields.String(allow_none=True, metadata={"enum": [*REVIEW_REASONS, None]})
    refunds = ma.fields.List(ma.fields.Nested(RefundSchema))


class ReceiptSchema(Base):
    payment_id = ma.fields.Function(lambda r: r.payment.id, metadata={"type": "integer"})
    reference = ma.fields.String(metadata={"example": "FRPAR-2026-000123-K-3F9A21C0"})
    application_number = ma.fields.Function(
        lambda r: r.payment.application.number, metadata={"type": "string"}
    )
    post = ma.fields.Function(
        lambda r: r.payment.application.post.code, metadata={"type": "string"}
    )
    post_name = Translated("payment.application.post.names")
    service = ma.fields.Function(
        lambda r: r.payment.application.service_type.code, metadata={"type": "string"}
    )
    service_name = Translated("payment.application.service_type.names")
    status = ma.fields.Function(
        lambda r: r.payment.status, metadata={"type": "string", "enum": list(PAYMENT_STATUSES)}
    )
    amount = ma.fields.Function(lambda r: r.payment.amount_minor, metadata={"type": "integer"})
    amount_refunded = ma.fields.Function(
        lambda r: r.payment.amount_refunded, metadata={"type": "integer"}
    )
    currency = ma.fields.Function(lambda r: r.payment.currency, metadata={"type": "string"})
    exponent = ma.fields.Function(
        lambda r: minor_unit_exponent(r.payment.currency), metadata={"type": "integer"}
    )
    display = ma.fields.Function(
        lambda r: _display(r.payment.amount_minor, r.payment.currency),
        metadata={"type": "string"},
    )
    paid_at = ma.fields.Function(
        lambda r: r.payment.paid_at.isoformat(),
        metadata={"type": "string", "format": "date-time"},
    )
    intent_id = ma.fields.Function(lambda r: r.payment.intent_id, metadata={"type": "string"})


class RefundCreateSchema(Base):
    amount = ma.fields.Integer(
        strict=True,
        validate=ma.validate.Range(min=1, max=MAX_AMOUNT),
        metadata={"description": "Minor units; leave out to refund everything left"},
    )
    reason = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=500),
        metadata={**MULTILINE, "description": "Why (kept in the audit log)"},
    )


REFUND_IDEMPOTENCY_KEY_DOC = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": True,
    "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"},
    "description": "A unique key per refund (e.g. a UUID): retrying with it returns the same "
    "refund instead of refunding twice.",
}


class WebhookAckSchema(Base):
    received = ma.fields.Boolean()
    event_id = ma.fields.String()
    duplicate = ma.fields.Boolean(metadata={"description": "Already applied earlier"})


class SimulateSchema(Base):
    outcome = ma.fields.String(
        required=True, validate=ma.validate.OneOf(["succeeded", "failed", "processing"])
    )
    deliver = ma.fields.String(
        load_default="once",
        validate=ma.validate.OneOf(["once", "twice"]),
        metadata={"description": "Deliver the signed webhook once, or twice (a duplicate)"},
    )


class WebhookDeliverySchema(Base):
    event_id = ma.fields.String()
    type = ma.fields.String()
    duplicate = ma.fields.Boolean()


class SimulationSchema(Base):
    payment = ma.fields.Nested(PaymentSchema)
    deliveries = ma.fields.List(ma.fields.Nested(WebhookDeliverySchema))
