"""What the payment modules share: statuses, errors, locking a payment, notifying.

The rules every payment module keeps are in the package docstring (``services.payments``).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from payments import (
    to_major,
    to_stripe_amount,
)
from services.core.db import db
from services.core.errors import DomainError, ServiceUnavailable
from services.core.i18n import Money
from services.emails.outbox import email_if_enabled
from services.models import (
    Payment,
    PaymentRefund,
)
from services.models.types import utcnow
from services.notifications.notifications import notify
from services.payments.texts import PAYMENT_RECEIPT

PAID_STATUSES = ("succeeded", "partially_refunded")
RECEIPT_STATUSES = ("succeeded", "partially_refunded", "refunded")
REFUNDABLE_STATUSES = ("succeeded", "partially_refunded", "needs_review")
# Money arriving for an application in one of these states goes back automatically.
REFUND_ON_ARRIVAL_STATES = frozenset({"withdrawn", "rejected"})
# Refunds that still count against what may be refunded.
ACTIVE_REFUND_STATUSES = ("pending", "requires_action", "succeeded")

# Stripe's PaymentIntent status -> ours. We never use manual capture, so an intent waiting
# for capture has the money authorised but not taken: "processing" from our side.
INTENT_TO_STATUS = {
    "requires_payment_method": "requires_payment",
    "requires_confirmation": "requires_payment",
    "requires_action": "requires_payment",
    "processing": "processing",
    "requires_capture": "processing",
    "succeeded": "succeeded",
    "canceled": "canceled",
}
# Open states move forward only; every other state is final for intent-driven changes.
OPEN_RANK = {"creating": 0, "requires_payment": 1, "processing": 2}
# Refund states: pending/requires_action -> succeeded -> failed (Stripe may fail a refund
# after it succeeded); failed and canceled are final.
REFUND_RANK = {"pending": 0, "requires_action": 0, "succeeded": 1, "failed": 2, "canceled": 2}

# An officer's Idempotency-Key: 1 to 255 visible ASCII characters (as everywhere else).

MAX_ROUNDS = 4  # start_payment: claim/create/replace rounds before asking to retry
RETRY_AFTER_SECONDS = "5"


# --- errors --------------------------------------------------------------------------------
class PaymentGatewayDown(ServiceUnavailable):
    """The gateway is unreachable: nothing was lost, the same request may be retried."""

    code = "payment_gateway_unavailable"

    def __init__(self) -> None:
        super().__init__()
        self.headers = {"Retry-After": RETRY_AFTER_SECONDS}


class InvalidWebhookSignature(DomainError):
    """Bad or missing signature, stale timestamp or malformed body (400)."""

    code = "invalid_webhook_signature"


# --- small helpers -------------------------------------------------------------------------
def money_text(amount_minor: int, currency: str) -> str:
    """Language-neutral amount for the e-mails' texts (still dictionaries): "60.00 EUR"."""
    return f"{to_major(amount_minor, currency)} {currency}"


def payable_online(amount_minor: int, currency: str) -> bool:
    try:
        to_stripe_amount(amount_minor, currency)
    except (ValueError, TypeError):
        return False
    return True


def release_connection() -> None:
    """End the read transaction the session may have begun, before a network call.

    Objects stay usable afterwards (``expire_on_commit=False``) and nothing is pending:
    every write in this module happens inside a unit of work.
    """
    db.session.commit()


def locked_payment(payment_id: int) -> Payment | None:
    """Load a payment for change, serialising concurrent writers on it.

    The UPDATE comes first: on PostgreSQL it takes the row lock (as ``FOR UPDATE`` does),
    on SQLite it takes the database write lock before anything is read, so the decisions
    that follow (refund totals, state moves) cannot interleave on either database.
    """
    db.session.execute(
        update(Payment)
        .where(Payment.id == payment_id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return db.session.scalar(
        select(Payment)
        .where(Payment.id == payment_id)
        .with_for_update(of=Payment)
        .execution_options(populate_existing=True)
    )


def refund_sum(payment_id: int, statuses: tuple[str, ...]) -> int:
    db.session.flush()
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(PaymentRefund.amount_minor), 0)).where(
                PaymentRefund.payment_id == payment_id, PaymentRefund.status.in_(statuses)
            )
        )
        or 0
    )


def notify_payment(payment: Payment, template: str, amount_minor: int | None = None) -> None:
    if payment.account_id is None:
        return
    amount = payment.amount_minor if amount_minor is None else amount_minor
    notify(
        payment.account_id,
        "payment",
        template,
        {
            "number": payment.application.number,
            "amount": Money(amount, payment.currency),
        },
        data={
            "payment_id": payment.id,
            "application_id": payment.application_id,
            "status": payment.status,
        },
    )


def email_receipt(payment: Payment) -> None:
    """The receipt by e-mail, when the payer turned that channel on (in this transaction)."""
    if payment.account_id is None:
        return
    paid_at = payment.paid_at or utcnow()
    email_if_enabled(
        payment.account_id,
        "payment_receipt",
        PAYMENT_RECEIPT,
        {
            "number": payment.application.number,
            "amount": money_text(payment.amount_received or payment.amount_minor, payment.currency),
            "paid_at": f"{paid_at:%Y-%m-%d %H:%M}",
            "reference": f"P{payment.id}",
        },
    )


def sheet_max_age() -> timedelta:
    return timedelta(minutes=int(current_app.config.get("PAYMENT_SHEET_MAX_AGE_MINUTES", 55)))


def reload_payment(payment_id: int) -> Payment:
    payment = db.session.get(Payment, payment_id, populate_existing=True)
    assert payment is not None
    return payment
