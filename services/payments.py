"""Mobile payments of application fees: payment sheets, webhooks as the truth, refunds.

Three rules shape this module:

1. **No database transaction is held open across a gateway (network) call.** Every public
   operation is a sequence: a short transaction that decides and writes what is about to
   be asked of the gateway (a ``creating`` payment, a ``pending`` refund), commit; the
   gateway call with an idempotency key derived from that row (``payment:{id}:{nonce}``,
   ``refund:{id}:{nonce}``, ``auto-refund:{payment id}:{nonce}``, ``cancel:payment:...``,
   ``customer:{account id}:{nonce}``); a second short transaction that stores the answer.
   A crash or an outage in between leaves a row that the next request, or the
   reconciliation job, resumes with the same key, so nothing is ever created or refunded
   twice. The nonce is stored on the row: a key never changes for its row, yet cannot
   meet the key of an earlier row that had the same id (a restored or reset database).
2. **Webhooks are the truth, and they arrive in any order and more than once.** A
   ``payment_intent.*`` event is only a hint: the intent is re-read from the gateway and
   *its* status applied (``apply_intent``, shared with reconciliation). The event id is
   stored under a unique constraint in the same transaction as the effect; a duplicate
   does nothing. Payment states only move forward (``_OPEN_RANK``; the final states never
   go back), so a late ``processing`` or ``payment_failed`` after ``succeeded`` is a no-op.
3. **Never "paid" without the expected money, never money without a purpose.** An amount
   or currency that differs from the payment's marks it ``needs_review`` (audited), never
   ``succeeded``. Money arriving for a withdrawn or rejected application, or for a payment
   already cancelled, is refunded automatically and the citizen is told.

Fee changes: while an intent is still unpaid (``requires_payment``), a new request after
the post's fee changed *cancels that intent and opens a new payment for the new amount*; an
intent already ``processing`` keeps its amount (the money is on its way). The same happens
when the payment sheet's ephemeral key has expired (``PAYMENT_SHEET_MAX_AGE_MINUTES``, 55 by
default, below Stripe's one hour) and the customer has not started paying.

Out of scope here: appointment payments ("where a post takes payment at booking"). The
appointments area does not exist yet; when it does, a payment will reference either an
application or an appointment, and everything below applies unchanged to the second kind.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError

from payments import (
    GatewayUnavailable,
    IntentInfo,
    InvalidWebhook,
    PaymentGateway,
    PaymentGatewayError,
    PaymentRejected,
    PaymentSheet,
    SandboxGateway,
    WebhookEvent,
    from_stripe_amount,
    to_major,
    to_stripe_amount,
)
from services import payment_texts
from services.access import require_post_scope
from services.application_states import FINAL_STATES
from services.applications import get_for_owner as get_application_for_owner
from services.audit import record_audit
from services.db import after_commit, db, transactional, unit_of_work
from services.errors import Conflict, DomainError, InvalidInput, NotFound, ServiceUnavailable
from services.integrations import payment_gateway
from services.models import (
    OPEN_PAYMENT_STATUSES,
    Account,
    Application,
    Fee,
    Payment,
    PaymentCustomer,
    PaymentRefund,
    PaymentWebhookEvent,
)
from services.models.types import utcnow
from services.notifications import notify

log = logging.getLogger(__name__)

# An application is paid while one of its payments is in these states.
PAID_STATUSES = ("succeeded", "partially_refunded")
RECEIPT_STATUSES = ("succeeded", "partially_refunded", "refunded")
REFUNDABLE_STATUSES = ("succeeded", "partially_refunded", "needs_review")
# Money arriving for an application in one of these states goes back automatically.
REFUND_ON_ARRIVAL_STATES = frozenset({"withdrawn", "rejected"})
# Refunds that still count against what may be refunded.
ACTIVE_REFUND_STATUSES = ("pending", "requires_action", "succeeded")

# Stripe's PaymentIntent status -> ours. We never use manual capture, so an intent waiting
# for capture has the money authorised but not taken: "processing" from our side.
_INTENT_TO_STATUS = {
    "requires_payment_method": "requires_payment",
    "requires_confirmation": "requires_payment",
    "requires_action": "requires_payment",
    "processing": "processing",
    "requires_capture": "processing",
    "succeeded": "succeeded",
    "canceled": "canceled",
}
# Open states move forward only; every other state is final for intent-driven changes.
_OPEN_RANK = {"creating": 0, "requires_payment": 1, "processing": 2}
# Refund states: pending/requires_action -> succeeded -> failed (Stripe may fail a refund
# after it succeeded); failed and canceled are final.
_REFUND_RANK = {"pending": 0, "requires_action": 0, "succeeded": 1, "failed": 2, "canceled": 2}

# An officer's Idempotency-Key: 1 to 255 visible ASCII characters (as everywhere else).
CLIENT_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")

_MAX_ROUNDS = 4  # start_payment: claim/create/replace rounds before asking to retry
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
    """Language-neutral amount for notifications and messages: "60.00 EUR", "4000 JPY"."""
    return f"{to_major(amount_minor, currency)} {currency}"


def _payable_online(amount_minor: int, currency: str) -> bool:
    try:
        to_stripe_amount(amount_minor, currency)
    except (ValueError, TypeError):
        return False
    return True


def _release_connection() -> None:
    """End the read transaction the session may have begun, before a network call.

    Objects stay usable afterwards (``expire_on_commit=False``) and nothing is pending:
    every write in this module happens inside a unit of work.
    """
    db.session.commit()


def _locked_payment(payment_id: int) -> Payment | None:
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


def _refund_sum(payment_id: int, statuses: tuple[str, ...]) -> int:
    db.session.flush()
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(PaymentRefund.amount_minor), 0)).where(
                PaymentRefund.payment_id == payment_id, PaymentRefund.status.in_(statuses)
            )
        )
        or 0
    )


def _notify_payment(payment: Payment, template: str, amount_minor: int | None = None) -> None:
    if payment.account_id is None:
        return
    amount = payment.amount_minor if amount_minor is None else amount_minor
    notify(
        payment.account_id,
        "payment",
        template,
        {
            "number": payment.application.number,
            "amount": money_text(amount, payment.currency),
        },
        data={
            "payment_id": payment.id,
            "application_id": payment.application_id,
            "status": payment.status,
        },
    )


def _sheet_max_age() -> timedelta:
    return timedelta(minutes=int(current_app.config.get("PAYMENT_SHEET_MAX_AGE_MINUTES", 55)))


# --- paying --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Claim:
    """What the first transaction of ``start_payment`` decided, as plain values."""

    payment: Payment
    fee_amount: int
    fee_currency: str
    customer_id: str | None
    customer_key: str
    account_id: int
    email: str | None
    number: str
    service_code: str


@transactional
def _claim_once(owner: Account, application_id: int) -> _Claim:
    application = get_application_for_owner(owner, application_id)
    post = application.post
    if not post.mobile_payment_enabled:
        raise Conflict("payment_not_available")
    if application.state in FINAL_STATES:
        raise Conflict("application_not_payable")
    payments = db.session.scalars(
        select(Payment).where(Payment.application_id == application.id).order_by(Payment.id)
    ).all()
    if any(p.status in PAID_STATUSES for p in payments):
        raise Conflict("already_paid")
    if any(p.status == "needs_review" for p in payments):
        raise Conflict("payment_under_review")
    fee = db.session.scalar(
        select(Fee).where(
            Fee.post_id == application.post_id,
            Fee.service_type_id == application.service_type_id,
        )
    )
    if fee is None:
        raise Conflict("payment_not_available")
    if fee.amount_minor <= 0:
        raise Conflict("nothing_to_pay")
    if not _payable_online(fee.amount_minor, fee.currency):
        # e.g. 12.345 KWD: Stripe takes three-decimal amounts only in multiples of 10.
        raise Conflict("payment_not_available")

    payment = next((p for p in payments if p.is_open), None)
    if (
        payment is not None
        and payment.status == "creating"
        and (payment.amount_minor, payment.currency) != (fee.amount_minor, fee.currency)
    ):
        # Its sheet was never handed out, so nobody can pay it: retire it for the new fee
        # (its idempotency key carries the old amount).
        payment.status = "canceled"
        payment.canceled_at = utcnow()
        db.session.flush()
        payment = None
    if payment is None:
        payment = Payment(
            application_id=application.id,
            account_id=owner.id,
            post_id=application.post_id,
            amount_minor=fee.amount_minor,
            currency=fee.currency,
            status="creating",
        )
        db.session.add(payment)
        db.session.flush()  # a concurrent tap's row makes this an IntegrityError
    customer = db.session.get(PaymentCustomer, owner.id)
    if customer is None:
        customer = PaymentCustomer(account_id=owner.id)
        db.session.add(customer)
        db.session.flush()  # a concurrent first payment of the account: IntegrityError
    return _Claim(
        payment=payment,
        fee_amount=fee.amount_minor,
        fee_currency=fee.currency,
        customer_id=customer.customer_id,
        customer_key=customer.gateway_key,
        account_id=owner.id,
        email=owner.email,
        number=application.number,
        service_code=application.service_type.code,
    )


def _claim_open_payment(owner: Account, application_id: int) -> _Claim:
    try:
        return _claim_once(owner, application_id)
    except IntegrityError:
        # Another request inserted the open payment first; ours was rolled back. Re-read:
        # PostgreSQL reports the violation only once the winner has committed.
        db.session.rollback()
        return _claim_once(owner, application_id)


def _ensure_customer(gateway: PaymentGateway, claim: _Claim) -> str:
    customer_id = gateway.ensure_customer(
        account_ref=f"account:{claim.account_id}",
        email=claim.email,
        idempotency_key=claim.customer_key,
    )
    with unit_of_work():
        # Concurrent first payments of one account used the same key, hence got the same
        # customer; whoever stores it first wins, the others store the same id again.
        db.session.execute(
            update(PaymentCustomer)
            .where(
                PaymentCustomer.account_id == claim.account_id,
                PaymentCustomer.customer_id.is_(None),
            )
            .values(customer_id=customer_id)
        )
        stored = db.session.scalar(
            select(PaymentCustomer.customer_id).where(
                PaymentCustomer.account_id == claim.account_id
            )
        )
    return stored or customer_id


def _create_sheet(gateway: PaymentGateway, claim: _Claim) -> PaymentSheet:
    payment = claim.payment
    try:
        customer_id = claim.customer_id or _ensure_customer(gateway, claim)
        return gateway.create_payment_sheet(
            customer_id=customer_id,
            amount=payment.amount_minor,
            currency=payment.currency,
            metadata={
                "payment_id": str(payment.id),
                "application_id": str(payment.application_id),
                "application_number": claim.number,
            },
            idempotency_key=payment.gateway_key,
            description=f"{claim.number} {claim.service_code}",
        )
    except GatewayUnavailable as exc:
        log.warning("payment gateway unavailable creating payment %s: %r", payment.id, exc)
        raise PaymentGatewayDown() from None
    except PaymentRejected as exc:
        log.error("gateway refused the payment sheet of payment %s: %r", payment.id, exc)
        raise Conflict("payment_not_available") from None
    except PaymentGatewayError as exc:  # configuration or idempotency fault: ours to fix
        log.error("payment gateway error creating payment %s: %r", payment.id, exc)
        raise PaymentGatewayDown() from None


@transactional
def _store_sheet(payment_id: int, sheet: PaymentSheet) -> Payment:
    payment = _locked_payment(payment_id)
    assert payment is not None
    if payment.intent_id is None:
        payment.intent_id = sheet.intent_id
    if payment.client_secret is None:
        payment.client_secret = sheet.client_secret
        payment.customer_id = sheet.customer_id
        payment.ephemeral_key_secret = sheet.ephemeral_key_secret
        payment.publishable_key = sheet.publishable_key
        payment.sheet_created_at = utcnow()
    if payment.status == "creating":
        payment.status = "requires_payment"
    return payment


def _retrieve(gateway: PaymentGateway, intent_id: str) -> IntentInfo:
    try:
        return gateway.retrieve_intent(intent_id=intent_id)
    except GatewayUnavailable:
        raise PaymentGatewayDown() from None
    except PaymentGatewayError as exc:  # unknown intent, keys of another account: ours
        log.error("could not read intent %s: %r", intent_id, exc)
        raise PaymentGatewayDown() from None


def _cancel(gateway: PaymentGateway, payment: Payment) -> IntentInfo:
    """Cancel the payment's intent; if it moved on meanwhile, return what it became."""
    assert payment.intent_id is not None
    try:
        return gateway.cancel_intent(
            intent_id=payment.intent_id, idempotency_key=f"cancel:{payment.gateway_key}"
        )
    except GatewayUnavailable:
        raise PaymentGatewayDown() from None
    except PaymentGatewayError:
        # Not cancelable any more (processing, succeeded): the intent says what happened.
        return _retrieve(gateway, payment.intent_id)


