"""Refunds: by an officer, automatic (money without a purpose), and resumed after a crash."""

from __future__ import annotations

import logging

from sqlalchemy import select

from payments import (
    GatewayUnavailable,
    PaymentGatewayError,
)
from services.accounts.access import require_post_scope
from services.accounts.audit import record_audit
from services.core.db import db, transactional, unit_of_work
from services.core.errors import Conflict, InvalidInput, NotFound
from services.core.i18n import Money
from services.core.integrations import payment_gateway
from services.core.jobs import enqueue_or_leave_to_sweep
from services.core.task_names import TaskNames
from services.idempotency.records import KEY_PATTERN
from services.models import (
    Account,
    Payment,
    PaymentRefund,
)
from services.payments import texts as payment_texts
from services.payments.common import (
    ACTIVE_REFUND_STATUSES,
    REFUND_RANK,
    REFUNDABLE_STATUSES,
    PaymentGatewayDown,
    locked_payment,
    notify_payment,
    payable_online,
    refund_sum,
    release_connection,
)

log = logging.getLogger(__name__)


# --- refunds -------------------------------------------------------------------------------
def _recount_refunds(payment: Payment) -> None:
    refunded = refund_sum(payment.id, ("succeeded",))
    payment.amount_refunded = refunded
    received = payment.amount_received
    full = refunded > 0 and refunded >= received
    if payment.status in ("succeeded", "partially_refunded", "refunded"):
        payment.status = "refunded" if full else "partially_refunded" if refunded else "succeeded"
    elif payment.status in ("refunding", "needs_review") and full:
        payment.status = "refunded"


def set_refund_status(refund: PaymentRefund, status: str, failure_code: str | None) -> None:
    """Move a refund forward (in the caller's unit of work, its payment locked)."""
    before = refund.status
    if status not in REFUND_RANK or before == status:
        return
    if REFUND_RANK[status] < REFUND_RANK[before] or REFUND_RANK[before] == 2:
        return  # stale news
    refund.status = status
    if failure_code:
        refund.failure_code = failure_code[:64]
    payment = refund.payment
    _recount_refunds(payment)
    if status == "succeeded":
        notify_payment(payment, payment_texts.PAYMENT_REFUNDED, refund.amount_minor)
    elif status in ("failed", "canceled"):
        record_audit(
            None,
            "payment.refund_failed",
            "payment",
            payment.id,
            post_id=payment.post_id,
            details={"refund_id": refund.id, "status": status, "failure": refund.failure_code},
        )
        if refund.source == "auto":
            payment.status = "needs_review"
            payment.review_reason = "auto_refund_failed"


@transactional
def _open_refund(
    actor: Account,
    payment_id: int,
    amount: int | None,
    reason: str,
    client_key: str | None,
) -> PaymentRefund:
    payment = locked_payment(payment_id)
    if payment is None:
        raise NotFound("payment_not_found")
    require_post_scope(actor, payment.application.post)
    # Checked after the scope, so that an officer of another post learns nothing more.
    if not client_key:
        raise InvalidInput("idempotency_key_required")
    if not KEY_PATTERN.match(client_key):
        raise InvalidInput("idempotency_key_invalid")
    existing = db.session.scalar(
        select(PaymentRefund).where(
            PaymentRefund.payment_id == payment.id, PaymentRefund.client_key == client_key
        )
    )
    if existing is not None:
        if (amount is not None and amount != existing.amount_minor) or reason != existing.reason:
            raise InvalidInput("idempotency_key_reused")
        return existing
    if payment.status not in REFUNDABLE_STATUSES:
        raise Conflict("payment_not_refundable")
    remaining = payment.amount_received - refund_sum(payment.id, ACTIVE_REFUND_STATUSES)
    wanted = remaining if amount is None else amount
    if wanted <= 0 or wanted > remaining:
        raise Conflict(
            "refund_exceeds_payment", remaining=Money(max(remaining, 0), payment.currency)
        )
    if not payable_online(wanted, payment.currency):
        raise InvalidInput("refund_amount_invalid", currency=payment.currency)
    refund = PaymentRefund(
        payment=payment,
        amount_minor=wanted,
        currency=payment.currency,
        status="pending",
        source="staff",
        reason=reason,
        client_key=client_key,
        requested_by=actor.id,
    )
    db.session.add(refund)
    db.session.flush()
    record_audit(
        actor,
        "payment.refund",
        "payment",
        payment.id,
        post_id=payment.post_id,
        details={
            "refund_id": refund.id,
            "amount": wanted,
            "currency": payment.currency,
            "reason": reason,
        },
    )
    return refund


