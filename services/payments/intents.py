"""Applying the gateway's truth about an intent: states only move forward, the money is
checked, and money that arrives for no purpose is refunded (shared by webhooks and
reconciliation)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from payments import (
    IntentInfo,
)
from services.accounts.audit import record_audit
from services.core.db import after_commit, unit_of_work
from services.models import (
    OPEN_PAYMENT_STATUSES,
    Payment,
)
from services.models.types import utcnow
from services.payments import texts as payment_texts
from services.payments.common import (
    INTENT_TO_STATUS,
    OPEN_RANK,
    REFUND_ON_ARRIVAL_STATES,
    email_receipt,
    locked_payment,
    notify_payment,
)
from services.payments.refunds import schedule_auto_refund

log = logging.getLogger(__name__)


# --- applying the gateway's truth ----------------------------------------------------------
@dataclass(frozen=True)
class Change:
    payment_id: int
    before: str
    after: str


def _money_arrived(payment: Payment, intent: IntentInfo) -> None:
    payment.amount_received = intent.amount_received or intent.amount
    payment.paid_at = payment.paid_at or utcnow()
    details = {
        "intent_id": intent.id,
        "expected": payment.amount_minor,
        "currency": payment.currency,
        "received": payment.amount_received,
        "received_currency": intent.currency,
    }
    if intent.currency != payment.currency or payment.amount_received != payment.amount_minor:
        payment.status = "needs_review"
        payment.review_reason = (
            "currency_mismatch" if intent.currency != payment.currency else "amount_mismatch"
        )
        record_audit(
            None,
            "payment.needs_review",
            "payment",
            payment.id,
            post_id=payment.post_id,
            details={**details, "reason": payment.review_reason},
        )
        log.error("payment %s needs review: %s", payment.id, payment.review_reason)
        return
    application_state = payment.application.state
    if payment.status == "canceled" or application_state in REFUND_ON_ARRIVAL_STATES:
        why = (
            "payment_canceled"
            if payment.status == "canceled"
            else f"application_{application_state}"
        )
        payment.status = "refunding"
        record_audit(
            None,
            "payment.auto_refund",
            "payment",
            payment.id,
            post_id=payment.post_id,
            details={**details, "why": why},
        )
        notify_payment(payment, payment_texts.PAYMENT_REFUNDING, payment.amount_received)
        payment_id = payment.id
        after_commit(lambda: schedule_auto_refund(payment_id))
        return
    payment.status = "succeeded"
    record_audit(
        None, "payment.succeeded", "payment", payment.id, post_id=payment.post_id, details=details
    )
    notify_payment(payment, payment_texts.PAYMENT_SUCCEEDED)
    email_receipt(payment)


def apply_intent_to_locked(
    payment: Payment,
    intent: IntentInfo,
    *,
    event_type: str | None = None,
    replaced_because: str | None = None,
) -> Change | None:
    """Move ``payment`` (locked, in the caller's unit of work) to what ``intent`` says."""
    before = payment.status
    new = INTENT_TO_STATUS.get(intent.status)
    if new is None:
        log.warning("unknown intent status %r for payment %s", intent.status, payment.id)
        return None
    if payment.intent_id is None:
        payment.intent_id = intent.id
    if new == "succeeded":
        # A cancelled payment whose money arrived anyway (a race with the cancel) is
        # handled too: it is refunded.
        if before in OPEN_PAYMENT_STATUSES or before == "canceled":
            _money_arrived(payment, intent)
    elif before not in OPEN_PAYMENT_STATUSES:
        pass  # final: a late processing, failure or cancel changes nothing
    elif new == "canceled":
        payment.status = "canceled"
        payment.canceled_at = utcnow()
        if replaced_because:
            record_audit(
                None,
                "payment.replaced",
                "payment",
                payment.id,
                post_id=payment.post_id,
                details={"reason": replaced_because, "intent_id": intent.id},
            )
    elif OPEN_RANK[new] > OPEN_RANK[before]:
        payment.status = new
    elif before == "processing" and intent.status == "requires_payment_method":
        # The one way back Stripe has: a delayed payment method (bank debit) failed.
        payment.status = "requires_payment"
    if (
        event_type == "payment_intent.payment_failed"
        and intent.status == "requires_payment_method"
        and payment.status == "requires_payment"
    ):
        notify_payment(payment, payment_texts.PAYMENT_FAILED)
    if payment.status == before:
        return None
    return Change(payment.id, before, payment.status)


def apply_intent(
    payment_id: int,
    intent: IntentInfo,
    *,
    event_type: str | None = None,
    replaced_because: str | None = None,
) -> Change | None:
    """Apply the intent's current state to the payment in one unit of work.

    What a webhook does for a ``payment_intent.*`` event, and what reconciliation does for
    a payment whose webhook never came.
    """
    with unit_of_work():
        payment = locked_payment(payment_id)
        if payment is None:
            return None
        return apply_intent_to_locked(
            payment, intent, event_type=event_type, replaced_because=replaced_because
        )