def start_payment(owner: Account, application_id: int) -> Payment:
    """Create, or return, the open payment of the owner's application with its sheet.

    Idempotent by application: a double tap, a retry after a timeout or a second device
    all get the same payment and the same PaymentIntent. The gateway calls use
    ``payment.gateway_key`` (``payment:{id}:{nonce}``) as idempotency key, so a retry
    after a gateway outage (503, the payment stays ``creating``) reaches the very same
    intent. If the fee changed while
    the intent is still unpaid, that intent is cancelled and a new payment is opened for
    the new amount; so is an unpaid intent whose sheet (ephemeral key) has expired.
    """
    gateway = payment_gateway()
    for _round in range(_MAX_ROUNDS):
        claim = _claim_open_payment(owner, application_id)
        payment = claim.payment
        if payment.status == "creating":
            return _store_sheet(payment.id, _create_sheet(gateway, claim))
        if payment.status != "requires_payment":
            return payment  # processing: the money is on its way, keep what we have
        if (payment.amount_minor, payment.currency) != (claim.fee_amount, claim.fee_currency):
            apply_intent(payment.id, _cancel(gateway, payment), replaced_because="fee_changed")
            continue
        sheet_age = utcnow() - (payment.sheet_created_at or utcnow())
        if sheet_age > _sheet_max_age():
            intent = _retrieve(gateway, payment.intent_id or "")
            if intent.status == "requires_payment_method":  # nobody is paying it right now
                intent = _cancel(gateway, payment)
                apply_intent(payment.id, intent, replaced_because="sheet_expired")
                continue
            apply_intent(payment.id, intent)
            return _reload(payment.id)
        return payment
    raise PaymentGatewayDown()


