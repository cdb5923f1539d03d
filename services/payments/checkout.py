"""Paying: the payment sheet for the app (a claimed payment row, then the gateway call).

Fee changes: while an intent is still unpaid (``requires_payment``), a new request after the
post's fee changed cancels that intent and opens a new payment for the new amount; an intent
already ``processing`` keeps its amount (the money is on its way). The same happens when the
payment sheet's ephemeral key has expired (``PAYMENT_SHEET_MAX_AGE_MINUTES``, 55 by default,
below Stripe's one hour) and the customer has not started paying.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from payments import (
    GatewayUnavailable,
    IntentInfo,
    PaymentGateway,
    PaymentGatewayError,
    PaymentRejected,
    PaymentSheet,
)
from services.applications.applications import get_for_owner as get_application_for_owner
from services.applications.states import FINAL_STATES
from services.core.db import db, transactional, unit_of_work
from services.core.errors import Conflict
from services.core.integrations import payment_gateway
from services.models import (
    Account,
    Fee,
    Payment,
    PaymentCustomer,
)
from services.models.types import utcnow
from services.payments.common import (
    MAX_ROUNDS,
    PAID_STATUSES,
    PaymentGatewayDown,
    locked_payment,
    payable_online,
    reload_payment,
    sheet_max_age,
)
from services.payments.intents import apply_intent

log = logging.getLogger(__name__)


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
    if not payable_online(fee.amount_minor, fee.currency):
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
    payment = locked_payment(payment_id)
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
    for _round in range(MAX_ROUNDS):
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
        if sheet_age > sheet_max_age():
            intent = _retrieve(gateway, payment.intent_id or "")
            if intent.status == "requires_payment_method":  # nobody is paying it right now
                intent = _cancel(gateway, payment)
                apply_intent(payment.id, intent, replaced_because="sheet_expired")
                continue
            apply_intent(payment.id, intent)
            return reload_payment(payment.id)
        return payment
    raise PaymentGatewayDown()