@transactional
def _store_refund_result(
    refund_id: int, gateway_refund_id: str | None, status: str, failure_code: str | None
) -> PaymentRefund:
    refund = db.session.get(PaymentRefund, refund_id)
    assert refund is not None
    locked_payment(refund.payment_id)
    db.session.refresh(refund)
    if gateway_refund_id and refund.gateway_refund_id is None:
        refund.gateway_refund_id = gateway_refund_id
    set_refund_status(refund, status, failure_code)
    return refund


def _execute_refund(refund: PaymentRefund) -> PaymentRefund:
    """Ask the gateway for a pending refund (outside any transaction) and store the answer."""
    intent_id = refund.payment.intent_id
    key = refund.gateway_idempotency_key
    release_connection()
    gateway = payment_gateway()
    try:
        info = gateway.refund(
            intent_id=intent_id or "", amount=refund.amount_minor, idempotency_key=key, reason=None
        )
    except GatewayUnavailable:
        raise PaymentGatewayDown() from None
    except PaymentGatewayError as exc:
        log.error("gateway refused refund %s: %r", refund.id, exc)
        return _store_refund_result(refund.id, None, "failed", exc.code)
    return _store_refund_result(refund.id, info.id, info.status, None)


def refund_payment(
    actor: Account, payment_id: int, *, amount: int | None, reason: str, client_key: str | None
) -> PaymentRefund:
    """An officer of the application's post refunds ``amount`` (everything left if None).

    Idempotent by the officer's ``Idempotency-Key`` (stored on the refund row, unique per
    payment): a retry returns the same refund, and resumes the gateway call if the first
    attempt met an outage. Never more than was received minus earlier refunds that have
    not failed, checked with the payment locked. The gateway's refusal is stored on the
    refund (``status: failed``, ``failure_code``).
    """
    refund = _open_refund(actor, payment_id, amount, reason, client_key)
    if refund.status == "pending" and refund.gateway_refund_id is None:
        refund = _execute_refund(refund)
    return refund


def _open_auto_refund(payment_id: int) -> PaymentRefund | None:
    with unit_of_work():
        payment = locked_payment(payment_id)
        if payment is None or payment.status != "refunding":
            return None
        refund = db.session.scalar(
            select(PaymentRefund).where(
                PaymentRefund.payment_id == payment.id, PaymentRefund.client_key == "auto"
            )
        )
        if refund is None:
            remaining = payment.amount_received - refund_sum(payment.id, ACTIVE_REFUND_STATUSES)
            if remaining <= 0:
                _recount_refunds(payment)
                return None
            refund = PaymentRefund(
                payment=payment,
                amount_minor=remaining,
                currency=payment.currency,
                status="pending",
                source="auto",
                reason="automatic: the application can no longer be paid",
                client_key="auto",
            )
            db.session.add(refund)
            db.session.flush()
        if refund.status != "pending" or refund.gateway_refund_id is not None:
            return None
        return refund


def run_auto_refund(payment_id: int) -> PaymentRefund | None:
    """Refund everything received for a ``refunding`` payment (gateway key per payment)."""
    refund = _open_auto_refund(payment_id)
    if refund is None:
        return None
    return _execute_refund(refund)


def schedule_auto_refund(payment_id: int) -> None:
    # The broker is down: the payment stays "refunding" and reconciliation retries.
    enqueue_or_leave_to_sweep(TaskNames.AUTO_REFUND, payment_id, what=f"refund of {payment_id}")


def retry_pending_refund(refund_id: int) -> PaymentRefund | None:
    """Resume a refund whose gateway call never completed (same idempotency key)."""
    refund = db.session.get(PaymentRefund, refund_id)
    if refund is None or refund.status != "pending" or refund.gateway_refund_id is not None:
        return None
    return _execute_refund(refund)