def _reload(payment_id: int) -> Payment:
    payment = db.session.get(Payment, payment_id, populate_existing=True)
    assert payment is not None
    return payment


# --- reading -------------------------------------------------------------------------------
def get_for_owner(owner: Account, payment_id: int) -> Payment:
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.application.account_id != owner.id:
        raise NotFound("payment_not_found")
    return payment


def owner_query(owner: Account, application_id: int | None = None) -> Select:
    query = (
        select(Payment)
        .join(Application, Application.id == Payment.application_id)
        .where(Application.account_id == owner.id)
    )
    if application_id is not None:
        query = query.where(Payment.application_id == application_id)
    return query.order_by(Payment.created_at.desc(), Payment.id.desc())


def get_for_staff(actor: Account, payment_id: int) -> Payment:
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        raise NotFound("payment_not_found")
    require_post_scope(actor, payment.application.post)
    return payment


@dataclass(frozen=True)
class Receipt:
    payment: Payment
    reference: str


def receipt_for_owner(owner: Account, payment_id: int) -> Receipt:
    """The receipt of a payment that took money (also after a refund, which it shows)."""
    payment = get_for_owner(owner, payment_id)
    if payment.status not in RECEIPT_STATUSES:
        raise Conflict("receipt_not_available")
    tail = (payment.intent_id or "")[-8:].upper()
    return Receipt(payment=payment, reference=f"{payment.application.number}-{tail}")


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
        _notify_payment(payment, payment_texts.PAYMENT_REFUNDING, payment.amount_received)
        payment_id = payment.id
        after_commit(lambda: _schedule_auto_refund(payment_id))
        return
    payment.status = "succeeded"
    record_audit(
        None, "payment.succeeded", "payment", payment.id, post_id=payment.post_id, details=details
    )
    _notify_payment(payment, payment_texts.PAYMENT_SUCCEEDED)


