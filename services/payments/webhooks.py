"""Gateway webhooks: verified, stored once by event id, applied in any order."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from payments import (
    GatewayUnavailable,
    IntentInfo,
    InvalidWebhook,
    PaymentGateway,
    PaymentGatewayError,
    WebhookEvent,
    from_stripe_amount,
)
from services.accounts.audit import record_audit
from services.core.db import db, unit_of_work
from services.core.integrations import payment_gateway
from services.models import (
    Payment,
    PaymentRefund,
    PaymentWebhookEvent,
)
from services.payments.common import (
    ACTIVE_REFUND_STATUSES,
    InvalidWebhookSignature,
    PaymentGatewayDown,
    locked_payment,
    refund_sum,
    release_connection,
)
from services.payments.intents import apply_intent_to_locked
from services.payments.refunds import set_refund_status

log = logging.getLogger(__name__)


# --- webhooks ------------------------------------------------------------------------------
@dataclass(frozen=True)
class WebhookResult:
    event_id: str
    type: str
    duplicate: bool
    payment_id: int | None = None


def _snapshot_intent(obj: dict[str, Any]) -> IntentInfo | None:
    """The intent as the event saw it (only when the gateway cannot tell us better)."""
    try:
        currency = str(obj["currency"]).upper()
        return IntentInfo(
            id=str(obj["id"]),
            amount=from_stripe_amount(int(obj["amount"]), currency),
            currency=currency,
            status=str(obj["status"]),
            metadata={str(k): str(v) for k, v in (obj.get("metadata") or {}).items()},
            amount_received=from_stripe_amount(int(obj.get("amount_received") or 0), currency),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _current_intent(gateway: PaymentGateway, obj: dict[str, Any]) -> IntentInfo | None:
    intent_id = obj.get("id")
    if not isinstance(intent_id, str):
        return None
    try:
        return gateway.retrieve_intent(intent_id=intent_id)
    except GatewayUnavailable:
        raise PaymentGatewayDown() from None  # not 2xx: Stripe delivers the event again
    except PaymentGatewayError as exc:
        log.warning("could not re-read intent %s (%r); using the event's copy", intent_id, exc)
        return _snapshot_intent(obj)


def _payment_id_for_intent(intent_id: Any, metadata: dict[str, str] | None = None) -> int | None:
    if not isinstance(intent_id, str) or not intent_id:
        return None
    payment_id = db.session.scalar(select(Payment.id).where(Payment.intent_id == intent_id))
    if payment_id is not None:
        return payment_id
    # The intent was created but its id not stored yet (the request died in between): our
    # metadata names the payment.
    ref = (metadata or {}).get("payment_id", "")
    if ref.isdigit():
        return db.session.scalar(
            select(Payment.id).where(Payment.id == int(ref), Payment.intent_id.is_(None))
        )
    return None


def _on_intent(event: WebhookEvent, intent: IntentInfo | None) -> int | None:
    if intent is None:
        return None
    payment_id = _payment_id_for_intent(intent.id, intent.metadata)
    if payment_id is None:
        if intent.status == "succeeded":
            log.error("money arrived for intent %s that matches no payment", intent.id)
            record_audit(
                None,
                "payment.unmatched_intent",
                "payment_intent",
                intent.id,
                details={"amount": intent.amount_received, "currency": intent.currency},
            )
        return None
    payment = locked_payment(payment_id)
    assert payment is not None
    apply_intent_to_locked(payment, intent, event_type=event.type)
    return payment_id


def _on_charge_refunded(obj: dict[str, Any]) -> int | None:
    payment_id = _payment_id_for_intent(obj.get("payment_intent"))
    currency = str(obj.get("currency") or "").upper()
    if payment_id is None or not currency:
        return None
    payment = locked_payment(payment_id)
    assert payment is not None
    refunds = obj.get("refunds")
    for item in (refunds.get("data") or []) if isinstance(refunds, dict) else []:
        if isinstance(item, dict):
            _on_refund_object(payment, item)
    total = from_stripe_amount(int(obj.get("amount_refunded") or 0), currency)
    known = refund_sum(payment.id, ACTIVE_REFUND_STATUSES)
    if total > known:
        # Refunded outside the app (the Stripe dashboard): record it so totals stay true.
        refund = PaymentRefund(
            payment=payment,
            amount_minor=total - known,
            currency=payment.currency,
            status="pending",
            source="external",
            reason="refunded at the gateway",
        )
        db.session.add(refund)
        db.session.flush()
        record_audit(
            None,
            "payment.external_refund",
            "payment",
            payment.id,
            post_id=payment.post_id,
            details={"amount": refund.amount_minor, "currency": payment.currency},
        )
        set_refund_status(refund, "succeeded", None)
    return payment_id


def _on_refund_object(payment: Payment, obj: dict[str, Any]) -> None:
    refund = db.session.scalar(
        select(PaymentRefund).where(
            PaymentRefund.gateway_refund_id == obj.get("id"),
            PaymentRefund.payment_id == payment.id,
        )
    )
    if refund is not None and isinstance(obj.get("status"), str):
        failure = obj.get("failure_reason")
        set_refund_status(refund, obj["status"], failure if isinstance(failure, str) else None)


def _on_refund(obj: dict[str, Any]) -> int | None:
    payment_id = _payment_id_for_intent(obj.get("payment_intent"))
    if payment_id is None:
        return None
    payment = locked_payment(payment_id)
    assert payment is not None
    _on_refund_object(payment, obj)
    return payment_id


def _on_dispute(obj: dict[str, Any]) -> int | None:
    payment_id = _payment_id_for_intent(obj.get("payment_intent"))
    if payment_id is None:
        log.error("dispute %s matches no payment", obj.get("id"))
        return None
    payment = locked_payment(payment_id)
    assert payment is not None
    payment.status = "needs_review"
    payment.review_reason = "dispute"
    record_audit(
        None,
        "payment.dispute",
        "payment",
        payment.id,
        post_id=payment.post_id,
        details={
            "dispute_id": obj.get("id"),
            "reason": obj.get("reason"),
            "amount": obj.get("amount"),
        },
    )
    return payment_id


_REFUND_EVENTS = frozenset(
    {"refund.created", "refund.updated", "refund.failed", "charge.refund.updated"}
)


def _dispatch(event: WebhookEvent, intent: IntentInfo | None) -> int | None:
    if event.type.startswith("payment_intent."):
        return _on_intent(event, intent)
    if event.type == "charge.refunded":
        return _on_charge_refunded(event.data_object)
    if event.type in _REFUND_EVENTS:
        return _on_refund(event.data_object)
    if event.type == "charge.dispute.created":
        return _on_dispute(event.data_object)
    return None  # not ours to act on; remembered so it is not looked at twice


def _event_seen(event_id: str) -> bool:
    return db.session.get(PaymentWebhookEvent, event_id) is not None


def process_webhook(payload: bytes, signature_header: str | None) -> WebhookResult:
    """Verify a webhook on its raw bytes and apply it once.

    The intent of a ``payment_intent.*`` event is re-read from the gateway first (outside
    any transaction); then one transaction stores the event id, under its primary key, with
    the effect. A duplicate, even a concurrent one, answers 200 and does nothing.
    """
    gateway = payment_gateway()
    if not signature_header:
        raise InvalidWebhookSignature(reason="missing_signature")
    try:
        event = gateway.parse_webhook(payload=payload, signature_header=signature_header)
    except InvalidWebhook as exc:
        log.warning("webhook refused: %s", exc.code)
        raise InvalidWebhookSignature(reason=exc.code) from None
    if len(event.id) > 255 or len(event.type) > 64:
        raise InvalidWebhookSignature(reason="bad_payload")
    seen = _event_seen(event.id)
    release_connection()
    if seen:
        return WebhookResult(event.id, event.type, duplicate=True)
    intent = None
    if event.type.startswith("payment_intent."):
        intent = _current_intent(gateway, event.data_object)
    try:
        with unit_of_work():
            record = PaymentWebhookEvent(id=event.id, type=event.type, created=event.created)
            db.session.add(record)
            db.session.flush()  # a concurrent delivery of the same event fails here
            payment_id = _dispatch(event, intent)
            record.payment_id = payment_id
    except IntegrityError:
        db.session.rollback()
        if _event_seen(event.id):
            return WebhookResult(event.id, event.type, duplicate=True)
        raise
    return WebhookResult(event.id, event.type, duplicate=False, payment_id=payment_id)