def _apply_intent(
    payment: Payment,
    intent: IntentInfo,
    *,
    event_type: str | None = None,
    replaced_because: str | None = None,
) -> Change | None:
    """Move ``payment`` (locked, in the caller's unit of work) to what ``intent`` says."""
    before = payment.status
    new = _INTENT_TO_STATUS.get(intent.status)
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
    elif _OPEN_RANK[new] > _OPEN_RANK[before]:
        payment.status = new
    elif before == "processing" and intent.status == "requires_payment_method":
        # The one way back Stripe has: a delayed payment method (bank debit) failed.
        payment.status = "requires_payment"
    if (
        event_type == "payment_intent.payment_failed"
        and intent.status == "requires_payment_method"
        and payment.status == "requires_payment"
    ):
        _notify_payment(payment, payment_texts.PAYMENT_FAILED)
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
        payment = _locked_payment(payment_id)
        if payment is None:
            return None
        return _apply_intent(
            payment, intent, event_type=event_type, replaced_because=replaced_because
        )


# --- refunds -------------------------------------------------------------------------------
def _recount_refunds(payment: Payment) -> None:
    refunded = _refund_sum(payment.id, ("succeeded",))
    payment.amount_refunded = refunded
    received = payment.amount_received
    full = refunded > 0 and refunded >= received
    if payment.status in ("succeeded", "partially_refunded", "refunded"):
        payment.status = "refunded" if full else "partially_refunded" if refunded else "succeeded"
    elif payment.status in ("refunding", "needs_review") and full:
        payment.status = "refunded"


def _set_refund_status(refund: PaymentRefund, status: str, failure_code: str | None) -> None:
    """Move a refund forward (in the caller's unit of work, its payment locked)."""
    before = refund.status
    if status not in _REFUND_RANK or before == status:
        return
    if _REFUND_RANK[status] < _REFUND_RANK[before] or _REFUND_RANK[before] == 2:
        return  # stale news
    refund.status = status
    if failure_code:
        refund.failure_code = failure_code[:64]
    payment = refund.payment
    _recount_refunds(payment)
    if status == "succeeded":
        _notify_payment(payment, payment_texts.PAYMENT_REFUNDED, refund.amount_minor)
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
    payment = _locked_payment(payment_id)
    if payment is None:
        raise NotFound("payment_not_found")
    require_post_scope(actor, payment.application.post)
    # Checked after the scope, so that an officer of another post learns nothing more.
    if not client_key:
        raise InvalidInput("idempotency_key_required")
    if not CLIENT_KEY_PATTERN.match(client_key):
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
    remaining = payment.amount_received - _refund_sum(payment.id, ACTIVE_REFUND_STATUSES)
    wanted = remaining if amount is None else amount
    if wanted <= 0 or wanted > remaining:
        raise Conflict(
            "refund_exceeds_payment", remaining=money_text(max(remaining, 0), payment.currency)
        )
    if not _payable_online(wanted, payment.currency):
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
    _locked_payment(refund.payment_id)
    db.session.refresh(refund)
    if gateway_refund_id and refund.gateway_refund_id is None:
        refund.gateway_refund_id = gateway_refund_id
    _set_refund_status(refund, status, failure_code)
    return refund


def _execute_refund(refund: PaymentRefund) -> PaymentRefund:
    """Ask the gateway for a pending refund (outside any transaction) and store the answer."""
    intent_id = refund.payment.intent_id
    key = refund.gateway_idempotency_key
    _release_connection()
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
        payment = _locked_payment(payment_id)
        if payment is None or payment.status != "refunding":
            return None
        refund = db.session.scalar(
            select(PaymentRefund).where(
                PaymentRefund.payment_id == payment.id, PaymentRefund.client_key == "auto"
            )
        )
        if refund is None:
            remaining = payment.amount_received - _refund_sum(payment.id, ACTIVE_REFUND_STATUSES)
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


def _schedule_auto_refund(payment_id: int) -> None:
    from services.jobs import enqueue
    from services.payment_tasks import auto_refund

    try:
        enqueue(auto_refund, payment_id)
    except Exception:
        # The broker is down: the payment stays "refunding" and reconciliation retries.
        log.warning("could not queue the automatic refund of payment %s", payment_id)


def retry_pending_refund(refund_id: int) -> PaymentRefund | None:
    """Resume a refund whose gateway call never completed (same idempotency key)."""
    refund = db.session.get(PaymentRefund, refund_id)
    if refund is None or refund.status != "pending" or refund.gateway_refund_id is not None:
        return None
    return _execute_refund(refund)


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
    payment = _locked_payment(payment_id)
    assert payment is not None
    _apply_intent(payment, intent, event_type=event.type)
    return payment_id


def _on_charge_refunded(obj: dict[str, Any]) -> int | None:
    payment_id = _payment_id_for_intent(obj.get("payment_intent"))
    currency = str(obj.get("currency") or "").upper()
    if payment_id is None or not currency:
        return None
    payment = _locked_payment(payment_id)
    assert payment is not None
    refunds = obj.get("refunds")
    for item in (refunds.get("data") or []) if isinstance(refunds, dict) else []:
        if isinstance(item, dict):
            _on_refund_object(payment, item)
    total = from_stripe_amount(int(obj.get("amount_refunded") or 0), currency)
    known = _refund_sum(payment.id, ACTIVE_REFUND_STATUSES)
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
        _set_refund_status(refund, "succeeded", None)
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
        _set_refund_status(refund, obj["status"], failure if isinstance(failure, str) else None)


def _on_refund(obj: dict[str, Any]) -> int | None:
    payment_id = _payment_id_for_intent(obj.get("payment_intent"))
    if payment_id is None:
        return None
    payment = _locked_payment(payment_id)
    assert payment is not None
    _on_refund_object(payment, obj)
    return payment_id


def _on_dispute(obj: dict[str, Any]) -> int | None:
    payment_id = _payment_id_for_intent(obj.get("payment_intent"))
    if payment_id is None:
        log.error("dispute %s matches no payment", obj.get("id"))
        return None
    payment = _locked_payment(payment_id)
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
    _release_connection()
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


# --- sandbox -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Simulation:
    payment: Payment
    deliveries: list[WebhookResult]


def simulate(owner: Account, payment_id: int, outcome: str, deliver: str) -> Simulation:
    """Sandbox only: "pay" or "fail" the intent, then deliver its signed webhook once or
    twice through ``process_webhook`` (the code path of the real webhook endpoint)."""
    payment = get_for_owner(owner, payment_id)
    intent_id = payment.intent_id
    _release_connection()
    gateway = payment_gateway()
    if not isinstance(gateway, SandboxGateway):
        raise NotFound("not_found")
    if intent_id is None:
        raise Conflict("simulation_not_possible")
    try:
        signed = gateway.simulate_payment(intent_id=intent_id, outcome=outcome)  # type: ignore[arg-type]
    except PaymentRejected:
        raise Conflict("simulation_not_possible") from None
    deliveries = [
        process_webhook(signed.payload, signed.signature_header)
        for _ in range(2 if deliver == "twice" else 1)
    ]
    return Simulation(payment=_reload(payment_id), deliveries=deliveries)
